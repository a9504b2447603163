"""Subscriptions over graphql-transport-ws, fed by the broker only (never by polling tables).

The read policy (app/policy/reads.py) decides when subscribing and again for every pushed event,
against the event's order as it is then: an order's customer and the staff who may read orders
follow one order; only staff who may read every order follow them all (orderId omitted). Before
every event the connection's viewer is read anew from its token (current roles and active flag,
within COMMERCE_USER_CACHE_SECONDS); an expired token or a deactivated user ends the subscription
with UNAUTHENTICATED, and an event the viewer may no longer read is not sent: the subscription ends
with PERMISSION_DENIED."""

from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import datetime
from typing import Annotated, Any

import strawberry

from app.auth import InvalidToken
from app.domain.states import FulfillmentStatus as DomainFulfillmentStatus
from app.domain.states import OrderStatus as DomainOrderStatus
from app.ids import decode_int_id
from app.policy.reads import Readable, may_read, may_read_order
from resolvers.base import Info, currency
from schema.errors import PermissionDenied, PublicError, Unauthenticated
from schema.fulfillment import Fulfillment
from schema.order import EcommerceOrder
from schema.subscriptions import FulfillmentUpdate, OrderUpdate

SEEN_LIMIT = 1000
ORDER_ID = Annotated[strawberry.ID | None, strawberry.argument(
    description="Global id of the order to follow; omitted (staff who may read every order): every order.")]
EVERY_ORDER = "orders"  # the broker channel of every order's events


def _signed_in(info: Info) -> None:
    if info.context.viewer is None:
        raise Unauthenticated("Send a bearer token in connection_init to follow orders.")


async def _followed_channel(info: Info, order_id: strawberry.ID | None) -> str:
    """The broker channel to follow, if the viewer may: one order's, or every order's."""
    _signed_in(info)
    if order_id is None:
        if not may_read(info.context.viewer, Readable.EVERY_ORDER):
            raise PermissionDenied("Only staff who may read every order may follow every order.")
        return EVERY_ORDER
    pk = decode_int_id(order_id, "EcommerceOrder")
    row = await info.context.orders.order.load(pk) if pk is not None else None
    if row is None or not may_read_order(info.context.viewer, row.customer_id):
        raise PermissionDenied("You may not follow this order.")
    return f"order:{pk}"


async def _readable_order(info: Info, channel: str, order_id: int) -> Any:
    """The event's order, read anew, if the viewer may still read it (and still follow them all)."""
    viewer = info.context.viewer
    row = await info.context.orders.order.load(order_id)
    if (row is None or not may_read_order(viewer, row.customer_id)
            or (channel == EVERY_ORDER and not may_read(viewer, Readable.EVERY_ORDER))):
        raise PermissionDenied("You may no longer follow this order.")
    return row


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
        await _reauthenticate(info)
        yield message


async def _reauthenticate(info: Info) -> None:
    """The connection's viewer as it is now: roles changed, a deactivated or deleted user or an
    expired access token are seen at the next event, not only at the next connection."""
    if info.context.reauthenticate is None:
        return
    try:
        info.context.viewer = await info.context.reauthenticate()
    except InvalidToken as ended:
        raise Unauthenticated(f"{ended} Reconnect with a fresh access token to keep following.") from ended


def _moment(message: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(message["payload"].get("at") or message["occurredAt"])


async def _order_stream(info: Info, channel: str) -> AsyncGenerator[OrderUpdate, None]:
    async for message in _events(info, channel, "order.status_changed"):
        payload = message["payload"]
        row = await _readable_order(info, channel, int(message["subjectId"]))
        yield OrderUpdate(order=EcommerceOrder.from_row(row, currency(info)),
                          from_status=DomainOrderStatus(payload["from"]) if payload.get("from") else None,
                          to_status=DomainOrderStatus(payload["to"]), occurred_at=_moment(message))


async def _fulfillment_stream(info: Info, channel: str) -> AsyncGenerator[FulfillmentUpdate, None]:
    async for message in _events(info, channel, "fulfillment.status_changed"):
        payload = message["payload"]
        row = await info.context.orders.fulfillment.load(int(payload["fulfillmentId"]))
        await _readable_order(info, channel, row.order_id)
        yield FulfillmentUpdate(
            fulfillment=Fulfillment.from_row(row),
            from_status=DomainFulfillmentStatus(payload["from"]) if payload.get("from") else None,
            to_status=DomainFulfillmentStatus(payload["to"]), occurred_at=_moment(message))


@strawberry.type(description="Live updates.")
class Subscription:
    @strawberry.subscription(description="The order's owner (by token) or staff who may read orders; those staff "
                                         "may omit orderId to follow every order.")
    async def order_updated(self, info: Info, order_id: ORDER_ID = None) -> AsyncGenerator[OrderUpdate, None]:
        return _order_stream(info, await _followed_channel(info, order_id))

    @strawberry.subscription(description="The order's owner (by token) or staff who may read orders; those staff "
                                         "may omit orderId to follow every order.")
    async def fulfillment_updated(self, info: Info, order_id: ORDER_ID = None
                                  ) -> AsyncGenerator[FulfillmentUpdate, None]:
        return _fulfillment_stream(info, await _followed_channel(info, order_id))
