"""Order reads (app/policy/reads.py): an order for its customer and order staff; lists for order staff."""

from typing import Annotated, Any

import strawberry

from app.ids import decode_int_id
from app.loaders.orders import ORDERS
from app.policy.reads import Readable, may_read_order
from app.services import orders as order_service
from resolvers.base import Info, currency, input_pk, query_moment, query_pk, query_text, require_read, write
from schema.common import After, Connection, First
from schema.errors import PublicError
from schema.order import (
    EcommerceOrder,
    OrderCancelInput,
    OrderFilter,
    OrderPayload,
)

MAX_STATUSES = 10


async def order_connection(info: Info, *, first: int | None, after: str | None,
                           **flt: Any) -> Connection[EcommerceOrder]:
    request = ORDERS.request(first=first, after=after)
    db, orders = info.context.db, ORDERS.filtered(**flt)
    return Connection.of(await orders.page(db, request), orders.cursor,
                         lambda row: EcommerceOrder.from_row(row, currency(info)), lambda: orders.count(db))


async def _filter(info: Info, flt: OrderFilter | None) -> dict[str, Any]:
    if flt is None:
        return {"statuses": None, "channel_id": None, "campaign_id": None, "created_after": None,
                "created_before": None, "customer_id": None}
    if flt.status is not None and len(flt.status) > MAX_STATUSES:
        raise PublicError("Too many statuses.", "INVALID")
    channel_id = None
    if flt.channel is not None:
        known = await info.context.catalog.channel_id(query_text(flt.channel, "channel", max_length=64))
        channel_id = known or -1  # unknown: no orders
    return {"statuses": [s.value for s in flt.status] if flt.status else None, "channel_id": channel_id,
            "campaign_id": query_pk(flt.campaign_id, "Campaign", "campaignId") if flt.campaign_id else None,
            "created_after": query_moment(flt.created_after, "createdAfter") if flt.created_after else None,
            "created_before": query_moment(flt.created_before, "createdBefore") if flt.created_before else None,
            "customer_id": None}


@strawberry.type
class OrderQuery:
    @strawberry.field(description="An order, for its customer and for SUPPORT, FULFILLMENT, MANAGER, ADMIN; "
                                  "null otherwise.")
    async def order(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="Global id of the order.")]) -> EcommerceOrder | None:
        pk = decode_int_id(id, "EcommerceOrder")
        row = await info.context.orders.order.load(pk) if pk is not None else None
        if row is None or not may_read_order(info.context.viewer, row.customer_id):
            return None
        return EcommerceOrder.from_row(row, currency(info))

    @strawberry.field(description="SUPPORT, FULFILLMENT, MANAGER, ADMIN: orders, newest first.")
    async def orders(
        self, info: Info, first: First = None, after: After = None,
        filter: Annotated[OrderFilter | None, strawberry.argument(
            description="Conditions the orders must meet.")] = None,
    ) -> Connection[EcommerceOrder]:
        require_read(info, Readable.ORDER_LIST)
        return await order_connection(info, first=first, after=after, **await _filter(info, filter))


@strawberry.type
class OrderMutation:
    @strawberry.mutation(description="Cancel an order: its customer before fulfillment starts; SUPPORT, MANAGER, "
                                     "ADMIN before shipment, after it with an approved ORDER_CANCEL_AFTER_SHIPMENT.")
    async def order_cancel(
        self, info: Info,
        input: Annotated[OrderCancelInput, strawberry.argument(
            description="The order, why, and an approval where policy needs one.")],
    ) -> OrderPayload:
        return await write(info, OrderPayload, input, lambda uow: order_service.cancel_order(
            uow=uow, order_id=input_pk(input.order_id, "EcommerceOrder", "orderId") or 0, reason=input.reason,
            approval_id=input_pk(input.approval_id, "ApprovalRequest", "approvalId"),
            gateways=info.context.gateways),
            lambda order: {"order": EcommerceOrder.from_row(order, currency(info))})
