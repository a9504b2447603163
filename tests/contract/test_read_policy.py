"""The read policy of DESIGN.md "Roles", walked over the whole schema: every Query root field, every
type implementing Node (through node(id:) and nodes), every object field whose type is another
aggregate (a Node type, alone, in a list or in a connection) and every Subscription field, for
every role (CUSTOMER, SUPPORT, MERCHANDISER, FULFILLMENT, MANAGER, ADMIN), an anonymous caller and
another customer.

The tables below (ROOT_FIELDS, NODE_TYPES, NESTED_FIELDS, SUBSCRIPTIONS) are the expectation,
written from DESIGN.md alone (never from app/policy/reads.py); `test_tables_cover_the_whole_schema`
fails when the schema grows a root field, node type, nested aggregate field or subscription that is
not listed, so nothing new is readable before someone says by whom.

One store is seeded per test: customer CUSTOMER (ann@example.com) owns an order that was delivered,
fulfilled from warehouse MAIN, returned late with an approval (reason and evidence), and discounted
by a SCHEDULED campaign's code; she also has an open cart with that code. Campaigns: DRAFT and
SCHEDULED ones with codes, an ACTIVE one announced before its start (code not yet live), a live one.
Two collections hold the shirt: a published one and an unpublished one (staff only, as unlisted
products are). A webhook endpoint has deliveries; writes left an audit trail. The return waited
past its SLA (the sweep ran with its clock moved on), so an operational exception is open about it.

How an outcome is read: "seen" means the protected object (or data) came back. A reader must see
it without any error. Anyone else must not see it, and may get only PERMISSION_DENIED or
UNAUTHENTICATED errors (null, a filtered list or a placeholder are fine). Nested fields are called
in isolation: their resolver runs on a parent object as each actor, as if the actor had reached the
parent some other way (a subscription, a mutation payload), so each must ask the policy itself.

Interpretation choices (also in app/policy/reads.py): approvals are read by the staff who may read
orders plus the deciders (their reasons and evidence concern orders), never by a MERCHANDISER or a
customer; unreleased campaigns and codes not yet live by MERCHANDISER, MANAGER, ADMIN (catalog and
report staff); a customer record by the customer and SUPPORT, MANAGER, ADMIN ("customers list");
Fulfillment.warehouse is non-null in the contract, so non-staff get a placeholder naming nothing.
"""

import asyncio
import inspect
import json
import uuid
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType
from graphql import build_schema as build_sdl
from sqlalchemy import select, update
from strawberry.utils.str_converters import to_camel_case

from app.auth import Viewer
from app.context import Context
from app.domain.campaigns import DiscountType
from app.domain.states import CampaignStatus
from app.ids import decode_id, encode_id
from app.loaders.accounts import customer_by_id
from app.main import check_exceptions
from app.policy.permissions import GRANTS, Permission, Role
from app.reports.sales import Kpis
from app.services import campaigns as campaign_service
from models import AuditEvent as AuditRow
from models import Channel as ChannelRow
from models import EcommerceOrder as OrderRow
from models import OperationalException as ExceptionRow
from models import ProductVariant as VariantRow
from models import ReturnRequest as ReturnRow
from models import WebhookDelivery as DeliveryRow
from schema.account import Customer
from schema.campaign import Campaign
from schema.cart import Cart
from schema.catalog import Category, Collection, Product, ProductVariant
from schema.errors import PublicError
from schema.fulfillment import Fulfillment
from schema.order import EcommerceOrder, OrderLine
from schema.reports import KpiRow
from schema.returns import ReturnRequest
from schema.schema import build_schema
from tests.support import factory
from tests.support.asgi_ws import AsgiSubscriber, subscribe_asgi
from tests.support.client import GraphQLClient
from tests.support.shop import (
    APPROVAL_CREATE,
    APPROVAL_DECIDE,
    FULFILLMENT_CREATE,
    FULFILLMENT_UPDATE,
    RETURN_CREATE,
    Shop,
    build_shop,
)

# --- who -------------------------------------------------------------------------------------------

ANONYMOUS, CUSTOMER, OTHER_CUSTOMER = "ANONYMOUS", "CUSTOMER", "OTHER_CUSTOMER"
SUPPORT, MERCHANDISER, FULFILLMENT = Role.SUPPORT.value, Role.MERCHANDISER.value, Role.FULFILLMENT.value
MANAGER, ADMIN = Role.MANAGER.value, Role.ADMIN.value
ACTORS = (ANONYMOUS, CUSTOMER, OTHER_CUSTOMER, SUPPORT, MERCHANDISER, FULFILLMENT, MANAGER, ADMIN)


def actors(*names: str) -> frozenset[str]:
    return frozenset(names)


EVERYONE = frozenset(ACTORS)
SIGNED_IN = EVERYONE - {ANONYMOUS}
NOBODY: frozenset[str] = frozenset()
OWNER = actors(CUSTOMER)  # CUSTOMER owns every customer-owned object of the store
STAFF = actors(SUPPORT, MERCHANDISER, FULFILLMENT, MANAGER, ADMIN)
ORDER_STAFF = actors(SUPPORT, FULFILLMENT, MANAGER, ADMIN)  # "read an order", "list orders, returns"
ORDER_READERS = OWNER | ORDER_STAFF
CUSTOMER_READERS = OWNER | actors(SUPPORT, MANAGER, ADMIN)  # "customers list"
APPROVAL_READERS = ORDER_STAFF  # order readers plus deciders (MANAGER, ADMIN)
DECIDERS = actors(MANAGER, ADMIN)  # approvalRequests: "Managers only"
AUDITORS = actors(SUPPORT, MANAGER, ADMIN)
ADMINS = actors(ADMIN)  # auditVerify, webhooks
REPORTERS = actors(MERCHANDISER, MANAGER, ADMIN)  # salesReport
OPERATIONS = ORDER_STAFF  # "exceptions (list, resolve), systemHealth | SUPPORT, FULFILLMENT, MANAGER, ADMIN"
CAMPAIGN_STAFF = actors(MERCHANDISER, MANAGER, ADMIN)  # unreleased campaigns, codes not yet live

# --- the store -------------------------------------------------------------------------------------

ANN = "ann@example.com"
ADDRESS_LINE = "1 Main St"  # tests/support/shop.py ADDRESS: on every order of the store
REASON, EVIDENCE = "APPROVAL-REASON-SECRET", "EVIDENCE-SECRET"
DRAFT_CODE, SCHEDULED_CODE, SOON_CODE, LIVE_CODE = "DRAFTSECRET1", "SCHEDSECRET2", "SOONSECRET3", "LIVE10"
WAREHOUSE_NAME = "Warehouse MAIN"
ORDER_SECRETS = (ANN, ADDRESS_LINE, REASON, EVIDENCE)
UNRELEASED_SECRETS = ("Draft sale", "Scheduled sale", DRAFT_CODE, SCHEDULED_CODE, SOON_CODE)


def new_key() -> str:
    return uuid.uuid4().hex


def _decode(global_id: str) -> str:
    decoded = decode_id(global_id)
    assert decoded is not None
    return decoded[1]


@dataclass
class Store:
    client: GraphQLClient
    shop: Shop
    viewers: dict[str, Viewer | None] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # what -> global id
    pks: dict[str, int] = field(default_factory=dict)
    cart_key: str = ""

    def email_of(self, actor: str) -> str | None:
        viewer = self.viewers[actor]
        return viewer.email if viewer else None

    async def ok(self, document: str, name: str, input: dict[str, Any], actor: str = ADMIN) -> dict[str, Any]:
        payload = (await self.client.data(document, {"input": input}, token=self.tokens[actor]))[name]
        assert payload["userErrors"] == [], (name, payload["userErrors"])
        return payload  # type: ignore[no-any-return]

    async def confirmed_order(self, lines: dict[str, int]) -> dict[str, Any]:
        cart_id = await self.shop.ready_cart(lines, token=self.tokens[CUSTOMER], promoCode=SCHEDULED_CODE)
        result = await self.shop.checkout(cart_id, key=new_key(), token=self.tokens[CUSTOMER])
        assert result["userErrors"] == [], result["userErrors"]
        return result["order"]  # type: ignore[no-any-return]

    async def publish_events(self) -> None:
        relay = self.client.app.state.runtime["relay"]
        while await relay.publish_pending():
            pass


async def make_campaign(store: Store, name: str, code: str, status: CampaignStatus, *,
                        starts_at: datetime | None = None, channels: list[str] | None = None) -> int:
    async with factory.uow(store.client.db) as work:
        pk = (await campaign_service.create_campaign(
            uow=work, name=name, code=code, discount_type=DiscountType.PERCENTAGE, discount_value=Decimal(10),
            starts_at=starts_at, ends_at=None, min_subtotal=None, usage_limit=None, channels=channels,
            product_ids=None)).id
    if status != CampaignStatus.DRAFT:
        async with factory.uow(store.client.db) as work:
            await campaign_service.update_campaign_status(uow=work, campaign_id=pk, status=status)
    return pk


WEBHOOK_CREATE = ("mutation($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) "
                  "{ endpoint { id } userErrors { code message field } } }")


async def seed(client: GraphQLClient) -> Store:
    shop = await build_shop(client)
    store = Store(client, shop)
    db = client.db
    for actor in ACTORS:
        if actor == ANONYMOUS:
            store.viewers[actor], store.tokens[actor] = None, None
            continue
        email = {CUSTOMER: ANN, OTHER_CUSTOMER: "bob@example.com"}.get(actor, f"{actor.lower()}@example.com")
        viewer = await factory.make_user(db, email, Role.CUSTOMER if actor in (CUSTOMER, OTHER_CUSTOMER)
                                         else Role(actor))
        store.viewers[actor], store.tokens[actor] = viewer, client.token_for(viewer)
    customer_pk = store.viewers[CUSTOMER].customer_id  # type: ignore[union-attr]

    apparel = await factory.make_category(db, "Apparel")
    tees = await factory.make_category(db, "Tees", parent_id=apparel)
    shirt = await factory.make_product(db, "Shirt", category_id=tees, stock={shop.warehouse: 5})
    async with db.read() as conn:
        shirt_variant = await conn.scalar(select(VariantRow.id).where(VariantRow.product_id == shirt))
    collections = {"collection": await factory.make_collection(db, "Shirts", product_ids=[shirt]),
                   "collection_hidden": await factory.make_collection(db, "Hidden picks", published=False,
                                                                      product_ids=[shirt])}
    now = datetime.now(UTC)
    campaigns = {
        "draft": await make_campaign(store, "Draft sale", DRAFT_CODE, CampaignStatus.DRAFT, channels=["web"]),
        "scheduled": await make_campaign(store, "Scheduled sale", SCHEDULED_CODE, CampaignStatus.SCHEDULED),
        "soon": await make_campaign(store, "Soon sale", SOON_CODE, CampaignStatus.ACTIVE,
                                    starts_at=now + timedelta(days=30)),
        "live": await make_campaign(store, "Live sale", LIVE_CODE, CampaignStatus.ACTIVE),
    }

    # Ann's order: discounted by the SCHEDULED campaign's code, delivered, returned late with an approval.
    order = await store.confirmed_order({"TEE-0": 2})
    fulfillment = (await store.ok(FULFILLMENT_CREATE, "fulfillmentCreate",
                                  {"orderId": order["id"], "idempotencyKey": new_key()}))["fulfillment"]
    for status in ("PICKED", "SHIPPED", "DELIVERED"):
        await store.ok(FULFILLMENT_UPDATE, "fulfillmentUpdate", {
            "fulfillmentId": fulfillment["id"], "status": status, "carrier": "UPS", "trackingNumber": "1Z999",
            "idempotencyKey": new_key()})
    order_pk = int(_decode(order["id"]))
    async with db.write_engine.begin() as conn:  # delivered 40 days ago: outside the return window
        await conn.execute(update(OrderRow).where(OrderRow.id == order_pk)
                           .values(delivered_at=now - timedelta(days=40)))
    approval = (await store.ok(APPROVAL_CREATE, "approvalRequestCreate", {
        "action": "RETURN_OUTSIDE_WINDOW", "subjectId": order["id"], "reason": REASON,
        "idempotencyKey": new_key()}, SUPPORT))["approvalRequest"]
    await store.ok(APPROVAL_DECIDE, "approvalRequestDecide", {
        "approvalId": approval["id"], "decision": "APPROVE", "evidence": EVIDENCE, "idempotencyKey": new_key()},
        MANAGER)
    returned = (await store.ok(RETURN_CREATE, "returnRequestCreate", {
        "orderId": order["id"], "reason": "Too small", "approvalId": approval["id"], "idempotencyKey": new_key(),
        "lines": [{"orderLineId": order["lines"][0]["id"], "quantity": 1}]}, CUSTOMER))["returnRequest"]
    async with db.read() as conn:  # the approval is on file for this return (Ann may not read it)
        assert await conn.scalar(select(ReturnRow.approval_id).where(ReturnRow.id == int(_decode(returned["id"]))))

    cart_id = await shop.ready_cart({"TEE-0": 1}, token=store.tokens[CUSTOMER], promoCode=SCHEDULED_CODE)
    guest_cart = (await shop.create_cart({"TEE-0": 1}))["cart"]["id"]
    endpoint = (await store.ok(WEBHOOK_CREATE, "webhookEndpointCreate", {
        "url": "https://93.184.216.34/hooks/1", "eventTypes": [], "description": "CRM"}))["endpoint"]
    await store.publish_events()  # queues webhook deliveries for everything so far
    # The return has waited past its SLA: the sweep, its clock moved on, opens an exception about it.
    await check_exceptions(db, client.settings, now + timedelta(hours=client.settings.return_sla_hours + 1))
    await store.publish_events()

    async with db.read() as conn:
        audit_sequence = await conn.scalar(select(AuditRow.sequence).limit(1))
        delivery = await conn.scalar(select(DeliveryRow.id).limit(1))
        web = await conn.scalar(select(ChannelRow.id).where(ChannelRow.slug == "web"))
        exception = await conn.scalar(select(ExceptionRow.id).where(ExceptionRow.kind == "RETURN_AWAITING_ACTION"))
    assert audit_sequence is not None and delivery is not None and exception is not None

    store.cart_key = cart_id
    store.pks.update(customer=customer_pk, order=order_pk, shirt=shirt, shirt_variant=shirt_variant, tees=tees,
                     apparel=apparel, **{f"campaign_{k}": v for k, v in campaigns.items()}, **collections)
    store.ids.update({
        "order": order["id"], "fulfillment": fulfillment["id"], "return": returned["id"], "approval": approval["id"],
        "customer": encode_id("Customer", customer_pk), "cart": cart_id, "guest_cart": guest_cart,
        "warehouse": encode_id("Warehouse", shop.warehouse), "channel": encode_id("Channel", web),
        "delivery_method": encode_id("DeliveryMethod", shop.standard), "product": encode_id("Product", shirt),
        "variant": encode_id("ProductVariant", shirt_variant),
        "variant_tee": encode_id("ProductVariant", shop.variants["TEE-0"]), "tees": encode_id("Category", tees),
        "apparel": encode_id("Category", apparel), "endpoint": endpoint["id"],
        "audit_event": encode_id("AuditEvent", audit_sequence), "delivery": encode_id("WebhookDelivery", delivery),
        "exception": encode_id("OperationalException", exception),
        **{f"campaign_{k}": encode_id("Campaign", v) for k, v in campaigns.items()},
        **{k: encode_id("Collection", v) for k, v in collections.items()},
    })
    return store


# --- expected: root fields -------------------------------------------------------------------------

Seen = Callable[[Store, str, dict[str, Any]], bool]  # (store, actor, data) -> the protected thing came back


@dataclass(frozen=True)
class Case:
    document: str
    readers: frozenset[str]
    seen: Seen
    variables: Callable[[Store], dict[str, Any]] = lambda store: {}
    what: str = ""


def at(data: dict[str, Any] | None, *path: str) -> Any:
    for step in path:
        if not isinstance(data, dict):
            return None
        data = data.get(step)
    return data


def edge_ids(connection: Any) -> list[str]:
    return [e["node"]["id"] for e in (connection or {}).get("edges", [])]


def has_id(key: str, *path: str) -> Seen:
    return lambda store, actor, data: at(data, *path, "id") == store.ids[key]


def lists_id(key: str, *path: str) -> Seen:
    """The object `key` is among the items (a list, or a connection's edges) at `path`."""
    def seen(store: Store, actor: str, data: dict[str, Any]) -> bool:
        items = at(data, *path)
        found = edge_ids(items) if isinstance(items, dict) else [i["id"] for i in items or []]
        return store.ids[key] in found
    return seen


def lists_any(*keys: str, path: tuple[str, ...]) -> Seen:
    return lambda store, actor, data: any(lists_id(k, *path)(store, actor, data) for k in keys)


def ids(*keys: str) -> Callable[[Store], dict[str, Any]]:
    return lambda store: {k: store.ids[k] for k in keys}


UNRELEASED = ("campaign_draft", "campaign_scheduled")
CAMPAIGN_LIST = "query($status: CampaignStatus) { campaigns(first: 50, status: $status) { edges { node { id } } } }"
COLLECTION_LIST = "{ collections(first: 50) { edges { node { id } } } }"

ROOT_FIELDS: dict[str, tuple[Case, ...] | str] = {
    "node": "walked per node type: NODE_TYPES",
    "nodes": "walked per node type: NODE_TYPES",
    "channels": (Case("{ channels { id } }", EVERYONE, lists_id("channel", "channels")),),
    "warehouses": (Case("{ warehouses { id } }", STAFF, lists_id("warehouse", "warehouses")),),
    "products": (Case("{ products(first: 50) { edges { node { id } } } }", EVERYONE,
                      lists_id("product", "products")),
                 Case("query($c: ID!) { products(first: 50, filter: {campaignId: $c}) { edges { node { id } } } }",
                      CAMPAIGN_STAFF, lists_id("product", "products"), lambda s: {"c": s.ids["campaign_draft"]},
                      "the products of an unreleased campaign")),
    "product": (Case("query($product: ID!) { product(id: $product) { id } }", EVERYONE, has_id("product", "product"),
                     ids("product")),),
    "categories": (Case("{ categories(first: 50) { edges { node { id } } } }", EVERYONE,
                        lists_id("tees", "categories")),),
    "category": (Case("query($tees: ID!) { category(id: $tees) { id } }", EVERYONE, has_id("tees", "category"),
                      ids("tees")),),
    "collections": (Case(COLLECTION_LIST, EVERYONE, lists_id("collection", "collections")),
                    Case(COLLECTION_LIST, STAFF, lists_id("collection_hidden", "collections"),
                         what="an unpublished collection")),
    "collection": (Case("query($collection: ID!) { collection(id: $collection) { id } }", EVERYONE,
                        has_id("collection", "collection"), ids("collection")),
                   Case("query($collection_hidden: ID!) { collection(id: $collection_hidden) { id } }", STAFF,
                        has_id("collection_hidden", "collection"), ids("collection_hidden")),
                   Case('{ collection(slug: "hidden-picks") { id } }', STAFF,
                        has_id("collection_hidden", "collection"), what="an unpublished collection by slug")),
    "campaigns": (Case(CAMPAIGN_LIST, CAMPAIGN_STAFF, lists_any(*UNRELEASED, path=("campaigns",))),
                  Case(CAMPAIGN_LIST, CAMPAIGN_STAFF, lists_id("campaign_draft", "campaigns"),
                       lambda s: {"status": "DRAFT"}),
                  Case(CAMPAIGN_LIST, CAMPAIGN_STAFF, lists_id("campaign_scheduled", "campaigns"),
                       lambda s: {"status": "SCHEDULED"}),
                  Case(CAMPAIGN_LIST, EVERYONE, lists_id("campaign_live", "campaigns"), what="a live campaign"),
                  Case("{ campaigns(first: 50) { edges { node { code } } } }", CAMPAIGN_STAFF,
                       lambda s, a, d: SOON_CODE in json.dumps(d), what="a code not yet live")),
    "campaign": (Case("query($campaign_draft: ID!) { campaign(id: $campaign_draft) { id } }", CAMPAIGN_STAFF,
                      has_id("campaign_draft", "campaign"), ids("campaign_draft")),
                 Case("query($campaign_scheduled: ID!) { campaign(id: $campaign_scheduled) { id } }", CAMPAIGN_STAFF,
                      has_id("campaign_scheduled", "campaign"), ids("campaign_scheduled")),
                 Case("query($campaign_live: ID!) { campaign(id: $campaign_live) { id code } }", EVERYONE,
                      lambda s, a, d: at(d, "campaign", "code") == LIVE_CODE, ids("campaign_live")),
                 Case("query($campaign_soon: ID!) { campaign(id: $campaign_soon) { id code } }", CAMPAIGN_STAFF,
                      lambda s, a, d: at(d, "campaign", "code") == SOON_CODE, ids("campaign_soon"),
                      "the code of a campaign not started yet")),
    "me": (Case("{ me { email } }", SIGNED_IN, lambda s, a, d: d.get("me") is not None and at(d, "me", "email") == s.email_of(a),
                what="one's own account"),),
    "cart": (Case("query($cart: ID!) { cart(id: $cart) { id } }", OWNER, has_id("cart", "cart"), ids("cart")),
             Case("query($guest_cart: ID!) { cart(id: $guest_cart) { id } }", EVERYONE,
                  has_id("guest_cart", "cart"), ids("guest_cart"), "a guest cart, by whoever holds its id")),
    "order": (Case("query($order: ID!) { order(id: $order) { id email } }", ORDER_READERS, has_id("order", "order"),
                   ids("order")),),
    "orders": (Case("{ orders(first: 50) { edges { node { id } } } }", ORDER_STAFF, lists_id("order", "orders")),),
    "returnRequests": (Case("{ returnRequests(first: 50) { edges { node { id } } } }", ORDER_STAFF,
                            lists_id("return", "returnRequests")),),
    "approvalRequests": (Case("{ approvalRequests { id reason } }", DECIDERS,
                              lists_id("approval", "approvalRequests")),),
    "auditEvents": (Case("{ auditEvents(first: 5) { edges { node { id } } } }", AUDITORS,
                         lambda s, a, d: bool(edge_ids(at(d, "auditEvents")))),),
    "auditVerify": (Case("{ auditVerify { ok } }", ADMINS, lambda s, a, d: at(d, "auditVerify", "ok") is True),),
    "salesReport": (Case('{ salesReport(from: "2020-01-01T00:00:00Z", to: "2039-01-01T00:00:00Z") '
                         "{ total { orders } } }", REPORTERS,
                         lambda s, a, d: (at(d, "salesReport", "total", "orders") or 0) > 0),),
    "webhookEndpoints": (Case("{ webhookEndpoints { id } }", ADMINS, lists_id("endpoint", "webhookEndpoints")),),
    "webhookDeliveries": (Case("{ webhookDeliveries(first: 5) { edges { node { id } } } }", ADMINS,
                               lambda s, a, d: bool(edge_ids(at(d, "webhookDeliveries")))),),
    "operationalExceptions": (Case("{ operationalExceptions(first: 50) { edges { node { id summary } } } }",
                                   OPERATIONS, lists_id("exception", "operationalExceptions")),),
    "systemHealth": (Case("{ systemHealth { openExceptions outboxPending } }", OPERATIONS,
                          lambda s, a, d: (at(d, "systemHealth", "openExceptions") or 0) > 0),),
}

# --- expected: node types ----------------------------------------------------------------------------

NODE_TYPES: dict[str, tuple[tuple[str, frozenset[str]], ...]] = {
    # type: (the seeded object, who may read it through node)
    "Product": (("product", EVERYONE),),
    "ProductVariant": (("variant", EVERYONE),),
    "Category": (("tees", EVERYONE),),
    "Collection": (("collection", EVERYONE), ("collection_hidden", STAFF)),
    "Channel": (("channel", EVERYONE),),
    "DeliveryMethod": (("delivery_method", EVERYONE),),
    "Campaign": (("campaign_draft", CAMPAIGN_STAFF), ("campaign_scheduled", CAMPAIGN_STAFF),
                 ("campaign_soon", EVERYONE), ("campaign_live", EVERYONE)),
    "Warehouse": (("warehouse", STAFF),),
    "Customer": (("customer", CUSTOMER_READERS),),
    "Cart": (("cart", OWNER), ("guest_cart", EVERYONE)),
    "EcommerceOrder": (("order", ORDER_READERS),),
    "Fulfillment": (("fulfillment", ORDER_READERS),),
    "ReturnRequest": (("return", ORDER_READERS),),
    "ApprovalRequest": (("approval", APPROVAL_READERS),),
    "OperationalException": (("exception", OPERATIONS),),
    # Not served by node(id:), so null for everyone: read through their staff-only root lists.
    "AuditEvent": (("audit_event", NOBODY),),
    "WebhookEndpoint": (("endpoint", NOBODY),),
    "WebhookDelivery": (("delivery", NOBODY),),
}

# --- expected: nested aggregate fields -----------------------------------------------------------------


@dataclass(frozen=True)
class Nested:
    parent: str  # a key of `parents()`
    target: str  # the seeded object the field leads to (a key of Store.ids)
    readers: frozenset[str]


NESTED_FIELDS: dict[str, Nested | str] = {
    "Fulfillment.order": Nested("fulfillment", "order", ORDER_READERS),
    "Fulfillment.warehouse": Nested("fulfillment", "warehouse", STAFF),
    "ReturnRequest.order": Nested("return", "order", ORDER_READERS),
    "ReturnRequest.approval": Nested("return", "approval", APPROVAL_READERS),
    "EcommerceOrder.fulfillments": Nested("order", "fulfillment", ORDER_READERS),
    "EcommerceOrder.returnRequests": Nested("order", "return", ORDER_READERS),
    "EcommerceOrder.campaign": Nested("order", "campaign_scheduled", CAMPAIGN_STAFF),
    "EcommerceOrder.channel": Nested("order", "channel", EVERYONE),
    "OrderLine.variant": Nested("order_line", "variant_tee", EVERYONE),
    "Customer.orders": Nested("customer", "order", ORDER_READERS),
    "Cart.campaign": Nested("cart", "campaign_scheduled", CAMPAIGN_STAFF),
    "Cart.channel": Nested("cart", "channel", EVERYONE),
    "Cart.deliveryMethod": Nested("cart", "delivery_method", EVERYONE),
    "Cart.availableDeliveryMethods": Nested("cart", "delivery_method", EVERYONE),
    "CartLine.variant": Nested("cart_line", "variant_tee", EVERYONE),
    "Product.campaigns": Nested("product", "campaign_scheduled", CAMPAIGN_STAFF),
    "Product.category": Nested("product", "tees", EVERYONE),
    "Product.variants": Nested("product", "variant", EVERYONE),
    "ProductVariant.product": Nested("variant", "product", EVERYONE),
    "Product.collections": Nested("product", "collection_hidden", STAFF),
    "Collection.products": Nested("collection", "product", EVERYONE),
    "Category.parent": Nested("tees", "apparel", EVERYONE),
    "Category.children": Nested("apparel", "tees", EVERYONE),
    "Category.products": Nested("tees", "product", EVERYONE),
    "Campaign.channels": Nested("campaign_draft", "channel", EVERYONE),
    "Campaign.products": Nested("campaign_draft", "product", EVERYONE),
    "KpiRow.channel": Nested("kpi_row", "channel", EVERYONE),
    "KpiRow.campaign": Nested("kpi_row", "campaign_scheduled", CAMPAIGN_STAFF),
    "ProductChannelListing.channel": ("a value Product.channelListings builds from the channel rows (channels are "
                                      "for everyone); which listings show is that field's choice"),
    "Viewer.customer": "built by the root field me for the viewer's own record: ROOT_FIELDS['me']",
    "StockLevel.warehouse": ("reached only through ProductVariant.stockLevels, which refuses all but staff "
                             "(Readable.STOCK) before a warehouse is read (tests/api/test_catalog_depth.py)"),
    "OrderUpdate.order": "a subscription payload, read per event: SUBSCRIPTIONS",
    "FulfillmentUpdate.fulfillment": "a subscription payload, read per event: SUBSCRIPTIONS",
}
# Mutation payloads (CartPayload.cart, ...) are results of writes (tests/contract/test_role_matrix.py),
# their nested fields are the ones above; XEdge.node is the plumbing of the connection field listed above.
NOT_READS = ("Payload", "Edge")

# --- expected: subscriptions -----------------------------------------------------------------------

ORDER_UPDATED = "subscription($id: ID) { orderUpdated(orderId: $id) { toStatus order { id email } } }"
FULFILLMENT_UPDATED = ("subscription($id: ID) { fulfillmentUpdated(orderId: $id) "
                       "{ toStatus fulfillment { id order { id email } } } }")
EXCEPTION_CHANGED = "subscription { operationalExceptionChanged { id status summary } }"
SUBSCRIPTIONS: dict[str, tuple[tuple[str, bool, frozenset[str]], ...]] = {
    # field: (document, with orderId (of CUSTOMER's order), who may follow)
    "orderUpdated": ((ORDER_UPDATED, True, ORDER_READERS), (ORDER_UPDATED, False, ORDER_STAFF)),
    "fulfillmentUpdated": ((FULFILLMENT_UPDATED, True, ORDER_READERS), (FULFILLMENT_UPDATED, False, ORDER_STAFF)),
    # Fed by the seeded exception's resolution (the order subscriptions by a fulfillment).
    "operationalExceptionChanged": ((EXCEPTION_CHANGED, False, OPERATIONS),),
}

# --- the schema ----------------------------------------------------------------------------------------

STRAWBERRY = build_schema()
SDL = build_sdl(str(STRAWBERRY))


def _named(graphql_type: Any) -> Any:
    while isinstance(graphql_type, GraphQLList | GraphQLNonNull):
        graphql_type = graphql_type.of_type
    return graphql_type


def _aggregate_of(graphql_type: Any) -> str | None:
    """The Node type a field leads to: directly, in a list, or as the node of a connection."""
    named = _named(graphql_type)
    if isinstance(named, GraphQLObjectType) and named.name.endswith("Connection") and "edges" in named.fields:
        named = _named(_named(named.fields["edges"].type).fields["node"].type)
    return named.name if named.name in NODE_NAMES else None


NODE_NAMES = {t.name for t in SDL.get_possible_types(SDL.get_type("Node"))}  # type: ignore[arg-type]
ROOTS = {SDL.query_type, SDL.mutation_type, SDL.subscription_type}
SCHEMA_NESTED = sorted(
    f"{name}.{field_name}" for name, graphql_type in SDL.type_map.items()
    if isinstance(graphql_type, GraphQLObjectType) and graphql_type not in ROOTS and not name.startswith("__")
    and not name.endswith(NOT_READS)
    for field_name, graphql_field in graphql_type.fields.items() if _aggregate_of(graphql_field.type))


def test_tables_cover_the_whole_schema() -> None:
    """A new root field, node type, nested aggregate field or subscription fails here until it gets
    an entry (who may read it) in the tables above."""
    assert SDL.query_type is not None and SDL.subscription_type is not None
    problems = {
        "root fields": sorted(set(SDL.query_type.fields) ^ set(ROOT_FIELDS)),
        "node types": sorted(NODE_NAMES ^ set(NODE_TYPES)),
        "nested aggregate fields": sorted(set(SCHEMA_NESTED) ^ set(NESTED_FIELDS)),
        "subscriptions": sorted(set(SDL.subscription_type.fields) ^ set(SUBSCRIPTIONS)),
    }
    assert not any(problems.values()), problems  # names in one of schema and table, not the other


# --- running the walk ----------------------------------------------------------------------------------

DENIALS = {"PERMISSION_DENIED", "UNAUTHENTICATED"}


def verdict(who: str, what: str, *, allowed: bool, seen: bool, errors: list[dict[str, Any]]) -> str | None:
    """A mismatch, described, or None."""
    codes = [(e.get("extensions") or {}).get("code") for e in errors]
    if allowed and (not seen or errors):
        return f"{who} should read {what}: seen={seen}, errors={errors}"
    if not allowed and seen:
        return f"LEAK: {who} read {what}"
    if not allowed and any(code not in DENIALS for code in codes):
        return f"{who} on {what}: a denial must be PERMISSION_DENIED/UNAUTHENTICATED, got {errors}"
    return None


def report(mismatches: list[str]) -> str:
    return f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)


async def test_root_fields_answer_each_actor_as_the_table_says(client: GraphQLClient) -> None:
    store = await seed(client)
    mismatches = []
    for name, cases in ROOT_FIELDS.items():
        if isinstance(cases, str):
            continue
        for case in cases:
            for actor in ACTORS:
                body = await client.gql(case.document, case.variables(store), token=store.tokens[actor])
                seen = case.seen(store, actor, body.get("data") or {})
                mismatch = verdict(actor, f"{name} ({case.what or case.document})", allowed=actor in case.readers,
                                   seen=seen, errors=body.get("errors") or [])
                if mismatch:
                    mismatches.append(mismatch)
    assert not mismatches, report(mismatches)


NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


async def test_node_and_nodes_answer_each_actor_as_the_table_says(client: GraphQLClient) -> None:
    store = await seed(client)
    cases = [(type_name, key, readers) for type_name, entries in NODE_TYPES.items() for key, readers in entries]
    mismatches = []
    for actor in ACTORS:
        token = store.tokens[actor]
        many = await client.gql(NODES, {"ids": [store.ids[key] for _, key, _ in cases]}, token=token)
        for position, (type_name, key, readers) in enumerate(cases):
            one = await client.gql(NODE, {"id": store.ids[key]}, token=token)
            for how, body, got in (("node", one, at(one.get("data"), "node")),
                                   ("nodes", many, ((many.get("data") or {}).get("nodes") or [None] * len(cases))[position])):
                mismatch = verdict(actor, f"{how}({type_name} {key})", allowed=actor in readers,
                                   seen=(got or {}).get("id") == store.ids[key], errors=body.get("errors") or [])
                if mismatch:
                    mismatches.append(mismatch)
    assert not mismatches, report(mismatches)


async def parents(store: Store) -> dict[str, Any]:
    """The parent objects of the nested fields, built as the schema builds them (loaders, from_row)."""
    ctx = context_for(store, ADMIN)
    currency = ctx.settings.currency
    order_row = await ctx.orders.order.load(store.pks["order"])
    fulfillment_pk = int(_decode(store.ids["fulfillment"]))
    return_pk = int(_decode(store.ids["return"]))
    cart = Cart.from_view(await ctx.orders.cart_view.load(_decode(store.ids["cart"])), currency)
    order_line = OrderLine.from_row((await ctx.orders.order_lines.load(store.pks["order"]))[0], currency)
    return {
        "fulfillment": Fulfillment.from_row(await ctx.orders.fulfillment.load(fulfillment_pk)),
        "return": ReturnRequest.from_row(await ctx.orders.return_request.load(return_pk), currency),
        "order": EcommerceOrder.from_row(order_row, currency),
        "order_line": order_line,
        "customer": Customer.from_row(await customer_by_id(store.client.db, store.pks["customer"])),
        "cart": cart,
        "cart_line": cart.lines[0],
        "product": Product.from_row(await ctx.catalog.product.load(store.pks["shirt"]), currency),
        "variant": ProductVariant.from_row(await ctx.catalog.variant.load(store.pks["shirt_variant"]), currency),
        "tees": Category.from_row(await ctx.catalog.category.load(store.pks["tees"])),
        "apparel": Category.from_row(await ctx.catalog.category.load(store.pks["apparel"])),
        "campaign_draft": Campaign.from_row(await ctx.catalog.campaign.load(store.pks["campaign_draft"]), currency),
        "collection": Collection.from_row(await ctx.catalog.collection.load(store.pks["collection"])),
        "kpi_row": KpiRow.of(Kpis(channel_id=order_row.channel_id, campaign_id=store.pks["campaign_scheduled"],
                                  orders=1), currency),
    }


def context_for(store: Store, actor: str) -> Context:
    return Context(db=store.client.db, settings=store.client.settings, viewer=store.viewers[actor],
                   request_id="read-policy")


def resolver_of(type_name: str, field_name: str) -> Callable[..., Any]:
    definition = STRAWBERRY.get_type_by_name(type_name)
    for strawberry_field in definition.fields:  # type: ignore[union-attr]
        if (strawberry_field.graphql_name or to_camel_case(strawberry_field.python_name)) == field_name:
            resolver = strawberry_field.base_resolver
            assert resolver is not None, f"{type_name}.{field_name} has no resolver to ask the policy"
            return resolver.wrapped_func  # type: ignore[no-any-return]
    raise AssertionError(f"no field {type_name}.{field_name}")


def ids_in(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, list):
        return set().union(*(ids_in(v) for v in value))
    if hasattr(value, "edges"):
        return {edge.node.id for edge in value.edges}
    return {value.id}


async def resolve_nested(store: Store, actor: str, parent: Any, type_name: str, field_name: str
                         ) -> tuple[set[str], list[dict[str, Any]]]:
    """What the field's resolver hands this actor on this parent: the ids it exposes, and errors."""
    info = SimpleNamespace(context=context_for(store, actor))
    try:
        value = resolver_of(type_name, field_name)(parent, info)
        if inspect.isawaitable(value):
            value = await value
    except PublicError as refusal:
        return set(), [{"message": str(refusal), "extensions": refusal.extensions}]
    return ids_in(value), []


async def test_nested_aggregate_fields_ask_the_policy_for_each_actor(client: GraphQLClient) -> None:
    store = await seed(client)
    objects = await parents(store)
    mismatches = []
    for path, entry in NESTED_FIELDS.items():
        if isinstance(entry, str):
            continue
        type_name, field_name = path.split(".")
        for actor in ACTORS:
            found, errors = await resolve_nested(store, actor, objects[entry.parent], type_name, field_name)
            mismatch = verdict(actor, f"{path} ({entry.target})", allowed=actor in entry.readers,
                               seen=store.ids[entry.target] in found, errors=errors)
            if mismatch:
                mismatches.append(mismatch)
    assert not mismatches, report(mismatches)


# --- subscriptions over the ASGI app ----------------------------------------------------------------


async def wait_for_subscribers(store: Store, count: int) -> None:
    broker = store.client.app.state.runtime["broker"]

    async def poll() -> None:
        while broker.subscriber_count() < count:
            await asyncio.sleep(0.01)  # polling the broker's own count, not guessing a delay

    try:
        await asyncio.wait_for(poll(), 10)
    except TimeoutError:
        raise AssertionError(f"{broker.subscriber_count()} of {count} subscriptions started") from None


async def refusal(subscriber: AsgiSubscriber) -> dict[str, Any] | None:
    """The refusal a subscription gets when it starts; None when it was accepted instead (nothing
    comes before an event, and no event is made while waiting)."""
    try:
        return await subscriber.next(timeout=5)
    except TimeoutError:
        return None


def errors_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    if message["type"] == "error":
        return message["payload"]  # type: ignore[no-any-return]
    return (message.get("payload") or {}).get("errors") or []


async def fulfill(store: Store, order: dict[str, Any]) -> None:
    """A fulfillment for the order: one fulfillment event and one order event (CONFIRMED -> PROCESSING)."""
    await store.ok(FULFILLMENT_CREATE, "fulfillmentCreate", {"orderId": order["id"], "idempotencyKey": new_key()})
    await store.publish_events()


EXCEPTION_RESOLVE = ("mutation($input: OperationalExceptionResolveInput!) { operationalExceptionResolve(input: $input) "
                     "{ exception { id } userErrors { code message field } } }")


async def resolve_exception(store: Store) -> None:
    """The seeded exception resolved by an admin: one exception event."""
    await store.ok(EXCEPTION_RESOLVE, "operationalExceptionResolve",
                   {"exceptionId": store.ids["exception"], "resolution": "Customer called back"})
    await store.publish_events()


async def test_subscriptions_admit_and_feed_each_actor_as_the_table_says(client: GraphQLClient) -> None:
    store = await seed(client)
    order = await store.confirmed_order({"TEE-0": 1})
    await store.publish_events()  # nobody listens yet: these are gone
    mismatches: list[str] = []
    async with AsyncExitStack() as stack:
        followers: list[tuple[str, str, AsgiSubscriber]] = []
        for name, cases in SUBSCRIPTIONS.items():
            for document, with_order, readers in cases:
                for actor in ACTORS:
                    what = f"{name}({'orderId' if with_order else 'every order'})"
                    subscriber = await stack.enter_async_context(subscribe_asgi(
                        client.app, document, {"id": order["id"]} if with_order else {}, token=store.tokens[actor]))
                    if actor in readers:
                        followers.append((actor, what, subscriber))
                        continue
                    refused = await refusal(subscriber)
                    if refused is None:
                        mismatches.append(f"LEAK: {actor} may follow {what}")
                        continue
                    mismatch = verdict(actor, what, allowed=False, seen=bool(at(refused.get("payload"), "data")),
                                       errors=errors_of(refused))
                    if mismatch or not errors_of(refused):
                        mismatches.append(mismatch or f"{actor} on {what}: no refusal but {refused}")
        await wait_for_subscribers(store, len(followers))
        await fulfill(store, order)
        await resolve_exception(store)
        for actor, what, subscriber in followers:
            message = await subscriber.next()
            update = next(iter((at(message.get("payload"), "data") or {}).values()), None) or {}
            got = at(update, "order", "id") or at(update, "fulfillment", "order", "id") or update.get("id")
            expected = store.ids["exception"] if what.startswith("operationalExceptionChanged") else order["id"]
            mismatch = verdict(actor, what, allowed=True, seen=got == expected, errors=errors_of(message))
            if mismatch:
                mismatches.append(mismatch)
    assert not mismatches, report(mismatches)


async def test_every_pushed_event_asks_the_policy_again(client: GraphQLClient,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A viewer who may no longer read orders (here the policy changes under a live subscription, as a
    demotion would) gets PERMISSION_DENIED instead of the next event, and the subscription ends."""
    store = await seed(client)
    order = await store.confirmed_order({"TEE-0": 1})
    await store.publish_events()
    async with AsyncExitStack() as stack:
        subscribers = [await stack.enter_async_context(subscribe_asgi(
            client.app, document, variables, token=store.tokens[FULFILLMENT]))
            for document, variables in ((FULFILLMENT_UPDATED, {}), (ORDER_UPDATED, {}),
                                        (FULFILLMENT_UPDATED, {"id": order["id"]}),
                                        (ORDER_UPDATED, {"id": order["id"]}))]
        await wait_for_subscribers(store, len(subscribers))
        monkeypatch.setitem(GRANTS, Permission.READ_ANY_ORDER, frozenset({Role.ADMIN}))
        await fulfill(store, order)
        for subscriber in subscribers:
            refused = await subscriber.next()
            assert [e["extensions"]["code"] for e in errors_of(refused)] == ["PERMISSION_DENIED"], refused
            assert not at(refused.get("payload"), "data"), refused
            assert ANN not in json.dumps(refused)
            assert (await subscriber.next())["type"] == "complete"


async def test_an_exception_follower_who_may_no_longer_read_them_gets_permission_denied(
        client: GraphQLClient, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await seed(client)
    async with subscribe_asgi(client.app, EXCEPTION_CHANGED, {}, token=store.tokens[FULFILLMENT]) as subscriber:
        await wait_for_subscribers(store, 1)
        monkeypatch.setitem(GRANTS, Permission.READ_OPERATIONS, frozenset({Role.ADMIN}))
        await resolve_exception(store)
        refused = await subscriber.next()
        assert [e["extensions"]["code"] for e in errors_of(refused)] == ["PERMISSION_DENIED"], refused
        assert not at(refused.get("payload"), "data"), refused
        assert (await subscriber.next())["type"] == "complete"


@pytest.mark.parametrize("change", ["deactivated", "demoted"])
async def test_an_open_subscription_sees_its_users_deactivation_or_demotion_at_the_next_event(
        client: GraphQLClient, change: str) -> None:
    """The viewer of a WebSocket is read anew from its token before every event: a deactivated user
    gets UNAUTHENTICATED, a user demoted to MERCHANDISER PERMISSION_DENIED, and no order data."""
    from app.services import accounts

    store = await seed(client)
    order = await store.confirmed_order({"TEE-0": 1})
    await store.publish_events()
    client.app.state.runtime["graphql"].viewers.ttl = 0  # no per-process cache: the change shows at once
    async with AsyncExitStack() as stack:
        subscribers = [await stack.enter_async_context(subscribe_asgi(
            client.app, document, variables, token=store.tokens[FULFILLMENT]))
            for document, variables in ((FULFILLMENT_UPDATED, {}), (ORDER_UPDATED, {"id": order["id"]}))]
        await wait_for_subscribers(store, len(subscribers))
        async with factory.uow(client.db) as work:
            if change == "deactivated":
                await accounts.set_active(uow=work, email="fulfillment@example.com", active=False)
            else:
                await accounts.set_roles(uow=work, email="fulfillment@example.com", roles=[Role.MERCHANDISER])
        await fulfill(store, order)
        expected = "UNAUTHENTICATED" if change == "deactivated" else "PERMISSION_DENIED"
        for subscriber in subscribers:
            refused = await subscriber.next()
            assert [e["extensions"]["code"] for e in errors_of(refused)] == [expected], refused
            assert ANN not in json.dumps(refused)


# --- the reproduced leaks, by name ---------------------------------------------------------------------

MERCHANDISER_PATHS = [
    ("query($order: ID!) { order(id: $order) { email shippingAddress { line1 } } }", ("order",)),
    ("{ orders(first: 50) { edges { node { email } } } }", ()),
    ("{ returnRequests(first: 50) { edges { node { order { email } } } } }", ()),
    ("{ approvalRequests { reason evidence } }", ()),
    ("query($order: ID!) { node(id: $order) { ... on EcommerceOrder { email } } }", ("order",)),
    ("query($fulfillment: ID!) { node(id: $fulfillment) { ... on Fulfillment { order { email } } } }",
     ("fulfillment",)),
    ("query($return: ID!) { node(id: $return) { ... on ReturnRequest { order { email } approval { reason } } } }",
     ("return",)),
    (("query($customer: ID!) { node(id: $customer) { ... on Customer { email orders(first: 5) "
      "{ edges { node { email } } } } } }"), ("customer",)),
    ("query($approval: ID!) { node(id: $approval) { ... on ApprovalRequest { reason evidence } } }", ("approval",)),
    (("query($ids: [ID!]!) { nodes(ids: $ids) { ... on EcommerceOrder { email } ... on ApprovalRequest { reason } "
      "... on Fulfillment { order { email } } } }"), ()),
    ("{ auditEvents(first: 100) { edges { node { data } } } }", ()),
]


async def test_a_merchandiser_gets_no_order_data_from_any_path(client: GraphQLClient) -> None:
    store = await seed(client)
    token = store.tokens[MERCHANDISER]
    bodies = []
    for document, keys in MERCHANDISER_PATHS:
        variables = {k: store.ids[k] for k in keys}
        if "$ids" in document:
            variables = {"ids": [store.ids[k] for k in ("order", "approval", "fulfillment", "return", "customer")]}
        bodies.append(json.dumps(await client.gql(document, variables, token=token)))
    objects = await parents(store)
    for path, parent in (("Fulfillment.order", "fulfillment"), ("Customer.orders", "customer"),
                         ("ReturnRequest.order", "return"), ("ReturnRequest.approval", "return"),
                         ("EcommerceOrder.fulfillments", "order"), ("EcommerceOrder.returnRequests", "order")):
        found, _ = await resolve_nested(store, MERCHANDISER, objects[parent], *path.split("."))
        assert not found & {store.ids[k] for k in ("order", "approval", "fulfillment", "return")}, path
    order = await store.confirmed_order({"TEE-0": 1})
    await store.publish_events()
    async with AsyncExitStack() as stack:
        for document, variables in ((FULFILLMENT_UPDATED, {}), (FULFILLMENT_UPDATED, {"id": order["id"]}),
                                    (ORDER_UPDATED, {}), (ORDER_UPDATED, {"id": order["id"]})):
            subscriber = await stack.enter_async_context(subscribe_asgi(client.app, document, variables, token=token))
            refused = await refusal(subscriber)
            assert refused is not None, f"LEAK: a MERCHANDISER may follow {document} {variables}"
            assert [e["extensions"]["code"] for e in errors_of(refused)] == ["PERMISSION_DENIED"], refused
            bodies.append(json.dumps(refused))
    leaks = [(secret, body) for body in bodies for secret in ORDER_SECRETS if secret in body]
    assert not leaks, leaks


CUSTOMER_VIEW = """
query($order: ID!, $cart: ID!, $warehouse: ID!, $approval: ID!, $return: ID!) {
  order(id: $order) { campaign { name code }
                      fulfillments { warehouse { id name code } }
                      returnRequests { approval { reason evidence } } }
  cart(id: $cart) { campaign { name code } }
  warehouse: node(id: $warehouse) { id }
  approval: node(id: $approval) { id }
  returned: node(id: $return) { ... on ReturnRequest { approval { reason evidence } } }
  campaigns(first: 50) { edges { node { name code } } }
  products(first: 50) { edges { node { campaigns { name code } } } }
}
"""


@pytest.mark.parametrize("actor", [CUSTOMER, OTHER_CUSTOMER])
async def test_customers_never_see_warehouses_approvals_or_unreleased_campaigns(client: GraphQLClient,
                                                                                actor: str) -> None:
    store = await seed(client)
    variables = {k: store.ids[k] for k in ("order", "cart", "warehouse", "approval", "return")}
    body = await client.gql(CUSTOMER_VIEW, variables, token=store.tokens[actor])
    text = json.dumps(body)
    assert not [s for s in (WAREHOUSE_NAME, '"MAIN"', REASON, EVIDENCE, *UNRELEASED_SECRETS) if s in text], text
    assert body["data"]["warehouse"] is None and body["data"]["approval"] is None
    assert [n["node"]["name"] for n in body["data"]["campaigns"]["edges"]] == ["Live sale", "Soon sale"]
    warehouses = await client.gql("{ warehouses { id } }", token=store.tokens[actor])
    assert warehouses["data"] is None and warehouses["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    if actor == CUSTOMER:  # her own order and cart: there, with what she may see
        order = body["data"]["order"]
        assert order["campaign"] is None and body["data"]["cart"]["campaign"] is None
        assert order["fulfillments"] == [{"warehouse": {"id": encode_id("Warehouse", "hidden"), "name": "",
                                                        "code": ""}}]
        assert order["returnRequests"] == [{"approval": None}]
    else:
        assert body["data"]["order"] is None and body["data"]["cart"] is None


ANONYMOUS_VIEW = """
query($d: ID!, $s: ID!, $soon: ID!, $product: ID!) {
  all: campaigns(first: 50) { totalCount edges { node { name code } } }
  drafts: campaigns(first: 50, status: DRAFT) { totalCount edges { node { name code } } }
  scheduled: campaigns(first: 50, status: SCHEDULED) { totalCount edges { node { name code } } }
  draft: campaign(id: $d) { name code }
  sched: campaign(id: $s) { name code }
  soon: campaign(id: $soon) { name code }
  nodes(ids: [$d, $s]) { id }
  product(id: $product) { campaigns { name code } }
  products(first: 50) { edges { node { campaigns { name code } } } }
  scoped: products(first: 50, filter: {campaignId: $d}) { totalCount }
}
"""


async def test_anonymous_callers_never_see_unreleased_campaigns_or_codes_not_yet_live(
        client: GraphQLClient) -> None:
    store = await seed(client)
    variables = {"d": store.ids["campaign_draft"], "s": store.ids["campaign_scheduled"],
                 "soon": store.ids["campaign_soon"], "product": store.ids["product"]}
    body = await client.gql(ANONYMOUS_VIEW, variables)
    assert "errors" not in body, body["errors"]
    data = body["data"]
    assert not [s for s in UNRELEASED_SECRETS if s in json.dumps(body)], body
    assert data["all"]["totalCount"] == 2
    assert [n["node"] for n in data["all"]["edges"]] == [{"name": "Live sale", "code": LIVE_CODE},
                                                       {"name": "Soon sale", "code": None}]
    assert data["drafts"] == data["scheduled"] == {"totalCount": 0, "edges": []}
    assert (data["draft"], data["sched"], data["soon"]) == (None, None, {"name": "Soon sale", "code": None})
    assert data["nodes"] == [None, None]
    assert data["product"]["campaigns"] == [{"name": "Live sale", "code": LIVE_CODE}]
    assert data["scoped"] == {"totalCount": 0}
    staff = await client.data(ANONYMOUS_VIEW, variables, token=store.tokens[MERCHANDISER])
    assert staff["all"]["totalCount"] == 4 and staff["draft"]["code"] == DRAFT_CODE
    assert staff["soon"]["code"] == SOON_CODE and staff["scoped"]["totalCount"] > 0


async def test_reproduced_leaks_are_closed_by_the_same_policy(client: GraphQLClient) -> None:
    """Issue #9 part 3, one line each: fulfillmentUpdated without orderId for a MERCHANDISER, approvals
    through node for MERCHANDISER and FULFILLMENT (FULFILLMENT reads orders, so it may read their
    approvals; a MERCHANDISER may not), Fulfillment.warehouse for customers, campaigns for anonymous
    callers."""
    store = await seed(client)
    async with subscribe_asgi(client.app, FULFILLMENT_UPDATED, {}, token=store.tokens[MERCHANDISER]) as sub:
        refused = await refusal(sub)
    assert refused is not None, "LEAK: a MERCHANDISER may follow every order's fulfillments"
    assert [e["extensions"]["code"] for e in errors_of(refused)] == ["PERMISSION_DENIED"]
    approval = "query($id: ID!) { node(id: $id) { ... on ApprovalRequest { reason evidence } } }"
    merchandiser = await client.data(approval, {"id": store.ids["approval"]}, token=store.tokens[MERCHANDISER])
    assert merchandiser["node"] is None
    fulfillment = await client.data(approval, {"id": store.ids["approval"]}, token=store.tokens[FULFILLMENT])
    assert fulfillment["node"] == {"reason": REASON, "evidence": EVIDENCE}
    objects = await parents(store)
    found, _ = await resolve_nested(store, CUSTOMER, objects["fulfillment"], "Fulfillment", "warehouse")
    assert found == {encode_id("Warehouse", "hidden")}
    codes = json.dumps(await client.data("{ campaigns(first: 50) { edges { node { name code } } } }"))
    assert DRAFT_CODE not in codes and SCHEDULED_CODE not in codes

