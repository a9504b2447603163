"""Checkout completion: a cart becomes an order exactly once,
priced right, with stock that really exists, in one transaction.

claim the idempotency key (done by the caller's unit of work) -> lock the cart -> mandatory data
and availability -> re-price (the promo must still apply) -> allocate with conditional updates ->
count campaign usage atomically -> authorize the payment -> create the order with a snapshot ->
convert the cart -> audit and outbox. Any refusal rolls all of it back.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, update

from app.domain.errors import DomainError, ErrorCode, Problem
from app.domain.money import ZERO
from app.domain.states import CART_TRANSITIONS, PAYMENT_TRANSITIONS, CartStatus, PaymentStatus, transition
from app.domain.validation import Checker
from app.integrations.payments import Gateways
from app.policy.order_lifecycle import ORDER_TRANSITIONS, OrderStatus
from app.services.allocation import allocate
from app.services.cart_view import CartView
from app.services.carts import cart_for_change, refresh
from app.services.unit_of_work import UnitOfWork
from models import Allocation, Campaign, DeliveryMethod, EcommerceOrder, OrderLine, Payment


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    gateway: str
    token: str


def _refuse_on_problems(view: CartView) -> None:
    # Stock is re-checked by allocation itself; the rest must hold before anything is written.
    blocking = [p for p in view.problems if p.code != ErrorCode.OUT_OF_STOCK]
    if blocking:
        raise DomainError([Problem(p.code, p.message, ("input", *(p.field or ()))) for p in blocking])


async def complete_checkout(*, uow: UnitOfWork, cart_id: str, payment: PaymentRequest, gateways: Gateways,
                            currency: str, abandon_after: timedelta) -> EcommerceOrder:
    check = Checker()
    gateway_name = check.text(payment.gateway, "gateway", label="Gateway", max_length=32, required=True)
    token = check.text(payment.token, "token", label="Payment token", max_length=500, required=True)
    check.raise_if_any()
    gateway = gateways.get(gateway_name or "")
    if gateway is None:
        raise DomainError.of(ErrorCode.INVALID, f"No payment gateway named {gateway_name}.",
                             "input", "payment", "gateway")
    session = uow.session
    cart = await cart_for_change(uow, cart_id, abandon_after=abandon_after)
    view = await refresh(uow, cart, abandon_after=abandon_after)
    _refuse_on_problems(view)

    order = EcommerceOrder(
        number=f"~{cart.id[:30]}", cart_id=cart.id, customer_id=cart.customer_id, channel_id=cart.channel_id,
        campaign_id=view.attributed_campaign_id, status=OrderStatus.PLACED, payment_status=PaymentStatus.PENDING,
        email=cart.email, shipping_address=cart.shipping_address, delivery_method_id=cart.delivery_method_id,
        delivery_method_name=(await session.get(DeliveryMethod, cart.delivery_method_id)).name,  # type: ignore[union-attr]
        currency=currency, subtotal=view.quote.subtotal, discount=view.quote.discount,
        shipping=view.quote.shipping, shipping_discount=view.quote.shipping_discount,
        total=view.quote.total, created_at=uow.now, updated_at=uow.now)
    session.add(order)
    await session.flush()
    order.number = f"CG-{order.id:06d}"

    shortages: list[Problem] = []
    for i, line in sorted(enumerate(view.lines), key=lambda item: item[1].variant_id):
        order_line = OrderLine(order_id=order.id, variant_id=line.variant_id, product_id=line.product_id,
                               product_name=line.product_name, variant_name=line.variant_name, sku=line.sku,
                               quantity=line.quantity, unit_price=line.unit_price, total=line.total,
                               discount=view.quote.line_discounts.get(line.id, ZERO))
        session.add(order_line)
        await session.flush()
        taken = await allocate(session, variant_id=line.variant_id, quantity=line.quantity)
        if taken is None:
            shortages.append(Problem(ErrorCode.OUT_OF_STOCK, f"Not enough left of {line.label}.",
                                     ("input", "lines", str(i))))
            continue
        session.add_all(Allocation(order_id=order.id, order_line_id=order_line.id, stock_id=t.stock_id,
                                   warehouse_id=t.warehouse_id, quantity=t.quantity) for t in taken)
    if shortages:
        raise DomainError(sorted(shortages, key=lambda p: p.field or ()))

    if view.quote.campaign_id is not None:
        counted = await session.execute(
            update(Campaign).where(Campaign.id == view.quote.campaign_id,
                                   or_(Campaign.usage_limit.is_(None), Campaign.times_used < Campaign.usage_limit))
            .values(times_used=Campaign.times_used + 1).execution_options(synchronize_session=False))
        if counted.rowcount != 1:
            raise DomainError.of(ErrorCode.PROMO_NOT_APPLICABLE, "This promotion has just been fully used.",
                                 "input", "promoCode")

    result = await gateway.authorize(token=token or "", amount=order.total, currency=currency)
    if not result.ok:
        raise DomainError.of(ErrorCode.PAYMENT_DECLINED, result.message or "The payment was declined.",
                             "input", "payment")
    payment_row = Payment(order_id=order.id, gateway=gateway.name, reference=result.reference,
                          status=transition(PAYMENT_TRANSITIONS, PaymentStatus.PENDING, PaymentStatus.AUTHORIZED,
                                            subject="payment"),
                          amount=order.total, currency=currency, created_at=uow.now, updated_at=uow.now)
    session.add(payment_row)
    order.payment_status = PaymentStatus.AUTHORIZED
    order.status = transition(ORDER_TRANSITIONS, OrderStatus.PLACED, OrderStatus.CONFIRMED, subject="order")
    cart.status = transition(CART_TRANSITIONS, CartStatus.ACTIVE, CartStatus.CONVERTED, subject="cart")
    cart.converted_at = uow.now
    await session.flush()

    summary = {"number": order.number, "total": str(order.total), "lines": len(view.lines),
               "campaignId": order.campaign_id, "cartId": cart.id}
    uow.audit(action="order.place", subject_type="EcommerceOrder", subject_id=order.id,
              to_status=OrderStatus.PLACED, data=summary)
    uow.audit(action="payment.authorize", subject_type="Payment", subject_id=payment_row.id,
              from_status=PaymentStatus.PENDING, to_status=PaymentStatus.AUTHORIZED,
              data={"orderId": order.id, "amount": str(order.total), "gateway": gateway.name})
    uow.audit(action="order.confirm", subject_type="EcommerceOrder", subject_id=order.id,
              from_status=OrderStatus.PLACED, to_status=OrderStatus.CONFIRMED)
    uow.audit(action="cart.convert", subject_type="Cart", subject_id=cart.id,
              from_status=CartStatus.ACTIVE, to_status=CartStatus.CONVERTED, data={"orderId": order.id})
    # The audit trail names the cart; the event does not: a guest cart's id is its only credential.
    uow.emit(topic="order.created", subject_type="EcommerceOrder", subject_id=order.id,
             payload={key: value for key, value in summary.items() if key != "cartId"})
    uow.emit(topic="order.status_changed", subject_type="EcommerceOrder", subject_id=order.id,
             payload={"orderId": order.id, "from": OrderStatus.PLACED, "to": OrderStatus.CONFIRMED})
    await uow.commit(order)
    return order
