"""Fulfillment types: shipments of order lines from a warehouse."""

from datetime import datetime
from typing import Any

import strawberry

from app.context import Context
from app.domain.states import FulfillmentStatus as DomainFulfillmentStatus
from app.ids import encode_id
from app.policy.order_lifecycle import available_fulfillment_steps
from app.policy.reads import Readable, may_read, may_read_order
from schema.common import IDEMPOTENCY_KEY_REQUIRED, USER_ERRORS, Node, UserError
from schema.errors import PermissionDenied
from schema.order import EcommerceOrder, OrderLine
from schema.store import Warehouse

Info = strawberry.Info[Context, None]

FulfillmentStatus = strawberry.enum(DomainFulfillmentStatus, name="FulfillmentStatus",
                                    description="Where a shipment stands.")


@strawberry.type(description="Units of one order line in a fulfillment.")
class FulfillmentLine:
    quantity: int = strawberry.field(description="Units of the order line in this fulfillment.")
    order_line_id: strawberry.Private[int]

    @strawberry.field(description="The order line shipped.")
    async def order_line(self, info: Info) -> OrderLine:
        return OrderLine.from_row(await info.context.orders.order_line.load(self.order_line_id),
                                  info.context.settings.currency)


@strawberry.type(description="A shipment of order lines from one warehouse.")
class Fulfillment(Node):
    status: FulfillmentStatus = strawberry.field(description="Current status.")  # type: ignore[valid-type]
    carrier: str | None = strawberry.field(description="Carrier, once given (it is required to ship).")
    tracking_number: str | None = strawberry.field(
        description="The carrier's tracking number, once given (it is required to ship).")
    updated_at: datetime = strawberry.field(description="When it was created or last moved.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> "Fulfillment":
        return cls(id=strawberry.ID(encode_id("Fulfillment", row.id)), status=DomainFulfillmentStatus(row.status),
                   carrier=row.carrier, tracking_number=row.tracking_number, updated_at=row.updated_at, row=row)

    @strawberry.field(description="Statuses this fulfillment may move to next, for the viewer (empty for "
                                  "those who may not manage fulfillments).")
    def available_transitions(self, info: Info) -> list[FulfillmentStatus]:  # type: ignore[valid-type]
        viewer = info.context.viewer
        if viewer is None:
            return []
        return available_fulfillment_steps(DomainFulfillmentStatus(self.row.status), roles=viewer.roles)

    @strawberry.field(description="The order shipped (PERMISSION_DENIED for those who may not read it).")
    async def order(self, info: Info) -> EcommerceOrder:
        row = await info.context.orders.order.load(self.row.order_id)
        if not may_read_order(info.context.viewer, row.customer_id):
            raise PermissionDenied("You may not read this order.")
        return EcommerceOrder.from_row(row, info.context.settings.currency)

    @strawberry.field(description="The warehouse it ships from; staff only: others see a placeholder without "
                                  "name or code.")
    async def warehouse(self, info: Info) -> Warehouse:
        if not may_read(info.context.viewer, Readable.WAREHOUSE):
            return Warehouse.placeholder()
        return Warehouse.from_row(await info.context.catalog.warehouse.load(self.row.warehouse_id))

    @strawberry.field(description="What it ships.")
    async def lines(self, info: Info) -> list[FulfillmentLine]:
        return [FulfillmentLine(quantity=r.quantity, order_line_id=r.order_line_id)
                for r in await info.context.orders.fulfillment_lines.load(self.row.id)]


@strawberry.input(description="Units of an order line to fulfill.")
class FulfillmentLineInput:
    order_line_id: strawberry.ID = strawberry.field(description="A line of the order.")
    quantity: int = strawberry.field(description="Units to ship, 1 to 999, at most those left to fulfill.")


@strawberry.input(description="Fulfill an order from a warehouse.")
class FulfillmentCreateInput:
    order_id: strawberry.ID = strawberry.field(description="The order to fulfill: CONFIRMED or PROCESSING.")
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=None, description="Omitted: the warehouse holding the order's allocated stock.")
    lines: list[FulfillmentLineInput] | None = strawberry.field(
        default=None, description="Omitted: every line that is still unfulfilled.")
    idempotency_key: str = strawberry.field(description=IDEMPOTENCY_KEY_REQUIRED)


@strawberry.input(description="Move a fulfillment to its next status (carrier and tracking number at shipment).")
class FulfillmentUpdateInput:
    fulfillment_id: strawberry.ID = strawberry.field(description="The fulfillment to move.")
    status: FulfillmentStatus = strawberry.field(  # type: ignore[valid-type]
        description="The status to move to; a move the status table does not list is INVALID_TRANSITION.")
    carrier: str | None = strawberry.field(
        default=None, description="Carrier, at most 100 characters; needed to ship unless already set.")
    tracking_number: str | None = strawberry.field(
        default=None, description="Tracking number, at most 100 characters; needed to ship unless already "
                                  "set.")
    idempotency_key: str = strawberry.field(description=IDEMPOTENCY_KEY_REQUIRED)


@strawberry.type(description="Result of a fulfillment mutation.")
class FulfillmentPayload:
    fulfillment: Fulfillment | None = strawberry.field(
        default=None, description="The fulfillment as it is now; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)
