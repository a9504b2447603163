"""The Roles table of DESIGN.md section 3, as a matrix: every Mutation field of the schema against
every role (CUSTOMER, SUPPORT, MERCHANDISER, FULFILLMENT, MANAGER, ADMIN) and anonymous callers.

For each (mutation, actor) the test builds the smallest state in which the call is valid, so that
the role (or ownership) check is the only thing that can refuse it, then calls the mutation over
GraphQL as that actor:
- allowed: no top-level error and no userErrors at all (the state really was valid);
- denied: no top-level error, a userError PERMISSION_DENIED, and nothing written (every table is
  compared before and after the call: audit_events, idempotency_keys, outbox_events, the subject...).

`MATRIX` below is the expectation, written from DESIGN.md alone; `test_matrix_covers_every_mutation`
fails when the schema grows a mutation without an entry here.

Interpretation choices (DESIGN.md Roles rows in quotes):
- "owner": in the matrix the CUSTOMER actor owns every customer-owned subject (its cart, its order).
  Staff are never the owner of a customer's cart or order; they act through their role only.
- "own carts (guest carts: whoever holds the unguessable id), checkout | the cart's owner": the matrix
  runs the cart mutations and checkoutComplete on a cart the CUSTOMER actor created (so it is theirs):
  only that customer may change it; staff and anonymous callers are refused even though they hold
  the id (only guest carts go to whoever holds the id).
  `test_callers_may_use_their_own_carts_and_guest_carts` adds the other readings: a cart the caller
  created itself is that caller's, so every actor may use it (for anonymous and staff callers, who
  have no customer record, it is a guest cart); and a guest cart created by an anonymous shopper may
  be used by every actor that holds its id.
- cartCreate, customerRegister, tokenCreate: everyone (creating a cart makes the caller its owner).
- tokenRefresh, tokenRevoke: everyone who holds the refresh token (it is the credential; the caller's
  own bearer token, if any, plays no part).
- "cancel an order | its customer before fulfillment starts; SUPPORT, MANAGER, ADMIN": a CONFIRMED
  order of the CUSTOMER actor. `test_owner_cannot_cancel_after_fulfillment_starts` covers the rest.
- "fulfillments, receive returns | FULFILLMENT, ADMIN": a CONFIRMED order (fulfillmentCreate), a
  PENDING fulfillment moved to PICKED (fulfillmentUpdate), an APPROVED return (returnRequestReceive).
- "create return | its customer; SUPPORT, MANAGER, ADMIN": a DELIVERED order of the CUSTOMER actor.
- "approve/reject/refund return | SUPPORT, MANAGER, ADMIN": a REQUESTED return (approve, reject), a
  RECEIVED return below the refund approval limit (refund).
- "request approval | any staff role": ORDER_CANCEL_AFTER_SHIPMENT on an existing order.
- "decide approval | MANAGER, ADMIN, not the requester": a PENDING approval requested by another
  staff user; `test_nobody_decides_their_own_request` covers "not the requester".
- Another customer is not the owner either: `test_other_customer_is_refused` expects
  PERMISSION_DENIED for every owner-scoped mutation ("Denied: PERMISSION_DENIED").
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, GraphQLNonNull
from graphql import build_schema as build_sdl
from sqlalchemy import select

from app.db import Database
from app.domain.states import WebhookDeliveryStatus
from app.ids import decode_id, decode_int_id, encode_id
from app.main import check_exceptions
from app.policy.permissions import Role
from app.services import catalog
from models import Base, OperationalException, WebhookDelivery
from schema.schema import build_schema
from tests.support import factory
from tests.support.client import GraphQLClient
from tests.support.shop import (
    ADDRESS,
    APPROVAL_CREATE,
    FULFILLMENT_CREATE,
    FULFILLMENT_UPDATE,
    RETURN_CREATE,
    Shop,
    build_shop,
    return_decision,
)

# --- the expected table (DESIGN.md section 3 "Roles") ---------------------------------------------

CUSTOMER, SUPPORT, MERCHANDISER = Role.CUSTOMER.value, Role.SUPPORT.value, Role.MERCHANDISER.value
FULFILLMENT, MANAGER, ADMIN = Role.FULFILLMENT.value, Role.MANAGER.value, Role.ADMIN.value
ANONYMOUS = "ANONYMOUS"
ACTORS = (CUSTOMER, SUPPORT, MERCHANDISER, FULFILLMENT, MANAGER, ADMIN, ANONYMOUS)
EVERYONE = frozenset(ACTORS)
STAFF = frozenset({SUPPORT, MERCHANDISER, FULFILLMENT, MANAGER, ADMIN})
OWNER = CUSTOMER  # the CUSTOMER actor owns the subject (its cart, its order) in every matrix case


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    row: str  # the DESIGN.md Roles row
    subject: str  # the state the call runs against, and how ownership is read
    owner_scoped: bool = False  # the subject belongs to the CUSTOMER actor; other customers are refused


def rule(*allowed: str, row: str, subject: str, owner_scoped: bool = False) -> Rule:
    return Rule(frozenset(allowed), row, subject, owner_scoped)


STORE_ROW = "channels, warehouses, delivery methods: ADMIN"
CATALOG_ROW = "categories, products, campaigns: MERCHANDISER, ADMIN"
COLLECTIONS_ROW = "collections, variants, catalog import: MERCHANDISER, ADMIN"
CART_ROW = "own carts (guest carts: whoever holds the unguessable id), checkout: the cart's owner"
CART_SUBJECT = ("a cart the CUSTOMER actor created (theirs); staff and anonymous callers hold its id but "
                "are not its owner, and it is no guest cart")
CANCEL_ROW = "cancel an order: its customer before fulfillment starts; SUPPORT, MANAGER, ADMIN"
FULFILLMENT_ROW = "fulfillments, receive returns: FULFILLMENT, ADMIN"
RETURN_CREATE_ROW = "create return: its customer; SUPPORT, MANAGER, ADMIN"
RETURN_DECIDE_ROW = "approve/reject/refund return: SUPPORT, MANAGER, ADMIN"
# Not in the Roles table: webhook endpoints are store configuration, like "channels, warehouses,
# delivery methods: ADMIN" (DESIGN.md "Events, live updates and integrations"; the schema says ADMIN).
WEBHOOK_ROW = "integrations (not in the table; read as channels, warehouses, delivery methods): ADMIN"
EXCEPTIONS_ROW = ("exceptions (list, resolve), systemHealth: SUPPORT, FULFILLMENT, MANAGER, ADMIN (resolve: not "
                  "FULFILLMENT for settlement kinds)")

MATRIX: dict[str, Rule] = {
    "customerRegister": rule(*EVERYONE, row="sign-up (not in the table): everyone",
                             subject="a new e-mail address"),
    "tokenCreate": rule(*EVERYONE, row="sign-in (not in the table): everyone",
                        subject="the credentials of an existing customer"),
    "tokenRefresh": rule(*EVERYONE, row="sessions (not in the table): whoever holds the refresh token",
                         subject="the live refresh token of a customer's sign-in"),
    "tokenRevoke": rule(*EVERYONE, row="sessions (not in the table): whoever holds the refresh token",
                        subject="the live refresh token of a customer's sign-in"),
    "channelCreate": rule(ADMIN, row=STORE_ROW, subject="a new slug"),
    "warehouseCreate": rule(ADMIN, row=STORE_ROW, subject="a new code"),
    "deliveryMethodCreate": rule(ADMIN, row=STORE_ROW, subject="a new method on the web channel"),
    "categoryCreate": rule(MERCHANDISER, ADMIN, row=CATALOG_ROW, subject="a new root category"),
    "productCreate": rule(MERCHANDISER, ADMIN, row=CATALOG_ROW,
                          subject="a new product, one variant with stock in the warehouse"),
    "productUpdate": rule(MERCHANDISER, ADMIN, row=CATALOG_ROW, subject="rename an existing product"),
    "categoryUpdate": rule(MERCHANDISER, ADMIN, row=CATALOG_ROW, subject="rename an existing category"),
    "campaignUpdate": rule(MERCHANDISER, ADMIN, row=CATALOG_ROW, subject="a new value for a DRAFT campaign"),
    "productVariantCreate": rule(MERCHANDISER, ADMIN, row=CATALOG_ROW, subject="a new variant of an existing product"),
    "productVariantUpdate": rule(MERCHANDISER, ADMIN, row=CATALOG_ROW, subject="a new price for an existing variant"),
    "collectionCreate": rule(MERCHANDISER, ADMIN, row=COLLECTIONS_ROW,
                             subject="a new unpublished collection holding the tee"),
    "collectionUpdate": rule(MERCHANDISER, ADMIN, row=COLLECTIONS_ROW,
                             subject="an existing collection renamed and published"),
    "collectionProductsSet": rule(MERCHANDISER, ADMIN, row=COLLECTIONS_ROW,
                                  subject="an existing collection's products replaced by the boots and the tee"),
    "stockSet": rule(FULFILLMENT, MERCHANDISER, ADMIN, row="stock: FULFILLMENT, MERCHANDISER, ADMIN",
                     subject="units on hand of an existing variant in an existing warehouse"),
    "campaignCreate": rule(MERCHANDISER, ADMIN, row=CATALOG_ROW,
                           subject="a new code-less percentage campaign"),
    "campaignStatusUpdate": rule(MERCHANDISER, ADMIN, row=CATALOG_ROW,
                                 subject="a DRAFT campaign moved to ACTIVE"),
    "cartCreate": rule(*EVERYONE, row=CART_ROW + " (creating one makes the caller its owner)",
                       subject="a new cart on the web channel with one line"),
    "cartLinesAdd": rule(OWNER, row=CART_ROW, subject=CART_SUBJECT, owner_scoped=True),
    "cartLinesUpdate": rule(OWNER, row=CART_ROW, subject=CART_SUBJECT, owner_scoped=True),
    "cartLinesRemove": rule(OWNER, row=CART_ROW, subject=CART_SUBJECT, owner_scoped=True),
    "cartPromoCodeApply": rule(OWNER, row=CART_ROW, subject=CART_SUBJECT + "; an ACTIVE code campaign",
                               owner_scoped=True),
    "cartDeliveryUpdate": rule(OWNER, row=CART_ROW, subject=CART_SUBJECT, owner_scoped=True),
    "checkoutComplete": rule(OWNER, row=CART_ROW, subject=CART_SUBJECT + ", ready for checkout",
                             owner_scoped=True),
    "orderCancel": rule(OWNER, SUPPORT, MANAGER, ADMIN, row=CANCEL_ROW, owner_scoped=True,
                        subject="a CONFIRMED order of the CUSTOMER actor (no fulfillment yet)"),
    "fulfillmentCreate": rule(FULFILLMENT, ADMIN, row=FULFILLMENT_ROW,
                              subject="a CONFIRMED order with its stock allocated"),
    "fulfillmentUpdate": rule(FULFILLMENT, ADMIN, row=FULFILLMENT_ROW,
                              subject="a PENDING fulfillment moved to PICKED"),
    "returnRequestCreate": rule(OWNER, SUPPORT, MANAGER, ADMIN, row=RETURN_CREATE_ROW, owner_scoped=True,
                                subject="a DELIVERED order of the CUSTOMER actor, inside the return window"),
    "returnRequestApprove": rule(SUPPORT, MANAGER, ADMIN, row=RETURN_DECIDE_ROW,
                                 subject="a REQUESTED return"),
    "returnRequestReject": rule(SUPPORT, MANAGER, ADMIN, row=RETURN_DECIDE_ROW, subject="a REQUESTED return"),
    "returnRequestReceive": rule(FULFILLMENT, ADMIN, row=FULFILLMENT_ROW, subject="an APPROVED return"),
    "returnRequestRefund": rule(SUPPORT, MANAGER, ADMIN, row=RETURN_DECIDE_ROW,
                                subject="a RECEIVED return below the refund approval limit"),
    "approvalRequestCreate": rule(*STAFF, row="request approval: any staff role",
                                  subject="ORDER_CANCEL_AFTER_SHIPMENT for an existing order"),
    "approvalRequestDecide": rule(MANAGER, ADMIN, row="decide approval: MANAGER, ADMIN, not the requester",
                                  subject="a PENDING approval requested by another (SUPPORT) user, "
                                  "approved with evidence"),
    "webhookEndpointCreate": rule(ADMIN, row=WEBHOOK_ROW, subject="a new https endpoint for order.created"),
    "webhookEndpointDeactivate": rule(ADMIN, row=WEBHOOK_ROW, subject="an active endpoint"),
    "operationalExceptionResolve": rule(SUPPORT, FULFILLMENT, MANAGER, ADMIN, row=EXCEPTIONS_ROW,
                                        subject="an OPEN APPROVAL_AWAITING_DECISION exception: a pending approval "
                                                "past its SLA, found by the sweep with its clock moved on "
                                                "(tests/api/test_exceptions.py: FULFILLMENT and settlement kinds)"),
    "webhookDeliveryRetry": rule(ADMIN, row="webhook delivery retry: ADMIN",
                                 subject="a FAILED delivery to an active endpoint"),
}

# Mutations that act on an existing cart: also run on carts the caller created, and on guest carts.
CART_MUTATIONS = ("cartLinesAdd", "cartLinesUpdate", "cartLinesRemove", "cartPromoCodeApply",
                  "cartDeliveryUpdate", "checkoutComplete")

# --- the schema's mutations, and a document for each ----------------------------------------------

SDL = build_sdl(str(build_schema()))
assert SDL.mutation_type is not None
MUTATION_FIELDS = SDL.mutation_type.fields


def _input_type(name: str) -> GraphQLInputObjectType:
    arg = MUTATION_FIELDS[name].args["input"].type
    named = arg.of_type if isinstance(arg, GraphQLNonNull) else arg
    assert isinstance(named, GraphQLInputObjectType)
    return named


def document(name: str) -> str:
    return (f"mutation($input: {_input_type(name).name}!) {{ {name}(input: $input) "
            "{ userErrors { code message field } } }")


def new_key() -> str:
    return uuid.uuid4().hex


# --- "nothing written" -------------------------------------------------------------------------------

# Written by the outbox relay and webhook dispatcher after commit (background workers, off in ASGI
# tests), never by the request itself: ignored, so that turning them on cannot make this flaky.
IGNORED_COLUMNS = {"outbox_events": {"published_at"}}
SKIPPED_TABLES = {"webhook_deliveries", "webhook_attempts"}
Snapshot = dict[str, list[tuple[str, ...]]]


async def snapshot(db: Database) -> Snapshot:
    """Every row of every table (as text), to prove a refused call wrote nothing at all."""
    tables: Snapshot = {}
    async with db.read() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in SKIPPED_TABLES:
                continue
            columns = [c for c in table.columns if c.name not in IGNORED_COLUMNS.get(table.name, ())]
            rows = (await conn.execute(select(*columns))).all()
            tables[table.name] = sorted(tuple(repr(v) for v in row) for row in rows)
    return tables


def changed_tables(before: Snapshot, after: Snapshot) -> dict[str, str]:
    return {name: f"{len(before.get(name, []))} -> {len(after.get(name, []))} rows"
            for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)}


# --- state builders ----------------------------------------------------------------------------------

@dataclass
class World:
    """The shop, who is who, and helpers that build subjects through the API as their owners."""

    client: GraphQLClient
    shop: Shop
    cart_holder: str | None = None  # the token that creates carts for the cart mutations
    serial: int = 0

    def unique(self) -> int:
        """A fresh number for names, codes and e-mails: every actor gets its own, valid input."""
        self.serial += 1
        return self.serial

    @property
    def db(self) -> Database:
        return self.client.db

    async def token_of(self, actor: str) -> str | None:
        if actor == ANONYMOUS:
            return None
        return await self.shop.token(f"{actor.lower()}@example.com", Role(actor))

    async def owner(self) -> str:
        token = await self.token_of(OWNER)
        assert token is not None
        return token

    async def admin(self) -> str:
        """Setup steps run as a separate admin user (never the actor under test)."""
        return await self.shop.token("setup-admin@example.com", Role.ADMIN)

    async def ok(self, doc: str, field: str, input: dict[str, Any], token: str | None) -> dict[str, Any]:
        payload = (await self.client.data(doc, {"input": input}, token=token))[field]
        assert payload["userErrors"] == [], (field, payload["userErrors"])
        return payload  # type: ignore[no-any-return]

    def gid(self, type_name: str, pk: int) -> str:
        return encode_id(type_name, pk)

    def line(self, sku: str = "TEE-0", quantity: int = 1) -> dict[str, Any]:
        return {"variantId": self.shop.variant_gid(sku), "quantity": quantity}

    async def cart(self) -> dict[str, Any]:
        created = await self.shop.create_cart({"TEE-0": 1}, token=self.cart_holder)
        assert created["userErrors"] == [], created["userErrors"]
        return created["cart"]  # type: ignore[no-any-return]

    async def confirmed_order(self) -> dict[str, Any]:
        return await self.shop.order({"TEE-0": 1}, key=new_key(), token=await self.owner())

    async def fulfillment(self, order: dict[str, Any]) -> dict[str, Any]:
        payload = await self.ok(FULFILLMENT_CREATE, "fulfillmentCreate",
                                {"orderId": order["id"], "idempotencyKey": new_key()}, await self.admin())
        return payload["fulfillment"]  # type: ignore[no-any-return]

    async def move(self, fulfillment: dict[str, Any], status: str) -> None:
        await self.ok(FULFILLMENT_UPDATE, "fulfillmentUpdate", {
            "fulfillmentId": fulfillment["id"], "status": status, "carrier": "UPS", "trackingNumber": "1Z999",
            "idempotencyKey": new_key()}, await self.admin())

    async def delivered_order(self) -> dict[str, Any]:
        order = await self.confirmed_order()
        fulfillment = await self.fulfillment(order)
        for status in ("PICKED", "SHIPPED", "DELIVERED"):
            await self.move(fulfillment, status)
        return order

    def return_lines(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"orderLineId": order["lines"][0]["id"], "quantity": 1}]

    async def return_request(self, status: str) -> dict[str, Any]:
        """A return of one delivered tee (20.00, below the refund limit): REQUESTED, APPROVED or RECEIVED."""
        order = await self.delivered_order()
        request = (await self.ok(RETURN_CREATE, "returnRequestCreate", {
            "orderId": order["id"], "reason": "Too small", "lines": self.return_lines(order),
            "idempotencyKey": new_key()}, await self.owner()))["returnRequest"]
        steps = {"REQUESTED": [], "APPROVED": ["returnRequestApprove"],
                 "RECEIVED": ["returnRequestApprove", "returnRequestReceive"]}[status]
        for step in steps:
            await self.ok(return_decision(step), step, {"returnRequestId": request["id"],
                                                        "idempotencyKey": new_key()}, await self.admin())
        return request  # type: ignore[no-any-return]

    async def pending_approval(self) -> dict[str, Any]:
        order = await self.confirmed_order()
        requester = await self.shop.token("requester@example.com", Role.SUPPORT)
        return (await self.ok(APPROVAL_CREATE, "approvalRequestCreate", {  # type: ignore[no-any-return]
            "action": "ORDER_CANCEL_AFTER_SHIPMENT", "subjectId": order["id"], "reason": "Parcel lost",
            "idempotencyKey": new_key()}, requester))["approvalRequest"]


Builder = Callable[[World], Awaitable[dict[str, Any]]]


async def customer_register(w: World) -> dict[str, Any]:
    return {"email": f"new-shopper-{w.unique()}@example.com", "password": "correct-horse-battery",
            "name": "New Shopper"}


async def token_create(w: World) -> dict[str, Any]:
    email = f"known-{w.unique()}@example.com"
    await factory.make_user(w.db, email, Role.CUSTOMER)
    return {"email": email, "password": "correct-horse-battery"}


TOKEN_CREATE = ("mutation($input: TokenCreateInput!) { tokenCreate(input: $input) "
                "{ refreshToken userErrors { code message field } } }")


async def live_refresh_token(w: World) -> dict[str, Any]:
    """A refresh token is the credential itself: whoever holds it may refresh or revoke it."""
    signed_in = await w.ok(TOKEN_CREATE, "tokenCreate", await token_create(w), None)
    return {"refreshToken": signed_in["refreshToken"]}


async def channel_create(w: World) -> dict[str, Any]:
    return {"slug": f"outlet-{w.unique()}", "name": "Outlet"}


async def warehouse_create(w: World) -> dict[str, Any]:
    return {"code": f"EAST-{w.unique()}", "name": "East"}


async def delivery_method_create(w: World) -> dict[str, Any]:
    return {"name": "Pickup", "price": "3.50", "channels": ["web"]}


async def category_create(w: World) -> dict[str, Any]:
    return {"name": f"Hats {w.unique()}"}


async def product_create(w: World) -> dict[str, Any]:
    n = w.unique()
    stock = [{"warehouseId": w.gid("Warehouse", w.shop.warehouse), "quantity": 5}]
    return {"name": f"Cap {n}", "variants": [{"sku": f"CAP-{n}", "name": "One size", "price": "12.00",
                                              "stock": stock}]}


async def product_update(w: World) -> dict[str, Any]:
    return {"productId": w.gid("Product", w.shop.products["tee"]), "name": "Organic Tee"}


async def product_variant_create(w: World) -> dict[str, Any]:
    return {"productId": w.gid("Product", w.shop.products["tee"]), "sku": f"TEE-XL-{w.unique()}", "name": "XL",
            "price": "22.00", "options": [{"name": "Size", "value": "XL"}]}


async def product_variant_update(w: World) -> dict[str, Any]:
    return {"variantId": w.shop.variant_gid("TEE-0"), "price": f"{20 + w.unique()}.00"}


async def collection_create(w: World) -> dict[str, Any]:
    return {"name": f"Picks {w.unique()}", "productIds": [w.gid("Product", w.shop.products["tee"])]}


async def existing_collection(w: World) -> str:
    pk = await factory.make_collection(w.db, f"Existing {w.unique()}", published=False,
                                       product_ids=[w.shop.products["tee"]])
    return w.gid("Collection", pk)


async def collection_update(w: World) -> dict[str, Any]:
    return {"collectionId": await existing_collection(w), "name": "Renamed", "isPublished": True}


async def collection_products_set(w: World) -> dict[str, Any]:
    return {"collectionId": await existing_collection(w),
            "productIds": [w.gid("Product", w.shop.products[name]) for name in ("boots", "tee")]}


async def stock_set(w: World) -> dict[str, Any]:
    return {"variantId": w.shop.variant_gid("TEE-0"), "warehouseId": w.gid("Warehouse", w.shop.warehouse),
            "quantity": 90 + w.unique(), "reason": "Recount"}


async def campaign_create(w: World) -> dict[str, Any]:
    return {"name": f"Spring {w.unique()}", "discountType": "PERCENTAGE", "discountValue": "10"}


async def category_update(w: World) -> dict[str, Any]:
    category = await factory.make_category(w.db, f"Caps {w.unique()}")
    return {"categoryId": w.gid("Category", category), "name": f"Hats and caps {w.unique()}"}


async def campaign_update(w: World) -> dict[str, Any]:
    campaign = await factory.make_campaign(w.db, f"Draft sale {w.unique()}", status="DRAFT")
    return {"campaignId": w.gid("Campaign", campaign), "discountValue": "15"}


async def campaign_status_update(w: World) -> dict[str, Any]:
    campaign = await factory.make_campaign(w.db, f"Draft sale {w.unique()}", status="DRAFT")
    return {"campaignId": w.gid("Campaign", campaign), "status": "ACTIVE"}


async def cart_create(w: World) -> dict[str, Any]:
    return {"channel": "web", "lines": [w.line()]}


async def cart_lines_add(w: World) -> dict[str, Any]:
    cart = await w.cart()
    return {"cartId": cart["id"], "lines": [w.line("BOOTS-0")]}


async def cart_lines_update(w: World) -> dict[str, Any]:
    cart = await w.cart()
    return {"cartId": cart["id"], "lines": [{"lineId": cart["lines"][0]["id"], "quantity": 2}]}


async def cart_lines_remove(w: World) -> dict[str, Any]:
    cart = await w.cart()
    return {"cartId": cart["id"], "lineIds": [cart["lines"][0]["id"]]}


async def cart_promo_code_apply(w: World) -> dict[str, Any]:
    code = f"WELCOME{w.unique()}"
    await factory.make_campaign(w.db, code.title(), code=code, status="ACTIVE")
    cart = await w.cart()
    return {"cartId": cart["id"], "code": code}


async def cart_delivery_update(w: World) -> dict[str, Any]:
    cart = await w.cart()
    return {"cartId": cart["id"], "email": "ann@example.com", "shippingAddress": ADDRESS,
            "deliveryMethodId": w.gid("DeliveryMethod", w.shop.standard)}


async def checkout_complete(w: World) -> dict[str, Any]:
    cart_id = await w.shop.ready_cart({"TEE-0": 1}, token=w.cart_holder)
    return {"cartId": cart_id, "payment": {"gateway": "test", "token": "tok_visa"}}


async def order_cancel(w: World) -> dict[str, Any]:
    order = await w.confirmed_order()
    return {"orderId": order["id"], "reason": "Changed my mind"}


async def fulfillment_create(w: World) -> dict[str, Any]:
    order = await w.confirmed_order()
    return {"orderId": order["id"]}


async def fulfillment_update(w: World) -> dict[str, Any]:
    fulfillment = await w.fulfillment(await w.confirmed_order())
    return {"fulfillmentId": fulfillment["id"], "status": "PICKED"}


async def return_request_create(w: World) -> dict[str, Any]:
    order = await w.delivered_order()
    return {"orderId": order["id"], "reason": "Too small", "lines": w.return_lines(order)}


async def requested_return(w: World) -> dict[str, Any]:
    return {"returnRequestId": (await w.return_request("REQUESTED"))["id"], "note": "Checked"}


async def approved_return(w: World) -> dict[str, Any]:
    return {"returnRequestId": (await w.return_request("APPROVED"))["id"], "note": "Parcel in"}


async def received_return(w: World) -> dict[str, Any]:
    return {"returnRequestId": (await w.return_request("RECEIVED"))["id"], "note": "Refund it"}


async def approval_request_create(w: World) -> dict[str, Any]:
    order = await w.confirmed_order()
    return {"action": "ORDER_CANCEL_AFTER_SHIPMENT", "subjectId": order["id"], "reason": "Parcel lost"}


async def approval_request_decide(w: World) -> dict[str, Any]:
    approval = await w.pending_approval()
    return {"approvalId": approval["id"], "decision": "APPROVE", "evidence": "Carrier confirmed the loss"}


WEBHOOK_CREATE = ("mutation($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) "
                  "{ endpoint { id } userErrors { code message field } } }")


async def webhook_endpoint_create(w: World) -> dict[str, Any]:
    # A literal public address: a host name would be looked up, and tests make no DNS lookups.
    return {"url": f"https://93.184.216.34/hooks/{w.unique()}", "eventTypes": ["order.created"],
            "description": "CRM"}


async def webhook_endpoint_deactivate(w: World) -> dict[str, Any]:
    created = await w.ok(WEBHOOK_CREATE, "webhookEndpointCreate", await webhook_endpoint_create(w),
                         await w.admin())
    return {"endpointId": created["endpoint"]["id"]}


async def operational_exception_resolve(w: World) -> dict[str, Any]:
    approval = await w.pending_approval()
    settings = w.client.settings
    await check_exceptions(w.db, settings, datetime.now(UTC) + timedelta(hours=settings.approval_sla_hours + 1))
    decoded = decode_id(approval["id"])
    assert decoded is not None
    async with w.db.read() as conn:
        exception = await conn.scalar(select(OperationalException.id).where(
            OperationalException.subject_type == "ApprovalRequest", OperationalException.subject_id == int(decoded[1]),
            OperationalException.status == "OPEN"))
    assert exception is not None
    return {"exceptionId": w.gid("OperationalException", exception), "resolution": "The manager is on leave"}


async def failed_delivery(w: World) -> dict[str, Any]:
    created = await w.ok(WEBHOOK_CREATE, "webhookEndpointCreate", await webhook_endpoint_create(w), await w.admin())
    now = datetime.now(UTC)
    async with w.db.write_session() as session, session.begin():
        delivery = WebhookDelivery(endpoint_id=decode_int_id(created["endpoint"]["id"], "WebhookEndpoint"),
                                   event_id=str(uuid.uuid4()), topic="order.created", payload="{}",
                                   status=WebhookDeliveryStatus.FAILED, attempts=10, next_attempt_at=now,
                                   last_error="connect_error", created_at=now)
        session.add(delivery)
        await session.flush()
        return {"deliveryId": w.gid("WebhookDelivery", delivery.id)}


BUILDERS: dict[str, Builder] = {
    "customerRegister": customer_register,
    "tokenCreate": token_create,
    "tokenRefresh": live_refresh_token,
    "tokenRevoke": live_refresh_token,
    "channelCreate": channel_create,
    "warehouseCreate": warehouse_create,
    "deliveryMethodCreate": delivery_method_create,
    "categoryCreate": category_create,
    "productCreate": product_create,
    "productUpdate": product_update,
    "productVariantCreate": product_variant_create,
    "categoryUpdate": category_update,
    "campaignUpdate": campaign_update,
    "productVariantUpdate": product_variant_update,
    "collectionCreate": collection_create,
    "collectionUpdate": collection_update,
    "collectionProductsSet": collection_products_set,
    "stockSet": stock_set,
    "campaignCreate": campaign_create,
    "campaignStatusUpdate": campaign_status_update,
    "cartCreate": cart_create,
    "cartLinesAdd": cart_lines_add,
    "cartLinesUpdate": cart_lines_update,
    "cartLinesRemove": cart_lines_remove,
    "cartPromoCodeApply": cart_promo_code_apply,
    "cartDeliveryUpdate": cart_delivery_update,
    "checkoutComplete": checkout_complete,
    "orderCancel": order_cancel,
    "fulfillmentCreate": fulfillment_create,
    "fulfillmentUpdate": fulfillment_update,
    "returnRequestCreate": return_request_create,
    "returnRequestApprove": requested_return,
    "returnRequestReject": requested_return,
    "returnRequestReceive": approved_return,
    "returnRequestRefund": received_return,
    "approvalRequestCreate": approval_request_create,
    "approvalRequestDecide": approval_request_decide,
    "webhookEndpointCreate": webhook_endpoint_create,
    "webhookEndpointDeactivate": webhook_endpoint_deactivate,
    "operationalExceptionResolve": operational_exception_resolve,
    "webhookDeliveryRetry": failed_delivery,
}


# --- the check ---------------------------------------------------------------------------------------

async def world_for(client: GraphQLClient) -> World:
    """One shop per test; the tee gets enough units for one order per actor and then some."""
    shop = await build_shop(client)
    async with factory.uow(client.db) as work:
        await catalog.set_stock(uow=work, variant_id=shop.variants["TEE-0"], warehouse_id=shop.warehouse,
                                quantity=80, reason="role matrix")
    world = World(client, shop)
    world.cart_holder = await world.owner()
    return world


async def role_check(world: World, mutation: str, *, who: str, token: str | None, allowed: bool,
                     input: dict[str, Any]) -> str | None:
    """Call `mutation` as `who`. Allowed: no error of any kind. Denied: a PERMISSION_DENIED userError,
    no top-level error, and not one row written. Returns the mismatch, or None."""
    if "idempotencyKey" in _input_type(mutation).fields:
        input = {**input, "idempotencyKey": new_key()}
    before = None if allowed else await snapshot(world.db)
    body = await world.client.gql(document(mutation), {"input": input}, token=token)
    expected = "allowed" if allowed else "PERMISSION_DENIED"
    mismatch = f"{mutation} as {who}: expected {expected}, got"
    if body.get("errors"):
        return f"{mismatch} top-level errors {body['errors']}"
    errors = body["data"][mutation]["userErrors"]
    if allowed:
        return f"{mismatch} userErrors {errors}" if errors else None
    if "PERMISSION_DENIED" not in [e["code"] for e in errors]:
        return f"{mismatch} userErrors {errors}"
    after = await snapshot(world.db)
    if after != before:
        return f"{mutation} as {who}: refused, but it wrote {changed_tables(before or {}, after)}"
    return None


async def assert_role_check(world: World, mutation: str, *, who: str, token: str | None, allowed: bool,
                            input: dict[str, Any]) -> None:
    mismatch = await role_check(world, mutation, who=who, token=token, allowed=allowed, input=input)
    assert mismatch is None, mismatch


def report(mismatches: list[str]) -> str:
    return "Roles table mismatches:\n" + "\n".join(mismatches)


# --- the tests ---------------------------------------------------------------------------------------

def test_matrix_covers_every_mutation() -> None:
    """A new mutation fails here until it gets a row in MATRIX (and a builder)."""
    assert set(MATRIX) == set(MUTATION_FIELDS), {
        "in the schema, not in MATRIX": sorted(set(MUTATION_FIELDS) - set(MATRIX)),
        "in MATRIX, not in the schema": sorted(set(MATRIX) - set(MUTATION_FIELDS))}
    assert set(BUILDERS) == set(MATRIX)
    for name, entry in MATRIX.items():
        assert entry.allowed <= EVERYONE, name
        assert entry.row and entry.subject, name
    assert set(CART_MUTATIONS) <= {name for name, entry in MATRIX.items() if entry.owner_scoped}


@pytest.mark.parametrize("mutation", list(MATRIX))
async def test_each_mutation_allows_exactly_the_roles_of_the_table(client: GraphQLClient,
                                                                   mutation: str) -> None:
    """Every actor, each on its own fresh subject in one shop; all seven pairs are checked and every
    mismatch is reported."""
    world = await world_for(client)
    mismatches = []
    for actor in ACTORS:
        input = await BUILDERS[mutation](world)
        mismatch = await role_check(world, mutation, who=actor, token=await world.token_of(actor),
                                    allowed=actor in MATRIX[mutation].allowed, input=input)
        if mismatch:
            mismatches.append(mismatch)
    assert not mismatches, report(mismatches)


@pytest.mark.parametrize("creator", ["itself", "a guest"])
@pytest.mark.parametrize("mutation", CART_MUTATIONS)
async def test_callers_may_use_their_own_carts_and_guest_carts(client: GraphQLClient, mutation: str,
                                                               creator: str) -> None:
    """A cart the caller created is the caller's (a customer's own cart, or a guest cart: anonymous
    and staff callers have no customer record), and a guest cart is whoever holds its id."""
    world = await world_for(client)
    mismatches = []
    for actor in ACTORS:
        token = await world.token_of(actor)
        world.cart_holder = token if creator == "itself" else None
        input = await BUILDERS[mutation](world)
        mismatch = await role_check(world, mutation, who=f"{actor} (on a cart created by {creator})",
                                    token=token, allowed=True, input=input)
        if mismatch:
            mismatches.append(mismatch)
    assert not mismatches, report(mismatches)


OWNER_SCOPED = [name for name, entry in MATRIX.items() if entry.owner_scoped]


@pytest.mark.parametrize("mutation", OWNER_SCOPED)
async def test_other_customer_is_refused(client: GraphQLClient, mutation: str) -> None:
    """Another customer is not the owner: "Denied: PERMISSION_DENIED"."""
    world = await world_for(client)
    input = await BUILDERS[mutation](world)
    other = await world.shop.token("other-customer@example.com", Role.CUSTOMER)
    await assert_role_check(world, mutation, who="another CUSTOMER", token=other, allowed=False, input=input)


@pytest.mark.parametrize(("actor", "allowed"), [(CUSTOMER, False), (SUPPORT, True), (MANAGER, True),
                                                (ADMIN, True)])
async def test_owner_cannot_cancel_after_fulfillment_starts(client: GraphQLClient, actor: str,
                                                            allowed: bool) -> None:
    """"cancel an order: its customer before fulfillment starts; SUPPORT, MANAGER, ADMIN"."""
    world = await world_for(client)
    order = await world.confirmed_order()
    await world.fulfillment(order)  # PROCESSING: fulfillment has started, nothing shipped
    await assert_role_check(world, "orderCancel", who=f"{actor} (fulfillment started)",
                            token=await world.token_of(actor), allowed=allowed,
                            input={"orderId": order["id"], "reason": "Changed my mind"})


@pytest.mark.parametrize("actor", [MANAGER, ADMIN])
async def test_nobody_decides_their_own_request(client: GraphQLClient, actor: str) -> None:
    """"decide approval: MANAGER, ADMIN, not the requester"."""
    world = await world_for(client)
    order = await world.confirmed_order()
    token = await world.token_of(actor)
    approval = (await world.ok(APPROVAL_CREATE, "approvalRequestCreate", {
        "action": "ORDER_CANCEL_AFTER_SHIPMENT", "subjectId": order["id"], "reason": "Parcel lost",
        "idempotencyKey": new_key()}, token))["approvalRequest"]
    await assert_role_check(world, "approvalRequestDecide", who=f"{actor} (its requester)", token=token,
                            allowed=False, input={"approvalId": approval["id"], "decision": "APPROVE",
                                                  "evidence": "I say so"})
