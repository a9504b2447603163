"""Live order tracking: the payloads pushed to subscribers."""

from datetime import datetime

import strawberry

from schema.fulfillment import Fulfillment, FulfillmentStatus
from schema.order import EcommerceOrder, OrderStatus


@strawberry.type(description="An order moved from one status to another.")
class OrderUpdate:
    order: EcommerceOrder = strawberry.field(description="The order as it is now.")
    from_status: OrderStatus | None  # type: ignore[valid-type]
    to_status: OrderStatus  # type: ignore[valid-type]
    occurred_at: datetime


@strawberry.type(description="A fulfillment was created or moved.")
class FulfillmentUpdate:
    fulfillment: Fulfillment = strawberry.field(description="The fulfillment as it is now.")
    from_status: FulfillmentStatus | None  # type: ignore[valid-type]
    to_status: FulfillmentStatus  # type: ignore[valid-type]
    occurred_at: datetime
