"""Returns: request (eligibility and window), approve or reject, receive (restock where it shipped
from), refund through the Payments port (above the limit only with a manager's approval)."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, update

from app.domain.errors import DomainError, ErrorCode
from app.domain.money import ZERO
from app.domain.refunds import line_refund, shipping_left
from app.domain.states import RETURN_TRANSITIONS, ApprovalStatus, FulfillmentStatus, ReturnStatus, transition
from app.domain.validation import Checker
from app.integrations.payments import Gateways
from app.policy import returns as policy
from app.policy.order_lifecycle import OrderStatus
from app.policy.permissions import Permission
from app.services.approvals import consume_approval
from app.services.common import enforce, require
from app.services.orders import order_for_change, order_for_viewer, refund_payment
from app.services.unit_of_work import UnitOfWork
from models import ApprovalRequest, Fulfillment, FulfillmentLine, OrderLine, ReturnLine, ReturnRequest, Stock


@dataclass(frozen=True, slots=True)
class ReturnItem:
    order_line_id: int
    quantity: int
    reason: str | None = None


async def _delivered(uow: UnitOfWork, order_id: int) -> dict[int, int]:
    rows = (await uow.session.execute(
        select(FulfillmentLine.order_line_id, func.sum(FulfillmentLine.quantity))
        .join(Fulfillment, Fulfillment.id == FulfillmentLine.fulfillment_id)
        .where(Fulfillment.order_id == order_id, Fulfillment.status == FulfillmentStatus.DELIVERED)
        .group_by(FulfillmentLine.order_line_id))).all()
    return {line: int(q) for line, q in rows}


async def _already_returned(uow: UnitOfWork, order_id: int) -> dict[int, int]:
    rows = (await uow.session.execute(
        select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity))
        .join(ReturnRequest, ReturnRequest.id == ReturnLine.return_request_id)
        .where(ReturnRequest.order_id == order_id, ReturnRequest.rejected_at.is_(None))
        .group_by(ReturnLine.order_line_id))).all()
    return {line: int(q) for line, q in rows}


async def create_return(*, uow: UnitOfWork, order_id: int, reason: str, items: Sequence[ReturnItem],
                        approval_id: int | None, window_days: int) -> ReturnRequest:
    check = Checker()
    reason_ = check.text(reason, "reason", label="Reason", max_length=1000, required=True, multiline=True)
    check.items(items, "lines", label="line", required=True)
    for i, item in enumerate(items):
        at = check.at("lines", i)
        at.count(item.quantity, "quantity", label="Quantity", minimum=1, maximum=999)
        at.text(item.reason, "reason", label="Reason", max_length=1000, multiline=True)
    check.raise_if_any()
    order, viewer, is_owner = await order_for_viewer(uow, order_id)
    enforce(policy.may_request_return(viewer.roles, is_owner=is_owner))
    order_lines = set((await uow.session.execute(
        select(OrderLine.id).where(OrderLine.order_id == order.id))).scalars())
    unknown = [i for i, item in enumerate(items) if item.order_line_id not in order_lines]
    if unknown:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That line is not part of this order.",
                             "input", "lines", str(unknown[0]), "orderLineId")
    last_delivery = order.delivered_at or await uow.session.scalar(
        select(func.max(Fulfillment.delivered_at)).where(Fulfillment.order_id == order.id))
    window = policy.window_decision(OrderStatus(order.status), last_delivery, uow.now, window_days)
    used_approval = None
    if window.needs_approval is not None and approval_id is not None:
        used_approval = await consume_approval(uow, approval_id, action=window.needs_approval,
                                               subject_type="EcommerceOrder", subject_id=order.id,
                                               message=window.message)
    elif not window.allowed:
        enforce(window, "orderId")
    problems = policy.line_problems([(i.order_line_id, i.quantity) for i in items],
                                    delivered=await _delivered(uow, order.id),
                                    returned=await _already_returned(uow, order.id))
    if problems:
        raise DomainError(problems)
    request = ReturnRequest(order_id=order.id, status=ReturnStatus.REQUESTED, reason=reason_,
                            approval_id=used_approval, created_at=uow.now, updated_at=uow.now)
    uow.session.add(request)
    await uow.session.flush()
    uow.session.add_all(ReturnLine(return_request_id=request.id, order_line_id=i.order_line_id,
                                   quantity=i.quantity, reason=i.reason) for i in items)
    uow.audit(action="return.request", subject_type="ReturnRequest", subject_id=request.id,
              to_status=ReturnStatus.REQUESTED, approval_id=str(used_approval) if used_approval else None,
              data={"orderId": order.id, "lines": {str(i.order_line_id): i.quantity for i in items}})
    _emit(uow, request, None)
    await uow.commit(request)
    return request


def _emit(uow: UnitOfWork, request: ReturnRequest, previous: str | None) -> None:
    uow.emit(topic="return.status_changed", subject_type="EcommerceOrder", subject_id=request.order_id,
             payload={"orderId": request.order_id, "returnRequestId": request.id, "from": previous,
                      "to": request.status})


async def _move(uow: UnitOfWork, return_id: int, to: ReturnStatus, permission: Permission, note: str | None,
                approval_id: str | None = None, data: dict[str, object] | None = None) -> ReturnRequest:
    check = Checker()
    note_ = check.text(note, "note", label="Note", max_length=1000, multiline=True)
    check.raise_if_any()
    require(uow.actor, permission)
    request = await uow.session.get(ReturnRequest, return_id, with_for_update=True, populate_existing=True)
    if request is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That return request does not exist.", "input", "returnRequestId")
    current = ReturnStatus(request.status)
    request.status = transition(RETURN_TRANSITIONS, current, to, subject="return request")
    request.updated_at = uow.now
    if note_:
        request.note = note_
    uow.audit(action=f"return.{to.lower()}", subject_type="ReturnRequest", subject_id=request.id,
              from_status=current, to_status=to, approval_id=approval_id, data={"note": note_, **(data or {})})
    _emit(uow, request, current)
    return request


async def approve_return(*, uow: UnitOfWork, return_id: int, note: str | None) -> ReturnRequest:
    request = await _move(uow, return_id, ReturnStatus.APPROVED, Permission.DECIDE_RETURN, note)
    await uow.commit(request)
    return request


async def reject_return(*, uow: UnitOfWork, return_id: int, note: str | None) -> ReturnRequest:
    request = await _move(uow, return_id, ReturnStatus.REJECTED, Permission.DECIDE_RETURN, note)
    request.rejected_at = uow.now
    await uow.commit(request)
    return request


async def receive_return(*, uow: UnitOfWork, return_id: int, note: str | None) -> ReturnRequest:
    """Units come back on hand in the warehouse that shipped them."""
    request = await _move(uow, return_id, ReturnStatus.RECEIVED, Permission.MANAGE_FULFILLMENT, note)
    request.received_at = uow.now
    shipped_from = dict((await uow.session.execute(
        select(FulfillmentLine.order_line_id, func.min(Fulfillment.warehouse_id))
        .join(Fulfillment, Fulfillment.id == FulfillmentLine.fulfillment_id)
        .where(Fulfillment.order_id == request.order_id, Fulfillment.status == FulfillmentStatus.DELIVERED)
        .group_by(FulfillmentLine.order_line_id))).all())
    for line, quantity in (await uow.session.execute(
            select(OrderLine, ReturnLine.quantity).join(ReturnLine, ReturnLine.order_line_id == OrderLine.id)
            .where(ReturnLine.return_request_id == request.id))).all():
        if line.variant_id is None:
            continue
        restocked = await uow.session.execute(
            update(Stock).where(Stock.variant_id == line.variant_id, Stock.warehouse_id == shipped_from[line.id])
            .values(on_hand=Stock.on_hand + quantity).execution_options(synchronize_session=False))
        if restocked.rowcount != 1:
            uow.session.add(Stock(variant_id=line.variant_id, warehouse_id=shipped_from[line.id],
                                  on_hand=quantity, allocated=0))
    await uow.commit(request)
    return request


async def _refund_of_lines(uow: UnitOfWork, request: ReturnRequest) -> Decimal:
    """What was paid for the returned units (app/domain/refunds.py), given the units of each line
    that earlier refunds of the order gave back already."""
    earlier = dict((await uow.session.execute(
        select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity))
        .join(ReturnRequest, ReturnRequest.id == ReturnLine.return_request_id)
        .where(ReturnRequest.order_id == request.order_id, ReturnRequest.id != request.id,
               ReturnRequest.refund_amount.is_not(None))
        .group_by(ReturnLine.order_line_id))).all())
    amount = ZERO
    for line, quantity in (await uow.session.execute(
            select(OrderLine, ReturnLine.quantity).join(ReturnLine, ReturnLine.order_line_id == OrderLine.id)
            .where(ReturnLine.return_request_id == request.id).order_by(ReturnLine.id))).all():
        amount += line_refund(paid=line.total - line.discount, quantity=line.quantity,
                              refunded_units=int(earlier.get(line.id, 0)), returning=quantity)
        earlier[line.id] = int(earlier.get(line.id, 0)) + quantity
    return amount


async def refund_return(*, uow: UnitOfWork, return_id: int, note: str | None, approval_id: int | None,
                        limit: Decimal, gateways: Gateways, refund_shipping: bool = False) -> ReturnRequest:
    """Refund what was paid for the returned units; shipping only when asked for explicitly. Above
    the limit, or with shipping, an approved REFUND_ABOVE_LIMIT for this return is consumed (the one
    named, or the one on file). Never more than the payment has captured and not refunded."""
    require(uow.actor, Permission.DECIDE_RETURN)
    request = await uow.session.get(ReturnRequest, return_id, with_for_update=True, populate_existing=True)
    if request is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That return request does not exist.", "input", "returnRequestId")
    # The move is checked before any approval is spent on it.
    transition(RETURN_TRANSITIONS, ReturnStatus(request.status), ReturnStatus.REFUNDED, subject="return request")
    order = await order_for_change(uow, request.order_id)
    amount = await _refund_of_lines(uow, request)
    shipping = shipping_left(shipping=order.shipping, shipping_discount=order.shipping_discount,
                             shipping_refunded=order.shipping_refunded) if refund_shipping else ZERO
    if refund_shipping and shipping == ZERO:
        raise DomainError.of(ErrorCode.INVALID, "No shipping paid for this order is left to refund.",
                             "input", "refundShipping")
    decision = policy.refund_decision(amount + shipping, limit, with_shipping=refund_shipping)
    used = None
    if decision.needs_approval is not None:
        if approval_id is None:
            approval_id = await uow.session.scalar(select(ApprovalRequest.id).where(
                ApprovalRequest.action == decision.needs_approval, ApprovalRequest.subject_type == "ReturnRequest",
                ApprovalRequest.subject_id == request.id, ApprovalRequest.status == ApprovalStatus.APPROVED,
                ApprovalRequest.consumed_at.is_(None)).order_by(ApprovalRequest.id).limit(1))
        used = await consume_approval(uow, approval_id, action=decision.needs_approval,
                                      subject_type="ReturnRequest", subject_id=request.id, message=decision.message)
    request = await _move(uow, return_id, ReturnStatus.REFUNDED, Permission.DECIDE_RETURN, note,
                          approval_id=str(used) if used else None,
                          data={"lines": str(amount), "shipping": str(shipping)})
    request.refund_amount = await refund_payment(uow, order, gateways, amount + shipping)
    if shipping > ZERO:
        request.refund_shipping = shipping
        order.shipping_refunded += shipping
    await uow.commit(request)
    return request
