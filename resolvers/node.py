"""Relay object identification: node(id) and nodes(ids). Each type asks the read policy
(app/policy/reads.py) as its own query does: nobody reads another's cart or order through node."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from app.ids import decode_id, encode_id, int_key
from app.loaders.accounts import customer_by_id
from app.policy.reads import Readable, may_read, may_read_campaign, may_read_customer, may_read_order
from resolvers.base import Info
from schema.account import Customer
from schema.campaign import Campaign
from schema.catalog import Category, Collection, Product, ProductVariant
from schema.common import Node
from schema.errors import PublicError
from schema.exceptions import OperationalException
from schema.fulfillment import Fulfillment
from schema.returns import ApprovalRequest, ReturnRequest
from schema.store import Channel, DeliveryMethod, Warehouse

MAX_NODES = 100


def _reads(info: Info, what: Readable) -> bool:
    return may_read(info.context.viewer, what)


async def _product(info: Info, pk: int) -> Node | None:
    catalog = info.context.catalog
    row = await catalog.product.load(pk) if _reads(info, Readable.CATALOG) else None
    if row is None or not await catalog.may_see_product(row.id):
        return None
    return Product.from_row(row, info.context.settings.currency)


async def _variant(info: Info, pk: int) -> Node | None:
    catalog = info.context.catalog
    row = await catalog.variant.load(pk) if _reads(info, Readable.CATALOG) else None
    if row is None or not await catalog.may_see_product(row.product_id):
        return None
    return ProductVariant.from_row(row, info.context.settings.currency)


async def _category(info: Info, pk: int) -> Node | None:
    row = await info.context.catalog.category.load(pk) if _reads(info, Readable.CATALOG) else None
    return Category.from_row(row) if row else None


async def _collection(info: Info, pk: int) -> Node | None:
    catalog = info.context.catalog
    row = await catalog.collection.load(pk) if _reads(info, Readable.CATALOG) else None
    return Collection.from_row(row) if row is not None and catalog.may_see_collection(row) else None


async def _campaign(info: Info, pk: int) -> Node | None:
    row = await info.context.catalog.campaign.load(pk)
    if row is None or not may_read_campaign(info.context.viewer, row.status):
        return None
    return Campaign.from_row(row, info.context.settings.currency)


async def _channel(info: Info, pk: int) -> Node | None:
    row = await info.context.catalog.channel.load(pk) if _reads(info, Readable.CATALOG) else None
    return Channel.from_row(row) if row else None


async def _warehouse(info: Info, pk: int) -> Node | None:
    row = await info.context.catalog.warehouse.load(pk) if _reads(info, Readable.WAREHOUSE) else None
    return Warehouse.from_row(row) if row else None


async def _delivery_method(info: Info, pk: int) -> Node | None:
    row = await info.context.catalog.delivery_method.load(pk) if _reads(info, Readable.CATALOG) else None
    return DeliveryMethod.from_row(row, info.context.settings.currency) if row else None


async def _customer(info: Info, pk: int) -> Node | None:
    if not may_read_customer(info.context.viewer, pk):
        return None
    row = await customer_by_id(info.context.db, pk)
    return Customer.from_row(row) if row else None


async def _cart(info: Info, key: str) -> Node | None:
    from resolvers.cart import CartQuery

    return await CartQuery.cart(None, info, strawberry.ID(encode_id("Cart", key)))  # type: ignore[arg-type]


async def _order(info: Info, pk: int) -> Node | None:
    from resolvers.order import OrderQuery

    return await OrderQuery.order(None, info, strawberry.ID(encode_id("EcommerceOrder", pk)))  # type: ignore[arg-type]


async def _readable_order(info: Info, order_id: int) -> bool:
    row = await info.context.orders.order.load(order_id)
    return row is not None and may_read_order(info.context.viewer, row.customer_id)


async def _fulfillment(info: Info, pk: int) -> Node | None:
    row = await info.context.orders.fulfillment.load(pk)
    return Fulfillment.from_row(row) if row and await _readable_order(info, row.order_id) else None


async def _return_request(info: Info, pk: int) -> Node | None:
    row = await info.context.orders.return_request.load(pk)
    if row is None or not await _readable_order(info, row.order_id):
        return None
    return ReturnRequest.from_row(row, info.context.settings.currency)


async def _approval(info: Info, pk: int) -> Node | None:
    row = await info.context.orders.approval.load(pk) if _reads(info, Readable.APPROVAL) else None
    return ApprovalRequest.from_row(row) if row else None


async def _operational_exception(info: Info, pk: int) -> Node | None:
    if not _reads(info, Readable.OPERATIONAL_EXCEPTION):
        return None
    row = await info.context.orders.operational_exception.load(pk)
    return OperationalException.from_row(row) if row else None


NODE_RESOLVERS: dict[str, Callable[[Info, int], Awaitable[Node | None]]] = {
    "Product": _product,
    "ProductVariant": _variant,
    "Category": _category,
    "Collection": _collection,
    "Campaign": _campaign,
    "Channel": _channel,
    "Warehouse": _warehouse,
    "DeliveryMethod": _delivery_method,
    "Customer": _customer,
    "EcommerceOrder": _order,
    "Fulfillment": _fulfillment,
    "ReturnRequest": _return_request,
    "ApprovalRequest": _approval,
    "OperationalException": _operational_exception,
}
TEXT_KEYED: dict[str, Callable[[Info, str], Awaitable[Node | None]]] = {"Cart": _cart}


async def resolve_node(info: Info, global_id: str) -> Node | None:
    """The object, or null when the id is unknown, malformed or not the viewer's to see."""
    decoded = decode_id(global_id)
    if decoded is not None and decoded[0] in TEXT_KEYED:
        return await TEXT_KEYED[decoded[0]](info, decoded[1])
    pk = int_key(decoded[1]) if decoded is not None else None
    if decoded is None or pk is None:
        return None
    resolver = NODE_RESOLVERS.get(decoded[0])
    return await resolver(info, pk) if resolver else None


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global id; null when unknown or not yours to see.")
    async def node(self, info: Info,
                   id: Annotated[strawberry.ID, strawberry.argument(description="Global id of the object.")]
                   ) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(description="Several objects by global id, in the order asked (at most 100); null where "
                                  "unknown or not yours to see.")
    async def nodes(self, info: Info, ids: Annotated[list[strawberry.ID], strawberry.argument(
            description="Global ids, at most 100.")]) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise PublicError(f"Ask for at most {MAX_NODES} ids at once.", "INVALID")
        return list(await asyncio.gather(*(resolve_node(info, i) for i in ids)))
