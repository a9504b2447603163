"""An order's life after checkout over GraphQL: fulfillment (partial and full), the derived order
status, shipment (stock out of on hand, payment captured), cancellation, returns and refunds,
and completion once the return window has closed (DESIGN.md section 3)."""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from itertools import product
from typing import Any

import pytest
from sqlalchemy import select, update

from app.ids import decode_id, encode_id
from app.policy.permissions import Role
from app.services import store
from app.services.orders import complete_orders
from models import AuditEvent, EcommerceOrder, ProductVariant, Stock
from tests.support import factory
from tests.support.client import GraphQLClient
from tests.support.shop import (
    ADDRESS,
    APPROVAL_CREATE,
    APPROVAL_DECIDE,
    CART_DELIVERY,
    FULFILLMENT_CREATE,
    FULFILLMENT_UPDATE,
    ORDER_CANCEL,
    RETURN_CREATE,
    Shop,
    build_shop,
    return_decision,
)

ORDER_STATE = """
query($id: ID!) { order(id: $id) {
  status paymentStatus
  lines { sku quantity quantityFulfilled quantityReturned }
  fulfillments { id status }
} }
"""
APPROVE, REJECT = return_decision("returnRequestApprove"), return_decision("returnRequestReject")
RECEIVE, REFUND = return_decision("returnRequestReceive"), return_decision("returnRequestRefund")


# --- helpers (tests/api/test_approvals.py has its own copies of the few it needs) -------------


@dataclass
class Crew:
    """Tokens of a customer and of each staff member these tests need."""

    ann: str
    picker: str  # FULFILLMENT
    support: str
    manager: str
    admin: str


@pytest.fixture
async def shop(client: GraphQLClient) -> Shop:
    return await build_shop(client)


@pytest.fixture
async def crew(shop: Shop) -> Crew:
    return Crew(ann=await shop.token("ann@example.com", Role.CUSTOMER),
                picker=await shop.token("picker@example.com", Role.FULFILLMENT),
                support=await shop.token("support@example.com", Role.SUPPORT),
                manager=await shop.token("manager@example.com", Role.MANAGER),
                admin=await shop.token("admin@example.com", Role.ADMIN))


async def mutate(client: GraphQLClient, document: str, token: str | None, **fields: Any) -> dict[str, Any]:
    """The payload of a one-field mutation, under a fresh idempotency key."""
    body = await client.data(document, {"input": {"idempotencyKey": uuid.uuid4().hex, **fields}}, token=token)
    return next(iter(body.values()))  # type: ignore[no-any-return]


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


def errors(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


def line_id(order: dict[str, Any], sku: str) -> str:
    return next(line["id"] for line in order["lines"] if line["sku"] == sku)


def pk(global_id: str) -> int:
    decoded = decode_id(global_id)
    assert decoded is not None
    return int(decoded[1])


async def fulfill(client: GraphQLClient, token: str, order: dict[str, Any],
                  lines: dict[str, int] | None = None, warehouse: int | None = None) -> dict[str, Any]:
    """fulfillmentCreate: `lines` as {sku: units}, omitted for everything that is left."""
    fields: dict[str, Any] = {"orderId": order["id"]}
    if lines is not None:
        fields["lines"] = [{"orderLineId": line_id(order, sku), "quantity": q} for sku, q in lines.items()]
    if warehouse is not None:
        fields["warehouseId"] = encode_id("Warehouse", warehouse)
    return await mutate(client, FULFILLMENT_CREATE, token, **fields)


async def move(client: GraphQLClient, token: str, fulfillment_id: str, status: str, *,
               carrier: str | None = "DHL", tracking: str | None = "TRACK-1") -> dict[str, Any]:
    return await mutate(client, FULFILLMENT_UPDATE, token, fulfillmentId=fulfillment_id, status=status,
                        carrier=carrier, trackingNumber=tracking)


async def walk(client: GraphQLClient, token: str, fulfillment_id: str, *statuses: str) -> None:
    for status in statuses:
        moved = await move(client, token, fulfillment_id, status)
        assert moved["userErrors"] == [], (status, moved["userErrors"])


async def shipment(client: GraphQLClient, crew: Crew, order: dict[str, Any], *statuses: str,
                   lines: dict[str, int] | None = None, warehouse: int | None = None) -> str:
    """A new fulfillment of the order walked through `statuses`; its id."""
    created = await fulfill(client, crew.picker, order, lines, warehouse)
    assert created["userErrors"] == [], created["userErrors"]
    fulfillment_id: str = created["fulfillment"]["id"]
    await walk(client, crew.picker, fulfillment_id, *statuses)
    return fulfillment_id


async def delivered_order(shop: Shop, crew: Crew, cart: dict[str, int]) -> dict[str, Any]:
    """Ann's order, shipped in one fulfillment and delivered."""
    order = await shop.order(cart, key=uuid.uuid4().hex, token=crew.ann)
    await shipment(shop.client, crew, order, "PICKED", "SHIPPED", "DELIVERED")
    return order


async def state(client: GraphQLClient, crew: Crew, order: dict[str, Any]) -> dict[str, Any]:
    body = await client.data(ORDER_STATE, {"id": order["id"]}, token=crew.support)
    return body["order"]  # type: ignore[no-any-return]


def per_sku(order_state: dict[str, Any], field: str) -> dict[str, int]:
    return {line["sku"]: line[field] for line in order_state["lines"]}


async def stock(client: GraphQLClient, shop: Shop, sku: str, warehouse: int | None = None) -> tuple[int, int]:
    """(on hand, allocated) of a variant in a warehouse (the shop's own by default)."""
    async with client.db.read() as conn:
        row = (await conn.execute(select(Stock.on_hand, Stock.allocated).where(
            Stock.variant_id == shop.variants[sku],
            Stock.warehouse_id == (warehouse or shop.warehouse)))).one()
    return int(row.on_hand), int(row.allocated)


async def trail(client: GraphQLClient, global_id: str) -> list[tuple[str, str | None, str | None]]:
    """(action, from, to) of every audit event about one subject, in order."""
    decoded = decode_id(global_id)
    assert decoded is not None
    async with client.db.read() as conn:
        rows = (await conn.execute(
            select(AuditEvent.action, AuditEvent.from_status, AuditEvent.to_status)
            .where(AuditEvent.subject_type == decoded[0], AuditEvent.subject_id == decoded[1])
            .order_by(AuditEvent.sequence))).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def approved(client: GraphQLClient, crew: Crew, action: str, subject_id: str) -> str:
    """An approval requested by support and approved by a manager; its id."""
    asked = await mutate(client, APPROVAL_CREATE, crew.support, action=action, subjectId=subject_id,
                         reason="The customer called")
    assert asked["userErrors"] == [], asked["userErrors"]
    decided = await mutate(client, APPROVAL_DECIDE, crew.manager, approvalId=asked["approvalRequest"]["id"],
                           decision="APPROVE", evidence="Ticket 4711")
    assert decided["approvalRequest"]["status"] == "APPROVED", decided["userErrors"]
    return decided["approvalRequest"]["id"]  # type: ignore[no-any-return]


async def cancel(client: GraphQLClient, token: str, order: dict[str, Any], *, reason: str = "Changed my mind",
                 approval: str | None = None) -> dict[str, Any]:
    return await mutate(client, ORDER_CANCEL, token, orderId=order["id"], reason=reason, approvalId=approval)


async def request_return(client: GraphQLClient, token: str, order: dict[str, Any], lines: dict[str, int], *,
                         approval: str | None = None) -> dict[str, Any]:
    items = [{"orderLineId": line_id(order, sku), "quantity": q} for sku, q in lines.items()]
    return await mutate(client, RETURN_CREATE, token, orderId=order["id"], reason="Does not fit", lines=items,
                        approvalId=approval)


async def decide(client: GraphQLClient, token: str, document: str, return_id: str, *,
                 approval: str | None = None) -> dict[str, Any]:
    return await mutate(client, document, token, returnRequestId=return_id, approvalId=approval)


async def returned_and_received(client: GraphQLClient, crew: Crew, order: dict[str, Any],
                                lines: dict[str, int]) -> str:
    """A return of `lines`, approved by support and received by the warehouse; its id."""
    requested = await request_return(client, crew.ann, order, lines)
    assert requested["userErrors"] == [], requested["userErrors"]
    return_id: str = requested["returnRequest"]["id"]
    for token, document in ((crew.support, APPROVE), (crew.picker, RECEIVE)):
        moved = await decide(client, token, document, return_id)
        assert moved["userErrors"] == [], moved["userErrors"]
    return return_id


async def add_product(shop: Shop, name: str, price: str, stock_levels: dict[int, int]) -> str:
    """A one-variant product in the shop's catalog; its sku."""
    await factory.make_product(shop.client.db, name, prices=(price,), stock=stock_levels)
    sku = f"{name.upper()}-0"
    async with shop.client.db.read() as conn:
        shop.variants[sku] = await conn.scalar(select(ProductVariant.id).where(ProductVariant.sku == sku))
    return sku


async def set_delivered_at(client: GraphQLClient, order: dict[str, Any], days_ago: int) -> None:
    """Move the order's delivery back in time, behind the API's back."""
    this_order = EcommerceOrder.id == pk(order["id"])
    async with client.db.write_engine.begin() as conn:
        delivered_at = await conn.scalar(select(EcommerceOrder.delivered_at).where(this_order))
        assert delivered_at is not None
        await conn.execute(update(EcommerceOrder).where(this_order)
                           .values(delivered_at=delivered_at - timedelta(days=days_ago)))


async def complete(client: GraphQLClient) -> int:
    async with factory.uow(client.db) as work:
        return await complete_orders(uow=work, window_days=30)


# --- fulfillment and the derived order status ------------------------------------------------


async def test_partial_then_full_fulfillment_moves_the_order_to_processing_shipped_and_delivered(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await shop.order({"TEE-0": 3, "BOOTS-0": 1}, key="lifecycle", token=crew.ann)
    first = await fulfill(client, crew.picker, order, {"TEE-0": 2})
    assert first["userErrors"] == []
    assert first["fulfillment"]["status"] == "PENDING"
    assert first["fulfillment"]["lines"] == [{"quantity": 2, "orderLine": {"sku": "TEE-0"}}]
    assert first["fulfillment"]["warehouse"] == {"code": "MAIN"}
    now = await state(client, crew, order)
    assert now["status"] == "PROCESSING"
    assert per_sku(now, "quantityFulfilled") == {"TEE-0": 2, "BOOTS-0": 0}

    await walk(client, crew.picker, first["fulfillment"]["id"], "PICKED", "SHIPPED")
    assert (await state(client, crew, order))["status"] == "PROCESSING"  # a tee and the boots are not shipped

    rest = await fulfill(client, crew.picker, order)  # lines omitted: everything that is left
    assert rest["userErrors"] == []
    assert sorted((li["orderLine"]["sku"], li["quantity"]) for li in rest["fulfillment"]["lines"]) == [
        ("BOOTS-0", 1), ("TEE-0", 1)]
    assert per_sku(await state(client, crew, order), "quantityFulfilled") == {"TEE-0": 3, "BOOTS-0": 1}
    await walk(client, crew.picker, rest["fulfillment"]["id"], "PICKED", "SHIPPED")
    assert (await state(client, crew, order))["status"] == "SHIPPED"

    await walk(client, crew.picker, first["fulfillment"]["id"], "DELIVERED")
    assert (await state(client, crew, order))["status"] == "SHIPPED"  # one shipment is still on its way
    await walk(client, crew.picker, rest["fulfillment"]["id"], "IN_TRANSIT", "DELIVERED")
    assert (await state(client, crew, order))["status"] == "DELIVERED"

    assert (await trail(client, order["id"]))[2:] == [
        ("order.processing", "CONFIRMED", "PROCESSING"), ("order.shipped", "PROCESSING", "SHIPPED"),
        ("order.delivered", "SHIPPED", "DELIVERED")]  # after order.place and order.confirm


async def test_every_fulfillment_move_is_audited(client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await shop.order({"TEE-0": 1}, key="audited", token=crew.ann)
    fulfillment_id = await shipment(client, crew, order, "PICKED", "SHIPPED", "IN_TRANSIT", "DELIVERED")
    assert await trail(client, fulfillment_id) == [
        ("fulfillment.create", None, "PENDING"), ("fulfillment.picked", "PENDING", "PICKED"),
        ("fulfillment.shipped", "PICKED", "SHIPPED"), ("fulfillment.in_transit", "SHIPPED", "IN_TRANSIT"),
        ("fulfillment.delivered", "IN_TRANSIT", "DELIVERED")]


# The Fulfillment table of DESIGN.md, written out here rather than read from the code under test.
FULFILLMENT_TABLE = {
    "PENDING": {"PICKED", "CANCELLED"},
    "PICKED": {"SHIPPED", "CANCELLED"},
    "SHIPPED": {"IN_TRANSIT", "DELIVERED"},
    "IN_TRANSIT": {"DELIVERED"},
    "DELIVERED": set(),
    "CANCELLED": set(),
}
PATH_TO = {"PENDING": [], "PICKED": ["PICKED"], "SHIPPED": ["PICKED", "SHIPPED"],
           "IN_TRANSIT": ["PICKED", "SHIPPED", "IN_TRANSIT"], "DELIVERED": ["PICKED", "SHIPPED", "DELIVERED"],
           "CANCELLED": ["CANCELLED"]}


@pytest.mark.parametrize(("source", "target"), list(product(FULFILLMENT_TABLE, FULFILLMENT_TABLE)))
async def test_fulfillment_moves_follow_the_table_and_any_other_jump_is_invalid_transition(
        client: GraphQLClient, shop: Shop, crew: Crew, source: str, target: str) -> None:
    order = await shop.order({"TEE-0": 1}, key="table", token=crew.ann)
    fulfillment_id = await shipment(client, crew, order, *PATH_TO[source])
    moved = await move(client, crew.picker, fulfillment_id, target)
    if target in FULFILLMENT_TABLE[source]:
        assert moved["userErrors"] == []
        assert moved["fulfillment"]["status"] == target
    else:
        assert errors(moved) == [("INVALID_TRANSITION", ["input", "status"])]
        statuses = [f["status"] for f in (await state(client, crew, order))["fulfillments"]]
        assert statuses == [source]


async def test_shipping_needs_a_carrier_and_a_tracking_number(client: GraphQLClient, shop: Shop,
                                                              crew: Crew) -> None:
    order = await shop.order({"TEE-0": 1}, key="no-carrier", token=crew.ann)
    created = await fulfill(client, crew.picker, order)
    fulfillment_id = created["fulfillment"]["id"]
    picked = await move(client, crew.picker, fulfillment_id, "PICKED", carrier=None, tracking=None)
    assert picked["userErrors"] == []
    bare = await move(client, crew.picker, fulfillment_id, "SHIPPED", carrier=None, tracking=None)
    assert errors(bare) == [
        ("REQUIRED", ["input", "carrier"]), ("REQUIRED", ["input", "trackingNumber"])]
    no_tracking = await move(client, crew.picker, fulfillment_id, "SHIPPED", carrier="DHL", tracking="  ")
    assert errors(no_tracking) == [("REQUIRED", ["input", "trackingNumber"])]
    now = await state(client, crew, order)
    assert ([f["status"] for f in now["fulfillments"]], now["paymentStatus"]) == (["PICKED"], "AUTHORIZED")
    shipped = await move(client, crew.picker, fulfillment_id, "SHIPPED", carrier="UPS", tracking="1Z999")
    assert (shipped["fulfillment"]["carrier"], shipped["fulfillment"]["trackingNumber"]) == ("UPS", "1Z999")


async def test_shipment_takes_units_out_of_on_hand_and_captures_the_payment_then_not_before(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await shop.order({"TEE-0": 2, "BOOTS-0": 1}, key="ship", token=crew.ann)
    assert await stock(client, shop, "TEE-0") == (10, 2)
    fulfillment_id = await shipment(client, crew, order, "PICKED")
    assert await stock(client, shop, "TEE-0") == (10, 2)
    assert (await state(client, crew, order))["paymentStatus"] == "AUTHORIZED"
    await walk(client, crew.picker, fulfillment_id, "SHIPPED")
    assert (await stock(client, shop, "TEE-0"), await stock(client, shop, "BOOTS-0")) == ((8, 0), (2, 0))
    assert (await state(client, crew, order))["paymentStatus"] == "CAPTURED"
    await walk(client, crew.picker, fulfillment_id, "DELIVERED")
    assert await stock(client, shop, "TEE-0") == (8, 0)


async def test_payment_is_captured_at_the_first_of_several_shipments(client: GraphQLClient, shop: Shop,
                                                                     crew: Crew) -> None:
    order = await shop.order({"TEE-0": 2}, key="split", token=crew.ann)
    first = await shipment(client, crew, order, lines={"TEE-0": 1})
    second = await shipment(client, crew, order, "PICKED", lines={"TEE-0": 1})
    assert (await state(client, crew, order))["paymentStatus"] == "AUTHORIZED"
    await walk(client, crew.picker, second, "SHIPPED")
    assert (await state(client, crew, order))["paymentStatus"] == "CAPTURED"
    await walk(client, crew.picker, first, "PICKED", "SHIPPED")
    now = await state(client, crew, order)
    assert (now["status"], now["paymentStatus"]) == ("SHIPPED", "CAPTURED")
    async with client.db.read() as conn:
        captures = (await conn.execute(
            select(AuditEvent.action).where(AuditEvent.action == "payment.captured"))).all()
    assert len(captures) == 1


@pytest.mark.parametrize("path", [[], ["PICKED"]], ids=["pending", "picked"])
async def test_cancelled_fulfillment_releases_its_allocation_and_its_lines_can_be_fulfilled_again(
        client: GraphQLClient, shop: Shop, crew: Crew, path: list[str]) -> None:
    order = await shop.order({"TEE-0": 2}, key="cancel-ful", token=crew.ann)
    fulfillment_id = await shipment(client, crew, order, *path, "CANCELLED")
    assert await stock(client, shop, "TEE-0") == (10, 0)
    now = await state(client, crew, order)
    assert per_sku(now, "quantityFulfilled") == {"TEE-0": 0}
    assert [f["status"] for f in now["fulfillments"]] == ["CANCELLED"]
    was = path[-1] if path else "PENDING"
    assert (await trail(client, fulfillment_id))[-1] == ("fulfillment.cancelled", was, "CANCELLED")

    # Nothing is allocated any more, so the warehouse is named (it cannot be derived).
    again = await fulfill(client, crew.picker, order, {"TEE-0": 2}, warehouse=shop.warehouse)
    assert again["userErrors"] == []
    assert await stock(client, shop, "TEE-0") == (10, 2)
    await walk(client, crew.picker, again["fulfillment"]["id"], "PICKED", "SHIPPED")
    assert await stock(client, shop, "TEE-0") == (8, 0)
    assert (await state(client, crew, order))["status"] == "SHIPPED"


async def test_after_a_cancelled_fulfillment_omitted_lines_mean_everything_left_again(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await shop.order({"TEE-0": 2, "BOOTS-0": 1}, key="cancel-then-all", token=crew.ann)
    await shipment(client, crew, order, "CANCELLED")
    again = await fulfill(client, crew.picker, order, warehouse=shop.warehouse)
    assert again["userErrors"] == []
    assert sorted((li["orderLine"]["sku"], li["quantity"]) for li in again["fulfillment"]["lines"]) == [
        ("BOOTS-0", 1), ("TEE-0", 2)]
    assert (await stock(client, shop, "TEE-0"), await stock(client, shop, "BOOTS-0")) == ((10, 2), (3, 1))


async def test_shipping_from_another_warehouse_leaves_nothing_allocated_where_checkout_held_it(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    east = await factory.make_warehouse(client.db, "EAST")
    mug = await add_product(shop, "Mug", "8.00", {shop.warehouse: 2, east: 2})
    order = await shop.order({mug: 1}, key="elsewhere", token=crew.ann)
    assert (await stock(client, shop, mug), await stock(client, shop, mug, east)) == ((2, 1), (2, 0))
    await shipment(client, crew, order, "PICKED", "SHIPPED", lines={mug: 1}, warehouse=east)
    assert (await state(client, crew, order))["status"] == "SHIPPED"
    assert await stock(client, shop, mug, east) == (1, 0)
    assert await stock(client, shop, mug) == (2, 0)  # the unit held at checkout is free again


async def test_fulfilling_more_than_is_left_of_a_line_is_invalid(client: GraphQLClient, shop: Shop,
                                                                 crew: Crew) -> None:
    order = await shop.order({"TEE-0": 3}, key="too-many", token=crew.ann)
    over = await fulfill(client, crew.picker, order, {"TEE-0": 4})
    assert errors(over) == [("INVALID", ["input", "lines", "0", "quantity"])]
    assert (await fulfill(client, crew.picker, order, {"TEE-0": 2}))["userErrors"] == []
    left = await fulfill(client, crew.picker, order, {"TEE-0": 2})
    assert codes(left) == ["INVALID"]
    assert "At most 1" in left["userErrors"][0]["message"]
    assert (await fulfill(client, crew.picker, order, {"TEE-0": 1}))["userErrors"] == []
    nothing_left = await fulfill(client, crew.picker, order, warehouse=shop.warehouse)
    assert codes(nothing_left) == ["INVALID"]
    assert per_sku(await state(client, crew, order), "quantityFulfilled") == {"TEE-0": 3}
    assert await stock(client, shop, "TEE-0") == (10, 3)


async def test_a_cancelled_order_cannot_be_fulfilled(client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await shop.order({"TEE-0": 1}, key="cancelled", token=crew.ann)
    assert (await cancel(client, crew.ann, order))["userErrors"] == []
    refused = await fulfill(client, crew.picker, order, {"TEE-0": 1}, warehouse=shop.warehouse)
    assert errors(refused) == [("INVALID_TRANSITION", ["input", "orderId"])]
    assert (await state(client, crew, order))["fulfillments"] == []


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.MANAGER, Role.MERCHANDISER, Role.CUSTOMER])
async def test_only_fulfillment_staff_and_admins_fulfill(client: GraphQLClient, shop: Shop, crew: Crew,
                                                         role: Role) -> None:
    order = await shop.order({"TEE-0": 1}, key="who", token=crew.ann)
    outsider = await shop.token(f"{role.lower()}-2@example.com", role)
    assert codes(await fulfill(client, outsider, order)) == ["PERMISSION_DENIED"]
    assert (await fulfill(client, crew.admin, order))["userErrors"] == []


# --- cancellation -----------------------------------------------------------------------------


async def test_customer_cancels_before_fulfillment_releasing_stock_and_voiding_the_payment(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await shop.order({"TEE-0": 2}, key="mine", token=crew.ann)
    cancelled = await cancel(client, crew.ann, order)
    assert cancelled["userErrors"] == []
    assert (cancelled["order"]["status"], cancelled["order"]["paymentStatus"]) == ("CANCELLED", "VOIDED")
    assert await stock(client, shop, "TEE-0") == (10, 0)
    moves = await trail(client, order["id"])
    assert moves[-1] == ("order.cancelled", "CONFIRMED", "CANCELLED")


async def test_customer_cannot_cancel_once_fulfillment_has_started(client: GraphQLClient, shop: Shop,
                                                                   crew: Crew) -> None:
    order = await shop.order({"TEE-0": 1}, key="started", token=crew.ann)
    await shipment(client, crew, order)
    assert codes(await cancel(client, crew.ann, order)) == ["PERMISSION_DENIED"]
    now = await state(client, crew, order)
    assert (now["status"], now["paymentStatus"]) == ("PROCESSING", "AUTHORIZED")


async def test_support_cancels_before_shipment_and_open_fulfillments_are_cancelled(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await shop.order({"TEE-0": 2}, key="support", token=crew.ann)
    await shipment(client, crew, order, "PICKED", lines={"TEE-0": 1})
    cancelled = await cancel(client, crew.support, order, reason="Fraud check failed")
    assert cancelled["userErrors"] == []
    now = await state(client, crew, order)
    assert (now["status"], now["paymentStatus"]) == ("CANCELLED", "VOIDED")
    assert [f["status"] for f in now["fulfillments"]] == ["CANCELLED"]
    assert await stock(client, shop, "TEE-0") == (10, 0)


async def test_support_cannot_cancel_a_shipped_order_without_approval_and_nothing_changes(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await shop.order({"TEE-0": 2}, key="shipped", token=crew.ann)
    await shipment(client, crew, order, "PICKED", "SHIPPED")

    async def snapshot() -> tuple[Any, ...]:
        return (await state(client, crew, order), await stock(client, shop, "TEE-0"),
                await trail(client, order["id"]))

    before = await snapshot()
    refused = await cancel(client, crew.support, order)
    assert errors(refused) == [("APPROVAL_REQUIRED", ["input", "approvalId"])]
    assert await snapshot() == before
    assert before[0]["status"] == "SHIPPED"


async def test_an_approved_cancel_after_shipment_refunds_and_the_approval_is_used_up(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await shop.order({"TEE-0": 2}, key="approved", token=crew.ann)
    await shipment(client, crew, order, "PICKED", "SHIPPED")
    approval = await approved(client, crew, "ORDER_CANCEL_AFTER_SHIPMENT", order["id"])
    cancelled = await cancel(client, crew.support, order, reason="Lost in transit", approval=approval)
    assert cancelled["userErrors"] == []
    assert (cancelled["order"]["status"], cancelled["order"]["paymentStatus"]) == ("CANCELLED", "REFUNDED")
    assert (await trail(client, order["id"]))[-1] == ("order.cancelled", "SHIPPED", "CANCELLED")

    other = await shop.order({"TEE-0": 1}, key="other", token=crew.ann)
    await shipment(client, crew, other, "PICKED", "SHIPPED")
    again = await cancel(client, crew.support, other, approval=approval)
    assert codes(again) == ["APPROVAL_REQUIRED"]
    assert (await state(client, crew, other))["status"] == "SHIPPED"


async def test_a_delivered_order_can_be_cancelled_with_an_approval(client: GraphQLClient, shop: Shop,
                                                                   crew: Crew) -> None:
    order = await delivered_order(shop, crew, {"BOOTS-0": 1})
    assert codes(await cancel(client, crew.manager, order)) == ["APPROVAL_REQUIRED"]
    approval = await approved(client, crew, "ORDER_CANCEL_AFTER_SHIPMENT", order["id"])
    cancelled = await cancel(client, crew.manager, order, approval=approval)
    assert (cancelled["order"]["status"], cancelled["order"]["paymentStatus"]) == ("CANCELLED", "REFUNDED")


@pytest.mark.parametrize("reason", ["", "   "])
async def test_cancelling_needs_a_reason(client: GraphQLClient, shop: Shop, crew: Crew, reason: str) -> None:
    order = await shop.order({"TEE-0": 1}, key="why", token=crew.ann)
    refused = await cancel(client, crew.ann, order, reason=reason)
    assert errors(refused) == [("REQUIRED", ["input", "reason"])]
    assert (await state(client, crew, order))["status"] == "CONFIRMED"


async def test_a_cancelled_order_cannot_be_cancelled_again(client: GraphQLClient, shop: Shop,
                                                           crew: Crew) -> None:
    order = await shop.order({"TEE-0": 1}, key="twice", token=crew.ann)
    assert (await cancel(client, crew.ann, order))["userErrors"] == []
    for token in (crew.ann, crew.support):
        assert codes(await cancel(client, token, order)) == ["INVALID_TRANSITION"]
    assert await stock(client, shop, "TEE-0") == (10, 0)


async def test_another_customer_cannot_cancel_the_order(client: GraphQLClient, shop: Shop,
                                                        crew: Crew) -> None:
    order = await shop.order({"TEE-0": 1}, key="not-bobs", token=crew.ann)
    bob = await shop.token("bob@example.com", Role.CUSTOMER)
    assert codes(await cancel(client, bob, order)) == ["PERMISSION_DENIED"]
    assert (await state(client, crew, order))["status"] == "CONFIRMED"


# --- returns ----------------------------------------------------------------------------------


async def test_customer_returns_delivered_units_inside_the_window(client: GraphQLClient, shop: Shop,
                                                                  crew: Crew) -> None:
    order = await delivered_order(shop, crew, {"TEE-0": 2, "BOOTS-0": 1})
    requested = await request_return(client, crew.ann, order, {"TEE-0": 1})
    assert requested["userErrors"] == []
    assert requested["returnRequest"]["status"] == "REQUESTED"
    assert requested["returnRequest"]["lines"] == [{"quantity": 1, "orderLine": {"sku": "TEE-0"}}]
    assert requested["returnRequest"]["approval"] is None
    assert await trail(client, requested["returnRequest"]["id"]) == [("return.request", None, "REQUESTED")]


async def test_returning_more_than_was_delivered_is_not_eligible(client: GraphQLClient, shop: Shop,
                                                                 crew: Crew) -> None:
    order = await delivered_order(shop, crew, {"TEE-0": 2})
    refused = await request_return(client, crew.ann, order, {"TEE-0": 3})
    assert errors(refused) == [
        ("RETURN_NOT_ELIGIBLE", ["input", "lines", "0", "quantity"])]


async def test_a_line_that_is_not_delivered_yet_is_not_eligible(client: GraphQLClient, shop: Shop,
                                                                crew: Crew) -> None:
    order = await shop.order({"TEE-0": 1, "BOOTS-0": 1}, key="half", token=crew.ann)
    await shipment(client, crew, order, "PICKED", "SHIPPED", "DELIVERED", lines={"TEE-0": 1})
    await shipment(client, crew, order, "PICKED", "SHIPPED", lines={"BOOTS-0": 1})
    assert (await state(client, crew, order))["status"] == "SHIPPED"
    refused = await request_return(client, crew.ann, order, {"BOOTS-0": 1})
    assert codes(refused) == ["RETURN_NOT_ELIGIBLE"]


async def test_returned_units_cannot_be_returned_twice_unless_the_first_return_was_rejected(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await delivered_order(shop, crew, {"TEE-0": 2})
    first = await request_return(client, crew.ann, order, {"TEE-0": 2})
    assert first["userErrors"] == []
    assert codes(await request_return(client, crew.ann, order, {"TEE-0": 1})) == ["RETURN_NOT_ELIGIBLE"]
    rejected = await decide(client, crew.support, REJECT, first["returnRequest"]["id"])
    assert rejected["returnRequest"]["status"] == "REJECTED"
    again = await request_return(client, crew.ann, order, {"TEE-0": 2})
    assert again["userErrors"] == []


async def test_a_return_after_the_window_expired_needs_an_approval_for_that_order(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await delivered_order(shop, crew, {"TEE-0": 2})
    await set_delivered_at(client, order, days_ago=31)
    late = await request_return(client, crew.ann, order, {"TEE-0": 1})
    assert errors(late) == [("RETURN_WINDOW_EXPIRED", ["input", "orderId"])]

    approval = await approved(client, crew, "RETURN_OUTSIDE_WINDOW", order["id"])
    allowed = await request_return(client, crew.support, order, {"TEE-0": 1}, approval=approval)
    assert allowed["userErrors"] == []
    assert allowed["returnRequest"]["approval"] == {"id": approval}


async def test_a_return_goes_approved_received_refunded_restocking_where_it_shipped_from(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    east = await factory.make_warehouse(client.db, "EAST")
    lamp = await add_product(shop, "Lamp", "30.00", {east: 5})
    order = await shop.order({lamp: 3, "TEE-0": 1}, key="two-warehouses", token=crew.ann)
    for warehouse in (shop.warehouse, east):
        await shipment(client, crew, order, "PICKED", "SHIPPED", "DELIVERED", warehouse=warehouse)
    assert (await stock(client, shop, lamp, east), await stock(client, shop, "TEE-0")) == ((2, 0), (9, 0))
    requested = await request_return(client, crew.ann, order, {lamp: 2, "TEE-0": 1})
    return_id = requested["returnRequest"]["id"]

    assert (await decide(client, crew.support, APPROVE, return_id))["returnRequest"]["status"] == "APPROVED"
    assert per_sku(await state(client, crew, order), "quantityReturned") == {lamp: 0, "TEE-0": 0}
    received = await decide(client, crew.picker, RECEIVE, return_id)
    assert received["returnRequest"]["status"] == "RECEIVED"
    assert (await stock(client, shop, lamp, east), await stock(client, shop, "TEE-0")) == ((4, 0), (10, 0))
    assert per_sku(await state(client, crew, order), "quantityReturned") == {lamp: 2, "TEE-0": 1}

    refunded = await decide(client, crew.support, REFUND, return_id)
    assert refunded["userErrors"] == []
    assert (refunded["returnRequest"]["status"], refunded["returnRequest"]["refundAmount"]) == (
        "REFUNDED", {"amount": "80.00"})
    assert (await state(client, crew, order))["paymentStatus"] == "PARTIALLY_REFUNDED"
    assert codes(await decide(client, crew.support, REFUND, return_id)) == ["INVALID_TRANSITION"]  # once only
    assert [a for a, _, _ in await trail(client, return_id)] == [
        "return.request", "return.approved", "return.received", "return.refunded"]


async def test_refunding_everything_that_was_captured_makes_the_payment_refunded(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    async with factory.uow(client.db) as work:
        pickup = (await store.create_delivery_method(uow=work, name="Pickup", price=Decimal("0.00"),
                                                     channels=None)).id
    created = await shop.create_cart({"TEE-0": 2, "BOOTS-0": 1}, token=crew.ann, email="ann@example.com")
    await client.data(CART_DELIVERY, {"input": {"cartId": created["cart"]["id"], "shippingAddress": ADDRESS,
                                                "deliveryMethodId": encode_id("DeliveryMethod", pickup)}},
                      token=crew.ann)
    order = (await shop.checkout(created["cart"]["id"], key="free", token=crew.ann))["order"]
    assert order["total"]["amount"] == "140.00"
    await shipment(client, crew, order, "PICKED", "SHIPPED", "DELIVERED")

    first = await returned_and_received(client, crew, order, {"TEE-0": 1})
    refunded = (await decide(client, crew.support, REFUND, first))["returnRequest"]
    assert refunded["refundAmount"] == {"amount": "20.00"}
    assert (await state(client, crew, order))["paymentStatus"] == "PARTIALLY_REFUNDED"
    rest = await returned_and_received(client, crew, order, {"TEE-0": 1, "BOOTS-0": 1})
    refunded = (await decide(client, crew.support, REFUND, rest))["returnRequest"]
    assert refunded["refundAmount"] == {"amount": "120.00"}
    assert (await state(client, crew, order))["paymentStatus"] == "REFUNDED"


async def test_a_return_cannot_be_received_or_refunded_before_it_is_approved(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await delivered_order(shop, crew, {"TEE-0": 1})
    return_id = (await request_return(client, crew.ann, order, {"TEE-0": 1}))["returnRequest"]["id"]
    assert codes(await decide(client, crew.picker, RECEIVE, return_id)) == ["INVALID_TRANSITION"]
    assert codes(await decide(client, crew.support, REFUND, return_id)) == ["INVALID_TRANSITION"]
    assert (await state(client, crew, order))["paymentStatus"] == "CAPTURED"
    assert await stock(client, shop, "TEE-0") == (9, 0)
    assert per_sku(await state(client, crew, order), "quantityReturned") == {"TEE-0": 0}


async def test_support_decides_and_refunds_returns_and_fulfillment_staff_receive_them(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await delivered_order(shop, crew, {"TEE-0": 1})
    return_id = (await request_return(client, crew.ann, order, {"TEE-0": 1}))["returnRequest"]["id"]
    for token in (crew.ann, crew.picker):
        assert codes(await decide(client, token, APPROVE, return_id)) == ["PERMISSION_DENIED"]
    assert (await decide(client, crew.manager, APPROVE, return_id))["userErrors"] == []
    for token in (crew.ann, crew.support, crew.manager):
        assert codes(await decide(client, token, RECEIVE, return_id)) == ["PERMISSION_DENIED"]
    assert (await decide(client, crew.admin, RECEIVE, return_id))["userErrors"] == []
    for token in (crew.ann, crew.picker):
        assert codes(await decide(client, token, REFUND, return_id)) == ["PERMISSION_DENIED"]
    assert (await decide(client, crew.admin, REFUND, return_id))["returnRequest"]["status"] == "REFUNDED"


async def test_another_customer_cannot_return_units_of_the_order(client: GraphQLClient, shop: Shop,
                                                                 crew: Crew) -> None:
    order = await delivered_order(shop, crew, {"TEE-0": 1})
    bob = await shop.token("bob@example.com", Role.CUSTOMER)
    assert codes(await request_return(client, bob, order, {"TEE-0": 1})) == ["PERMISSION_DENIED"]
    assert (await request_return(client, crew.support, order, {"TEE-0": 1}))["userErrors"] == []


async def test_a_refund_above_the_limit_needs_an_approved_refund_above_limit_for_that_return(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    camera = await add_product(shop, "Camera", "600.00", {shop.warehouse: 2})
    order = await delivered_order(shop, crew, {camera: 1})
    return_id = await returned_and_received(client, crew, order, {camera: 1})
    refused = await decide(client, crew.support, REFUND, return_id)
    assert errors(refused) == [("APPROVAL_REQUIRED", ["input", "approvalId"])]
    assert (await state(client, crew, order))["paymentStatus"] == "CAPTURED"

    approval = await approved(client, crew, "REFUND_ABOVE_LIMIT", return_id)
    refunded = await decide(client, crew.support, REFUND, return_id, approval=approval)
    assert refunded["userErrors"] == []
    assert (refunded["returnRequest"]["status"], refunded["returnRequest"]["refundAmount"]) == (
        "REFUNDED", {"amount": "600.00"})
    # Shipping was captured too, and a return refunds only the units.
    assert (await state(client, crew, order))["paymentStatus"] == "PARTIALLY_REFUNDED"


async def test_a_refund_above_the_limit_uses_the_approval_on_file_when_none_is_named(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    camera = await add_product(shop, "Camera", "600.00", {shop.warehouse: 2})
    order = await delivered_order(shop, crew, {camera: 1})
    return_id = await returned_and_received(client, crew, order, {camera: 1})
    await approved(client, crew, "REFUND_ABOVE_LIMIT", return_id)
    refunded = await decide(client, crew.manager, REFUND, return_id)
    assert refunded["userErrors"] == []
    assert refunded["returnRequest"]["status"] == "REFUNDED"


# --- completion -------------------------------------------------------------------------------


async def test_delivered_orders_complete_once_the_window_closed_unless_a_return_is_open(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    quiet = await delivered_order(shop, crew, {"TEE-0": 1})
    disputed = await delivered_order(shop, crew, {"TEE-0": 1})
    recent = await delivered_order(shop, crew, {"TEE-0": 1})
    assert (await request_return(client, crew.ann, disputed, {"TEE-0": 1}))["userErrors"] == []
    for order in (quiet, disputed):
        await set_delivered_at(client, order, days_ago=31)

    assert await complete(client) == 1
    assert [(await state(client, crew, o))["status"] for o in (quiet, disputed, recent)] == [
        "COMPLETED", "DELIVERED", "DELIVERED"]
    assert (await trail(client, quiet["id"]))[-1] == ("order.completed", "DELIVERED", "COMPLETED")
    assert await complete(client) == 0


async def test_an_order_whose_return_was_rejected_completes(client: GraphQLClient, shop: Shop,
                                                            crew: Crew) -> None:
    order = await delivered_order(shop, crew, {"TEE-0": 1})
    return_id = (await request_return(client, crew.ann, order, {"TEE-0": 1}))["returnRequest"]["id"]
    await decide(client, crew.support, REJECT, return_id)
    await set_delivered_at(client, order, days_ago=31)
    assert await complete(client) == 1
    assert (await state(client, crew, order))["status"] == "COMPLETED"


async def test_delivered_lines_of_a_partly_delivered_order_can_be_returned(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await shop.order({"TEE-0": 2, "BOOTS-0": 1}, key="partly", token=crew.ann)
    await shipment(client, crew, order, "PICKED", "SHIPPED", "DELIVERED", lines={"TEE-0": 2})
    await shipment(client, crew, order, "PICKED", "SHIPPED", lines={"BOOTS-0": 1})
    assert (await state(client, crew, order))["status"] == "SHIPPED"
    assert codes(await request_return(client, crew.ann, order, {"BOOTS-0": 1})) == ["RETURN_NOT_ELIGIBLE"]
    returned = await request_return(client, crew.ann, order, {"TEE-0": 1})
    assert returned["userErrors"] == [] and returned["returnRequest"]["status"] == "REQUESTED"


async def test_a_refunded_return_cannot_be_refunded_again_even_above_the_limit(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await delivered_order(shop, crew, {"TEE-0": 1})
    return_id = (await request_return(client, crew.ann, order, {"TEE-0": 1}))["returnRequest"]["id"]
    for document, token in ((APPROVE, crew.support), (RECEIVE, crew.picker), (REFUND, crew.support)):
        assert (await decide(client, token, document, return_id))["userErrors"] == []
    assert codes(await decide(client, crew.support, REFUND, return_id)) == ["INVALID_TRANSITION"]
