"""Live order tracking: the payloads pushed to subscribers."""

from datetime import datetime

import strawberry

from schema.fulfillment import Fulfillment, FulfillmentStatus
from schema.order import EcommerceOrder, OrderStatus


@strawberry.type(description="An order moved from one status to another.")
class OrderUpdate:
    order: EcommerceOrder = strawberry.field(description="The order as it is now.")
    from_status: OrderStatus | None = strawberry.field(  # type: ignore[valid-type]
        description="Status the order moved from.")
    to_status: OrderStatus = strawberry.field(  # type: ignore[valid-type]
        description="Status the order moved to.")
    occurred_at: datetime = strawberry.field(description="When it moved.")


@strawberry.type(description="A fulfillment was created or moved.")
class FulfillmentUpdate:
    fulfillment: Fulfillment = strawberry.field(description="The fulfillment as it is now.")
    from_status: FulfillmentStatus | None = strawberry.field(  # type: ignore[valid-type]
        description="Status it moved from; null when the fulfillment was just created.")
    to_status: FulfillmentStatus = strawberry.field(  # type: ignore[valid-type]
        description="Status it moved to (PENDING when just created).")
    occurred_at: datetime = strawberry.field(description="When it was created or moved.")
