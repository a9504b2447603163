"""Four-eyes approvals over GraphQL: any staff member asks with a reason, a manager or an admin
other than the requester decides (approving needs evidence), and the one action it names, on the
one subject it names, consumes it once; every step is audited (DESIGN.md "Approvals")."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from app.ids import decode_id, encode_id
from app.policy.permissions import Role
from models import AuditEvent, EcommerceOrder
from tests.support.client import GraphQLClient
from tests.support.shop import (
    APPROVAL_CREATE,
    APPROVAL_DECIDE,
    FULFILLMENT_CREATE,
    FULFILLMENT_UPDATE,
    ORDER_CANCEL,
    RETURN_CREATE,
    Shop,
    build_shop,
)

APPROVALS = ("query($status: ApprovalStatus) { approvalRequests(status: $status) "
             "{ id action status consumedAt } }")
STAFF = (Role.SUPPORT, Role.FULFILLMENT, Role.MERCHANDISER, Role.MANAGER, Role.ADMIN)


# --- helpers (tests/api/test_order_lifecycle.py has its own copies of the few it shares) ------


class Desk:
    """The approval desk of one shop: who asks, who decides, and the orders they talk about."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.client = shop.client

    async def token(self, role: Role, name: str = "") -> str:
        return await self.shop.token(f"{role.lower()}{name}@example.com", role)

    async def send(self, document: str, role: Role | str, **fields: Any) -> dict[str, Any]:
        """Run a one-field mutation as a role (or with a token) under a fresh idempotency key."""
        token = await self.token(role) if isinstance(role, Role) else role
        body = await self.client.data(document, {"input": {**fields, "idempotencyKey": uuid.uuid4().hex}},
                                      token=token)
        return next(iter(body.values()))  # type: ignore[no-any-return]

    async def ask(self, action: str, subject_id: str, role: Role | str = Role.SUPPORT,
                  reason: str = "Customer escalation") -> dict[str, Any]:
        return await self.send(APPROVAL_CREATE, role, action=action, subjectId=subject_id, reason=reason)

    async def decide(self, approval_id: str, decision: str = "APPROVE", role: Role | str = Role.MANAGER,
                     evidence: str = "Ticket 4711") -> dict[str, Any]:
        return await self.send(APPROVAL_DECIDE, role, approvalId=approval_id, decision=decision,
                               evidence=evidence)

    async def granted(self, action: str, subject_id: str, decision: str = "APPROVE") -> str:
        """An approval asked by support and decided by a manager; its id."""
        asked = await self.ask(action, subject_id)
        decided = await self.decide(asked["approvalRequest"]["id"], decision)
        assert decided["userErrors"] == [], decided["userErrors"]
        return asked["approvalRequest"]["id"]  # type: ignore[no-any-return]

    async def order(self, *until: str, tees: int = 1) -> dict[str, Any]:
        """A customer's order of tees, in one fulfillment walked through `until`."""
        order = await self.shop.order({"TEE-0": tees}, key=uuid.uuid4().hex,
                                      token=await self.token(Role.CUSTOMER))
        if until:
            created = await self.send(FULFILLMENT_CREATE, Role.FULFILLMENT, orderId=order["id"])
            for status in until:
                moved = await self.send(FULFILLMENT_UPDATE, Role.FULFILLMENT, status=status, carrier="DHL",
                                        fulfillmentId=created["fulfillment"]["id"], trackingNumber="T-1")
                assert moved["userErrors"] == [], moved["userErrors"]
        return order

    async def cancel(self, order: dict[str, Any], approval_id: str | None) -> dict[str, Any]:
        return await self.send(ORDER_CANCEL, Role.SUPPORT, orderId=order["id"], reason="Lost parcel",
                               approvalId=approval_id)

    async def return_units(self, order: dict[str, Any], approval_id: str | None,
                           units: int = 1) -> dict[str, Any]:
        return await self.send(RETURN_CREATE, Role.SUPPORT, orderId=order["id"], reason="Broken",
                               lines=[{"orderLineId": order["lines"][0]["id"], "quantity": units}],
                               approvalId=approval_id)

    async def age(self, order: dict[str, Any], days: int) -> None:
        """Pretend the order was delivered `days` earlier (behind the API's back)."""
        key = int(decode_id(order["id"])[1])  # type: ignore[index]
        async with self.client.db.write_engine.begin() as conn:
            then = await conn.scalar(select(EcommerceOrder.delivered_at).where(EcommerceOrder.id == key))
            await conn.execute(update(EcommerceOrder).where(EcommerceOrder.id == key)
                               .values(delivered_at=then - timedelta(days=days)))

    async def status_of(self, order: dict[str, Any]) -> str:
        body = await self.client.data("query($id: ID!) { order(id: $id) { status } }", {"id": order["id"]},
                                      token=await self.token(Role.SUPPORT))
        return body["order"]["status"]  # type: ignore[no-any-return]

    async def listed(self, role: Role, status: str | None = None) -> dict[str, Any]:
        return await self.client.gql(APPROVALS, {"status": status}, token=await self.token(role))

    async def audit(self, approval_id: str) -> list[tuple[str, str | None, str | None, str | None]]:
        """(action, from, to, approval id) of the audit events about one approval request."""
        key = decode_id(approval_id)[1]  # type: ignore[index]
        async with self.client.db.read() as conn:
            rows = (await conn.execute(
                select(AuditEvent.action, AuditEvent.from_status, AuditEvent.to_status,
                       AuditEvent.approval_id)
                .where(AuditEvent.subject_type == "ApprovalRequest", AuditEvent.subject_id == key)
                .order_by(AuditEvent.sequence))).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]


def errors(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


@pytest.fixture
async def desk(client: GraphQLClient) -> Desk:
    return Desk(await build_shop(client))


# --- requesting -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
async def test_any_staff_role_may_request_an_approval(desk: Desk, role: Role) -> None:
    order = await desk.order()
    asked = await desk.ask("ORDER_CANCEL_AFTER_SHIPMENT", order["id"], role, reason="  Parcel lost  ")
    assert asked["userErrors"] == []
    approval = asked["approvalRequest"]
    assert (approval["action"], approval["subjectId"], approval["status"], approval["reason"]) == (
        "ORDER_CANCEL_AFTER_SHIPMENT", order["id"], "PENDING", "Parcel lost")
    assert (approval["requestedBy"], approval["decidedBy"], approval["consumedAt"]) == (
        f"{role.lower()}@example.com", None, None)
    assert await desk.audit(approval["id"]) == [("approval.request", None, "PENDING", None)]


async def test_a_customer_may_not_request_an_approval(desk: Desk) -> None:
    order = await desk.order()
    asked = await desk.ask("ORDER_CANCEL_AFTER_SHIPMENT", order["id"], Role.CUSTOMER)
    assert (codes(asked), asked["approvalRequest"]) == (["PERMISSION_DENIED"], None)
    assert (await desk.listed(Role.ADMIN))["data"]["approvalRequests"] == []


@pytest.mark.parametrize("reason", ["", "   "])
async def test_a_request_needs_a_reason(desk: Desk, reason: str) -> None:
    order = await desk.order()
    asked = await desk.ask("ORDER_CANCEL_AFTER_SHIPMENT", order["id"], reason=reason)
    assert errors(asked) == [("REQUIRED", ["input", "reason"])]


async def test_the_subject_must_be_of_the_kind_the_action_names(desk: Desk) -> None:
    order = await desk.order("PICKED", "SHIPPED", "DELIVERED")
    returned = await desk.return_units(order, None)
    return_id = returned["returnRequest"]["id"]
    mismatched = [("RETURN_OUTSIDE_WINDOW", return_id), ("ORDER_CANCEL_AFTER_SHIPMENT", return_id),
                  ("REFUND_ABOVE_LIMIT", order["id"]),
                  ("ORDER_CANCEL_AFTER_SHIPMENT", encode_id("EcommerceOrder", 999)),
                  ("REFUND_ABOVE_LIMIT", encode_id("ReturnRequest", 999)),
                  ("RETURN_OUTSIDE_WINDOW", encode_id("Product", desk.shop.products["tee"]))]
    for action, subject in mismatched:
        refused = await desk.ask(action, subject)
        assert errors(refused) == [("NOT_FOUND", ["input", "subjectId"])], (action, subject)
    matching = [("RETURN_OUTSIDE_WINDOW", order["id"]), ("ORDER_CANCEL_AFTER_SHIPMENT", order["id"]),
                ("REFUND_ABOVE_LIMIT", return_id)]
    for action, subject in matching:
        assert (await desk.ask(action, subject))["approvalRequest"]["subjectId"] == subject


async def test_a_subject_id_that_is_not_ours_is_invalid(desk: Desk) -> None:
    assert codes(await desk.ask("RETURN_OUTSIDE_WINDOW", "not-an-id")) == ["INVALID"]


# --- deciding ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.FULFILLMENT, Role.MERCHANDISER, Role.CUSTOMER])
async def test_only_a_manager_or_an_admin_decides(desk: Desk, role: Role) -> None:
    order = await desk.order()
    approval_id = (await desk.ask("ORDER_CANCEL_AFTER_SHIPMENT", order["id"]))["approvalRequest"]["id"]
    for decision in ("APPROVE", "REJECT"):
        refused = await desk.decide(approval_id, decision, await desk.token(role, "-2"))
        assert codes(refused) == ["PERMISSION_DENIED"]
    for role_that_may in (Role.MANAGER, Role.ADMIN):
        other = (await desk.ask("ORDER_CANCEL_AFTER_SHIPMENT", order["id"]))["approvalRequest"]["id"]
        decided = await desk.decide(other, role=role_that_may)
        assert decided["approvalRequest"]["status"] == "APPROVED"
        assert decided["approvalRequest"]["decidedBy"] == f"{role_that_may.lower()}@example.com"
    pending = (await desk.listed(Role.ADMIN, "PENDING"))["data"]["approvalRequests"]
    assert [a["id"] for a in pending] == [approval_id]


@pytest.mark.parametrize("evidence", ["", "  "])
async def test_approving_needs_evidence_and_rejecting_does_not(desk: Desk, evidence: str) -> None:
    order = await desk.order()
    approval_id = (await desk.ask("ORDER_CANCEL_AFTER_SHIPMENT", order["id"]))["approvalRequest"]["id"]
    refused = await desk.decide(approval_id, "APPROVE", evidence=evidence)
    assert errors(refused) == [("REQUIRED", ["input", "evidence"])]
    rejected = await desk.decide(approval_id, "REJECT", evidence=evidence)
    assert rejected["userErrors"] == []
    assert (rejected["approvalRequest"]["status"], rejected["approvalRequest"]["evidence"]) == (
        "REJECTED", None)


async def test_an_approval_keeps_its_evidence_and_decider(desk: Desk) -> None:
    order = await desk.order()
    approval_id = (await desk.ask("ORDER_CANCEL_AFTER_SHIPMENT", order["id"]))["approvalRequest"]["id"]
    decided = (await desk.decide(approval_id, evidence=" Carrier report 12 "))["approvalRequest"]
    assert (decided["status"], decided["evidence"], decided["decidedBy"]) == (
        "APPROVED", "Carrier report 12", "manager@example.com")


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
async def test_nobody_decides_their_own_request(desk: Desk, role: Role) -> None:
    order = await desk.order()
    approval_id = (await desk.ask("ORDER_CANCEL_AFTER_SHIPMENT", order["id"], role))["approvalRequest"]["id"]
    for decision in ("APPROVE", "REJECT"):
        assert codes(await desk.decide(approval_id, decision, role)) == ["PERMISSION_DENIED"]
    other_decider = Role.ADMIN if role == Role.MANAGER else Role.MANAGER
    assert (await desk.decide(approval_id, role=other_decider))["approvalRequest"]["status"] == "APPROVED"


@pytest.mark.parametrize(("first", "second"), [("APPROVE", "REJECT"), ("APPROVE", "APPROVE"),
                                               ("REJECT", "APPROVE"), ("REJECT", "REJECT")])
async def test_an_approval_is_decided_once(desk: Desk, first: str, second: str) -> None:
    order = await desk.order()
    approval_id = (await desk.ask("ORDER_CANCEL_AFTER_SHIPMENT", order["id"]))["approvalRequest"]["id"]
    assert (await desk.decide(approval_id, first))["userErrors"] == []
    again = await desk.decide(approval_id, second, Role.ADMIN)
    assert codes(again) == ["INVALID_TRANSITION"]
    expected = "APPROVED" if first == "APPROVE" else "REJECTED"
    assert [a["status"] for a in (await desk.listed(Role.ADMIN))["data"]["approvalRequests"]] == [expected]


async def test_deciding_an_unknown_approval_is_not_found(desk: Desk) -> None:
    assert codes(await desk.decide(encode_id("ApprovalRequest", 999))) == ["NOT_FOUND"]


# --- consuming --------------------------------------------------------------------------------


async def test_an_approval_allows_its_action_once(desk: Desk) -> None:
    order = await desk.order("PICKED", "SHIPPED")
    approval_id = await desk.granted("ORDER_CANCEL_AFTER_SHIPMENT", order["id"])
    before = (await desk.listed(Role.MANAGER, "APPROVED"))["data"]["approvalRequests"]
    assert [(a["id"], a["consumedAt"]) for a in before] == [(approval_id, None)]
    cancelled = await desk.cancel(order, approval_id)
    assert (cancelled["userErrors"], cancelled["order"]["status"]) == ([], "CANCELLED")
    after = (await desk.listed(Role.MANAGER, "APPROVED"))["data"]["approvalRequests"]
    assert after[0]["consumedAt"] is not None

    other = await desk.order("PICKED", "SHIPPED")
    assert errors(await desk.cancel(other, approval_id)) == [("APPROVAL_REQUIRED", ["input", "approvalId"])]
    assert await desk.status_of(other) == "SHIPPED"


async def test_a_used_approval_does_not_allow_a_second_action_on_the_same_subject(desk: Desk) -> None:
    order = await desk.order("PICKED", "SHIPPED", "DELIVERED", tees=2)
    await desk.age(order, 31)
    approval_id = await desk.granted("RETURN_OUTSIDE_WINDOW", order["id"])
    first = await desk.return_units(order, approval_id)
    assert first["userErrors"] == []
    assert first["returnRequest"]["approval"] == {"id": approval_id}
    second = await desk.return_units(order, approval_id)  # one more unit is still returnable
    assert codes(second) == ["APPROVAL_REQUIRED"]


async def test_a_refused_action_does_not_use_up_the_approval(desk: Desk) -> None:
    order = await desk.order("PICKED", "SHIPPED", "DELIVERED")
    await desk.age(order, 31)
    approval_id = await desk.granted("RETURN_OUTSIDE_WINDOW", order["id"])
    too_many = await desk.return_units(order, approval_id, units=2)
    assert codes(too_many) == ["RETURN_NOT_ELIGIBLE"]
    assert (await desk.return_units(order, approval_id))["userErrors"] == []


async def test_an_approval_for_one_order_is_useless_on_another(desk: Desk) -> None:
    mine, other = await desk.order("PICKED", "SHIPPED"), await desk.order("PICKED", "SHIPPED")
    approval_id = await desk.granted("ORDER_CANCEL_AFTER_SHIPMENT", mine["id"])
    assert codes(await desk.cancel(other, approval_id)) == ["APPROVAL_REQUIRED"]
    assert await desk.status_of(other) == "SHIPPED"
    assert (await desk.cancel(mine, approval_id))["order"]["status"] == "CANCELLED"  # still unused


async def test_an_approval_for_another_action_is_useless(desk: Desk) -> None:
    order = await desk.order("PICKED", "SHIPPED", "DELIVERED")
    approval_id = await desk.granted("RETURN_OUTSIDE_WINDOW", order["id"])
    assert codes(await desk.cancel(order, approval_id)) == ["APPROVAL_REQUIRED"]
    assert await desk.status_of(order) == "DELIVERED"


@pytest.mark.parametrize("decision", ["REJECT", None], ids=["rejected", "pending"])
async def test_an_approval_that_was_not_approved_is_useless(desk: Desk, decision: str | None) -> None:
    order = await desk.order("PICKED", "SHIPPED")
    approval_id = (await desk.ask("ORDER_CANCEL_AFTER_SHIPMENT", order["id"]))["approvalRequest"]["id"]
    if decision:
        assert (await desk.decide(approval_id, decision))["userErrors"] == []
    assert codes(await desk.cancel(order, approval_id)) == ["APPROVAL_REQUIRED"]
    assert await desk.status_of(order) == "SHIPPED"


async def test_an_unknown_approval_id_is_useless(desk: Desk) -> None:
    order = await desk.order("PICKED", "SHIPPED")
    assert codes(await desk.cancel(order, encode_id("ApprovalRequest", 999))) == ["APPROVAL_REQUIRED"]


# --- listing and audit ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
async def test_managers_and_admins_list_approvals_by_status(desk: Desk, role: Role) -> None:
    order = await desk.order()
    approved = await desk.granted("ORDER_CANCEL_AFTER_SHIPMENT", order["id"])
    rejected = await desk.granted("RETURN_OUTSIDE_WINDOW", order["id"], "REJECT")
    pending = (await desk.ask("RETURN_OUTSIDE_WINDOW", order["id"]))["approvalRequest"]["id"]
    everything = (await desk.listed(role))["data"]["approvalRequests"]
    assert [a["id"] for a in everything] == [pending, rejected, approved]  # newest first
    for status, expected in (("PENDING", pending), ("APPROVED", approved), ("REJECTED", rejected)):
        assert [a["id"] for a in (await desk.listed(role, status))["data"]["approvalRequests"]] == [expected]


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.FULFILLMENT, Role.MERCHANDISER, Role.CUSTOMER])
async def test_nobody_else_lists_approvals(desk: Desk, role: Role) -> None:
    order = await desk.order()
    await desk.ask("ORDER_CANCEL_AFTER_SHIPMENT", order["id"])
    body = await desk.listed(role)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["PERMISSION_DENIED"]


async def test_an_anonymous_caller_lists_no_approvals(client: GraphQLClient) -> None:
    body = await client.gql(APPROVALS, {})
    assert body["data"] is None and body["errors"]


async def test_request_decision_and_use_are_each_audited(desk: Desk) -> None:
    order = await desk.order("PICKED", "SHIPPED")
    approval_id = await desk.granted("ORDER_CANCEL_AFTER_SHIPMENT", order["id"])
    assert await desk.audit(approval_id) == [("approval.request", None, "PENDING", None),
                                             ("approval.decide", "PENDING", "APPROVED", None)]
    await desk.cancel(order, approval_id)
    key = decode_id(approval_id)[1]  # type: ignore[index]
    assert (await desk.audit(approval_id))[-1] == ("approval.consume", None, None, key)
    async with desk.client.db.read() as conn:
        cancelled_with = await conn.scalar(
            select(AuditEvent.approval_id).where(AuditEvent.action == "order.cancelled"))
    assert cancelled_with == key


async def test_a_rejection_is_audited(desk: Desk) -> None:
    order = await desk.order()
    approval_id = await desk.granted("ORDER_CANCEL_AFTER_SHIPMENT", order["id"], "REJECT")
    assert (await desk.audit(approval_id))[-1] == ("approval.decide", "PENDING", "REJECTED", None)
