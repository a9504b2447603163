"""Subscriptions over graphql-transport-ws, fed by the broker only (never by polling tables).
Only the order's customer or staff may follow an order; staff may follow every order."""

from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import datetime
from typing import Any

import strawberry

from app.domain.states import FulfillmentStatus as DomainFulfillmentStatus, OrderStatus as DomainOrderStatus
from app.ids import decode_int_id
from app.policy.orders import may_read_order
from resolvers.base import Info, currency
from schema.errors import PermissionDenied, PublicError, Unauthenticated
from schema.fulfillment import Fulfillment
from schema.order import EcommerceOrder
from schema.subscriptions import FulfillmentUpdate, OrderUpdate

SEEN_LIMIT = 1000


async def _followable_order(info: Info, order_id: strawberry.ID) -> int:
    viewer = info.context.viewer
    if viewer is None:
        raise Unauthenticated("Send a bearer token in connection_init to follow an order.")
    pk = decode_int_id(order_id, "EcommerceOrder")
    row = await info.context.orders.order.load(pk) if pk is not None else None
    if row is None or not may_read_order(viewer.roles, viewer_customer_id=viewer.customer_id,
                                         order_customer_id=row.customer_id):
        raise PermissionDenied("You may not follow this order.")
    return pk  # type: ignore[return-value]


async def _events(info: Info, channel: str, topic: str) -> AsyncIterator[dict[str, Any]]:
    """Messages of one topic on a channel, each once (the relay delivers at least once)."""
    broker = info.context.broker
    if broker is None:
        raise PublicError("Live updates are not available here.", "UNAVAILABLE")
    seen: OrderedDict[str, None] = OrderedDict()
    async for message in broker.subscribe(channel):
        if message.get("topic") != topic or message["id"] in seen:
            continue
        seen[message["id"]] = None
        if len(seen) > SEEN_LIMIT:
            seen.popitem(last=False)
        info.context.fresh_loaders()
        yield message


def _moment(message: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(message["payload"].get("at") or message["occurredAt"])


async def _order_stream(info: Info, pk: int) -> AsyncGenerator[OrderUpdate, None]:
    async for message in _events(info, f"order:{pk}", "order.status_changed"):
        payload = message["payload"]
        row = await info.context.orders.order.load(pk)
        yield OrderUpdate(order=EcommerceOrder.from_row(row, currency(info)),
                          from_status=DomainOrderStatus(payload["from"]) if payload.get("from") else None,
                          to_status=DomainOrderStatus(payload["to"]), occurred_at=_moment(message))


async def _fulfillment_stream(info: Info, channel: str) -> AsyncGenerator[FulfillmentUpdate, None]:
    async for message in _events(info, channel, "fulfillment.status_changed"):
        payload = message["payload"]
        row = await info.context.orders.fulfillment.load(int(payload["fulfillmentId"]))
        yield FulfillmentUpdate(
            fulfillment=Fulfillment.from_row(row),
            from_status=DomainFulfillmentStatus(payload["from"]) if payload.get("from") else None,
            to_status=DomainFulfillmentStatus(payload["to"]), occurred_at=_moment(message))


@strawberry.type(description="Live updates.")
class Subscription:
    @strawberry.subscription(description="The order's owner (by token) or staff.")
    async def order_updated(self, info: Info, order_id: strawberry.ID) -> AsyncGenerator[OrderUpdate, None]:
        return _order_stream(info, await _followable_order(info, order_id))

    @strawberry.subscription(description="The order's owner or staff; staff may omit orderId to follow every order.")
    async def fulfillment_updated(self, info: Info, order_id: strawberry.ID | None = None
                                  ) -> AsyncGenerator[FulfillmentUpdate, None]:
        if order_id is None:
            viewer = info.context.viewer
            if viewer is None or not viewer.is_staff:
                raise PermissionDenied("Only staff may follow every order.")
            return _fulfillment_stream(info, "orders")
        return _fulfillment_stream(info, f"order:{await _followable_order(info, order_id)}")
