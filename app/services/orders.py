"""The order lifecycle after checkout: status derived from fulfillments, payment moves through
the Payments port, cancellation, and completion once the return window has closed."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.auth import Viewer
from app.domain.errors import DomainError, ErrorCode
from app.domain.money import ZERO
from app.domain.refunds import shipping_left
from app.domain.states import (
    CAPTURED_PAYMENTS,
    FULFILLMENT_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    FulfillmentStatus,
    PaymentStatus,
    transition,
)
from app.domain.validation import Checker
from app.integrations.payments import Gateways
from app.policy.order_lifecycle import (
    AWAITS_COMPLETION,
    OPEN_FULFILLMENTS,
    OPEN_RETURNS,
    ORDER_TRANSITIONS,
    OrderStatus,
    derived_status,
    forward_path,
    may_cancel,
)
from app.services.allocation import release
from app.services.approvals import consume_approval
from app.services.common import enforce
from app.services.unit_of_work import UnitOfWork
from models import Allocation, EcommerceOrder, Fulfillment, FulfillmentLine, OrderLine, Payment, ReturnRequest


async def order_for_change(uow: UnitOfWork, order_id: int, field: str = "orderId") -> EcommerceOrder:
    order = await uow.session.get(EcommerceOrder, order_id, with_for_update=True, populate_existing=True)
    if order is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That order does not exist.", "input", field)
    return order


async def order_for_viewer(uow: UnitOfWork, order_id: int) -> tuple[EcommerceOrder, Viewer, bool]:
    """The order locked for change, its viewer, and whether the viewer is its customer. Nobody but
    its customer and staff gets further (PERMISSION_DENIED)."""
    viewer = uow.actor.viewer
    if viewer is None:
        raise DomainError.of(ErrorCode.PERMISSION_DENIED, "Sign in to do this.")
    order = await order_for_change(uow, order_id)
    is_owner = viewer.customer_id is not None and viewer.customer_id == order.customer_id
    if not is_owner and not viewer.is_staff:
        raise DomainError.of(ErrorCode.PERMISSION_DENIED, "This order belongs to another customer.",
                             "input", "orderId")
    return order, viewer, is_owner


def move_order(uow: UnitOfWork, order: EcommerceOrder, to: OrderStatus, *, approval_id: str | None = None,
               data: dict[str, object] | None = None) -> None:
    current = OrderStatus(order.status)
    order.status = transition(ORDER_TRANSITIONS, current, to, subject="order")
    order.updated_at = uow.now
    if to == OrderStatus.DELIVERED:
        order.delivered_at = uow.now
    uow.audit(action=f"order.{to.lower()}", subject_type="EcommerceOrder", subject_id=order.id,
              from_status=current, to_status=to, approval_id=approval_id, data=data)
    uow.emit(topic="order.status_changed", subject_type="EcommerceOrder", subject_id=order.id,
             payload={"orderId": order.id, "from": current, "to": to, "at": uow.now})


async def sync_order_status(uow: UnitOfWork, order: EcommerceOrder) -> None:
    """Derive the order's status from its fulfillments, in this transaction, one audited step at a time."""
    session = uow.session
    quantities = dict((await session.execute(
        select(OrderLine.id, OrderLine.quantity).where(OrderLine.order_id == order.id))).all())
    fulfilled = (await session.execute(
        select(Fulfillment.status, FulfillmentLine.order_line_id, FulfillmentLine.quantity)
        .join(FulfillmentLine, FulfillmentLine.fulfillment_id == Fulfillment.id)
        .where(Fulfillment.order_id == order.id, Fulfillment.status != FulfillmentStatus.CANCELLED))).all()
    target = derived_status(OrderStatus(order.status), line_quantities=quantities, fulfilled=fulfilled)
    for step in forward_path(OrderStatus(order.status), target):
        move_order(uow, order, step)


def move_payment(uow: UnitOfWork, order: EcommerceOrder, payment: Payment, to: PaymentStatus,
                 data: dict[str, object]) -> None:
    current = PaymentStatus(payment.status)
    payment.status = transition(PAYMENT_TRANSITIONS, current, to, subject="payment")
    payment.updated_at = uow.now
    order.payment_status = to
    uow.audit(action=f"payment.{to.lower()}", subject_type="Payment", subject_id=payment.id,
              from_status=current, to_status=to, data={"orderId": order.id, **data})
    uow.emit(topic="payment.status_changed", subject_type="EcommerceOrder", subject_id=order.id,
             payload={"orderId": order.id, "paymentId": payment.id, "from": current, "to": to})


async def current_payment(uow: UnitOfWork, order: EcommerceOrder, *, lock: bool = False) -> Payment | None:
    stmt = select(Payment).where(Payment.order_id == order.id).order_by(Payment.id.desc()).limit(1)
    if lock:  # after the order's lock, as every writer takes them
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await uow.session.scalar(stmt)


async def capture_payment(uow: UnitOfWork, order: EcommerceOrder, gateways: Gateways) -> None:
    """Settlement at the first shipment: capture the authorized amount through the Payments port."""
    payment = await current_payment(uow, order)
    if payment is not None and payment.status in CAPTURED_PAYMENTS:
        return  # captured at an earlier shipment
    if payment is None or payment.status != PaymentStatus.AUTHORIZED:
        state = payment.status.lower() if payment else "missing"
        raise DomainError.of(ErrorCode.INVALID_TRANSITION,
                             f"The order's payment is {state}: nothing ships without an authorized payment.")
    gateway = gateways.get(payment.gateway)
    result = await gateway.capture(reference=payment.reference or "", amount=payment.amount,
                                   currency=payment.currency) if gateway else None
    if result is None or not result.ok:
        raise DomainError.of(ErrorCode.INVALID, "The payment could not be captured; the shipment was not recorded.")
    payment.captured_amount = payment.amount
    move_payment(uow, order, payment, PaymentStatus.CAPTURED, {"amount": str(payment.amount)})


def refundable(payment: Payment) -> Decimal:
    """Captured and not refunded yet: the most any refund may give back."""
    return max(ZERO, payment.captured_amount - payment.refunded_amount)


async def refund_payment(uow: UnitOfWork, order: EcommerceOrder, gateways: Gateways, amount: Decimal) -> Decimal:
    """Give back `amount` through the Payments port; PARTIALLY_REFUNDED or REFUNDED. The one place
    money goes back: never more than captured minus refunded (refused, never trimmed silently)."""
    payment = await current_payment(uow, order, lock=True)
    if payment is None or payment.status not in CAPTURED_PAYMENTS:
        raise DomainError.of(ErrorCode.INVALID_TRANSITION, "There is no captured payment to refund.")
    if not amount.is_finite() or amount < ZERO:
        raise DomainError.of(ErrorCode.INVALID, "A refund must be a positive amount.")
    if amount > refundable(payment):
        raise DomainError.of(ErrorCode.INVALID, f"Only {refundable(payment)} {payment.currency} of this payment is "
                                                f"captured and not refunded; {amount} cannot be refunded.")
    if amount == ZERO:
        return ZERO
    gateway = gateways.get(payment.gateway)
    result = await gateway.refund(reference=payment.reference or "", amount=amount,
                                  currency=payment.currency) if gateway else None
    if result is None or not result.ok:
        raise DomainError.of(ErrorCode.INVALID, "The refund was refused by the payment gateway.")
    payment.refunded_amount += amount
    full = payment.refunded_amount >= payment.captured_amount
    move_payment(uow, order, payment, PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED,
                 {"amount": str(amount)})
    return amount


async def cancel_order(*, uow: UnitOfWork, order_id: int, reason: str, approval_id: int | None,
                       gateways: Gateways) -> EcommerceOrder:
    check = Checker()
    reason_ = check.text(reason, "reason", label="Reason", max_length=1000, required=True, multiline=True)
    check.raise_if_any()
    order, viewer, is_owner = await order_for_viewer(uow, order_id)
    started = bool(await uow.session.scalar(select(func.count()).where(Fulfillment.order_id == order.id)))
    decision = may_cancel(OrderStatus(order.status), roles=viewer.roles, is_owner=is_owner,
                          fulfillment_started=started)
    used_approval = None
    if decision.needs_approval is not None:
        used_approval = await consume_approval(uow, approval_id, action=decision.needs_approval,
                                               subject_type="EcommerceOrder", subject_id=order.id,
                                               message=decision.message)
    else:
        enforce(decision)
    await _cancel_open_fulfillments(uow, order)
    for allocation in (await uow.session.execute(
            select(Allocation).where(Allocation.order_id == order.id, Allocation.quantity > 0))).scalars():
        await release(uow.session, allocation.stock_id, allocation.quantity)
        allocation.quantity = 0
    payment = await current_payment(uow, order)
    if payment is not None and payment.status == PaymentStatus.AUTHORIZED:
        gateway = gateways.get(payment.gateway)
        if gateway is not None:
            await gateway.void(reference=payment.reference or "")
        move_payment(uow, order, payment, PaymentStatus.VOIDED, {})
    elif payment is not None and payment.status in CAPTURED_PAYMENTS:
        # Everything captured and not refunded goes back, the shipping paid included.
        order.shipping_refunded += shipping_left(shipping=order.shipping, shipping_discount=order.shipping_discount,
                                                 shipping_refunded=order.shipping_refunded)
        await refund_payment(uow, order, gateways, refundable(payment))
    move_order(uow, order, OrderStatus.CANCELLED,
               approval_id=str(used_approval) if used_approval else None, data={"reason": reason_})
    await uow.commit(order)
    return order


async def _cancel_open_fulfillments(uow: UnitOfWork, order: EcommerceOrder) -> None:
    for fulfillment in (await uow.session.execute(select(Fulfillment).where(
            Fulfillment.order_id == order.id,
            Fulfillment.status.in_(OPEN_FULFILLMENTS)))).scalars():
        current = FulfillmentStatus(fulfillment.status)
        fulfillment.status = transition(FULFILLMENT_TRANSITIONS, current, FulfillmentStatus.CANCELLED,
                                        subject="fulfillment")
        uow.audit(action="fulfillment.cancelled", subject_type="Fulfillment", subject_id=fulfillment.id,
                  from_status=current, to_status=FulfillmentStatus.CANCELLED)


async def complete_orders(*, uow: UnitOfWork, window_days: int, limit: int = 500) -> int:
    """DELIVERED orders whose return window has closed with no open return become COMPLETED
    (swept in the background and by `commerce sweep`; each move audited)."""
    closed_before = uow.now - timedelta(days=window_days)
    open_return = select(ReturnRequest.id).where(ReturnRequest.order_id == EcommerceOrder.id,
                                                 ReturnRequest.status.in_(OPEN_RETURNS)).exists()
    orders = (await uow.session.execute(
        select(EcommerceOrder).where(EcommerceOrder.status == AWAITS_COMPLETION,
                                     EcommerceOrder.delivered_at < closed_before, ~open_return)
        .order_by(EcommerceOrder.id).limit(limit).with_for_update(skip_locked=True))).scalars().all()
    for order in orders:
        move_order(uow, order, OrderStatus.COMPLETED, data={"returnWindowDays": window_days})
    await uow.commit()
    return len(orders)
