"""Inbound integration events, moved through the same policy path as staff actions: a warehouse
system's shipment events move fulfillments; payment gateways' settlement notices move payments."""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.domain import exceptions as rules
from app.domain.errors import DomainError, ErrorCode, Problem
from app.domain.exceptions import ExceptionKind, Finding
from app.domain.money import CENT, ZERO
from app.domain.states import CAPTURED_PAYMENTS, FulfillmentStatus, PaymentStatus
from app.ids import decode_int_id
from app.integrations.payments import Gateways
from app.services.exceptions import open_exception
from app.services.fulfillments import locked_fulfillment, move_fulfillment
from app.services.orders import move_payment, order_for_change, refundable, sync_order_status
from app.services.unit_of_work import UnitOfWork
from models import Fulfillment, InboundWebhook, Payment


class AlreadyProcessed(Exception):
    """This webhook id was handled before: acknowledge it and change nothing."""


class ReferenceMismatch(DomainError):
    """A notice or event naming a payment or fulfillment we do not have, or an amount that does not
    fit its payment: refused like any DomainError (422, nothing applied), and recorded as an
    INTEGRATION_REFERENCE_MISMATCH exception."""

    def __init__(self, problem: Problem, *, subject_type: str, subject_id: int | None = None,
                 reference: str = "") -> None:
        super().__init__(problem)
        self.subject_type, self.subject_id, self.reference = subject_type, subject_id, reference

    def about(self, subject_type: str, subject_id: int, reference: str) -> "ReferenceMismatch":
        return ReferenceMismatch(self.problems[0], subject_type=subject_type, subject_id=subject_id,
                                 reference=reference)

    def finding(self, system: str, event_type: str | None) -> Finding:
        return Finding(ExceptionKind.INTEGRATION_REFERENCE_MISMATCH,
                       rules.reference_mismatch(source=system, event_type=event_type, reference=self.reference,
                                                message=str(self)),
                       self.subject_type, self.subject_id, rules.clean(self.reference, 240))


async def record_inbound(uow: UnitOfWork, source: str, webhook_id: str) -> None:
    if await uow.session.scalar(select(InboundWebhook.id).where(InboundWebhook.source == source,
                                                                InboundWebhook.webhook_id == webhook_id)):
        raise AlreadyProcessed()
    try:
        uow.session.add(InboundWebhook(source=source, webhook_id=webhook_id, received_at=uow.now))
        await uow.session.flush()
    except IntegrityError as exc:
        raise AlreadyProcessed() from exc


def _field(event: dict[str, Any], name: str, kind: type = str) -> Any:
    value = event.get(name)
    if not isinstance(value, kind) or (isinstance(value, str) and (not value or len(value) > 200)):
        raise DomainError.of(ErrorCode.INVALID, f"'{name}' is missing or malformed.", name)
    return value


async def apply_warehouse_event(*, uow: UnitOfWork, webhook_id: str, event: dict[str, Any],
                                gateways: Gateways) -> Fulfillment:
    """{"fulfillmentId": <global id>, "status": "SHIPPED", "carrier": ..., "trackingNumber": ...}"""
    await record_inbound(uow, "warehouse", webhook_id)
    named = _field(event, "fulfillmentId")
    fulfillment_id = decode_int_id(named, "Fulfillment")
    try:
        status = FulfillmentStatus(_field(event, "status"))
    except ValueError as exc:
        raise DomainError.of(ErrorCode.INVALID, "'status' is not a fulfillment status.", "status") from exc
    fulfillment = await locked_fulfillment(uow, fulfillment_id) if fulfillment_id else None
    if fulfillment is None:
        raise ReferenceMismatch(Problem(ErrorCode.NOT_FOUND, "That fulfillment does not exist.", ("fulfillmentId",)),
                                subject_type="Fulfillment", reference=named)
    carrier, tracking = event.get("carrier"), event.get("trackingNumber")
    return await move_fulfillment(uow, fulfillment, status,
                                  carrier=carrier[:100] if isinstance(carrier, str) else None,
                                  tracking_number=tracking[:100] if isinstance(tracking, str) else None,
                                  gateways=gateways, source="warehouse")


NOTICES = {"payment.captured": PaymentStatus.CAPTURED, "payment.voided": PaymentStatus.VOIDED,
           "payment.failed": PaymentStatus.FAILED, "payment.refunded": PaymentStatus.REFUNDED}
# ASCII digits, at most two decimals, bounded: no signs, exponents, NaN, Infinity, "1_0" or other scripts' digits.
AMOUNT_RE = re.compile(r"[0-9]{1,15}(\.[0-9]{1,2})?", re.ASCII)


def notice_amount(event: dict[str, Any], *, most: Decimal, currency: str) -> Decimal | None:
    """The notice's amount validated like any input: a decimal string (or integer) of ASCII digits in
    whole cents, above zero, at most `most`, and stated in the payment's currency. None when the
    notice names no amount."""
    raw = event.get("amount")
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int) or not AMOUNT_RE.fullmatch(str(raw)):
        raise DomainError.of(ErrorCode.INVALID, "'amount' must be a decimal string in whole cents such as "
                                                "\"12.50\".", "amount")
    try:
        amount = Decimal(str(raw))
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits decimals only
        raise DomainError.of(ErrorCode.INVALID, "'amount' is not a decimal number.", "amount") from exc
    if amount <= ZERO:
        raise DomainError.of(ErrorCode.INVALID, "'amount' must be an amount above zero.", "amount")
    if event.get("currency") != currency:
        raise ReferenceMismatch(Problem(ErrorCode.INVALID, f"'currency' must be the payment's currency, {currency}.",
                                        ("currency",)), subject_type="Payment")
    if amount > most:  # checked first: a huge exponent is refused before any arithmetic on it
        raise ReferenceMismatch(Problem(ErrorCode.INVALID, f"'amount' {str(raw)[:20]} is more than the {most} "
                                                           f"{currency} this notice may move on the payment.",
                                        ("amount",)), subject_type="Payment")
    return amount.quantize(CENT)


async def apply_payment_notice(*, uow: UnitOfWork, gateway: str, webhook_id: str, event: dict[str, Any]) -> Payment:
    """{"type": "payment.captured" | "payment.refunded" | "payment.voided" | "payment.failed",
    "reference": <gateway reference>, "amount": "12.50", "currency": "USD"} (amount and currency:
    captures and refunds; without them a capture takes the authorized amount and a refund what is
    left). A notice that does not fit the payment is refused and changes nothing."""
    await record_inbound(uow, f"payments:{gateway}", webhook_id)
    kind = _field(event, "type")
    if kind not in NOTICES:
        raise DomainError.of(ErrorCode.INVALID, f"Unknown notice type {kind}.", "type")
    reference = _field(event, "reference")
    payment_id, order_id = (await uow.session.execute(select(Payment.id, Payment.order_id).where(
        Payment.gateway == gateway, Payment.reference == reference))).first() or (None, None)
    if payment_id is None:
        raise ReferenceMismatch(Problem(ErrorCode.NOT_FOUND, "No payment with that reference.", ("reference",)),
                                subject_type="Payment", reference=f"{gateway}:{reference}")
    order = await order_for_change(uow, order_id)  # the order first, as every writer does
    payment = await uow.session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
    to = NOTICES[kind]
    data: dict[str, object] = {"notice": webhook_id}
    try:
        to = _settle(payment, event, kind, to, data)
    except ReferenceMismatch as mismatch:
        raise mismatch.about("Payment", payment.id, f"{gateway}:{reference}") from None
    move_payment(uow, order, payment, to, data)
    await sync_order_status(uow, order)
    await uow.commit(payment)
    return payment


def _settle(payment: Payment, event: dict[str, Any], kind: str, to: PaymentStatus,
            data: dict[str, object]) -> PaymentStatus:
    """Apply the notice's amounts to the payment row; the status it moves to."""
    if to == PaymentStatus.CAPTURED:
        amount = notice_amount(event, most=payment.amount, currency=payment.currency)
        payment.captured_amount = payment.amount if amount is None else amount
        data["amount"] = str(payment.captured_amount)
    elif to == PaymentStatus.REFUNDED:
        if payment.status not in CAPTURED_PAYMENTS:
            raise DomainError.of(ErrorCode.INVALID_TRANSITION, "Only a captured payment can be refunded.", "type")
        left = refundable(payment)
        amount = notice_amount(event, most=left, currency=payment.currency)
        amount = left if amount is None else amount
        payment.refunded_amount += amount
        if payment.refunded_amount < payment.captured_amount:
            to = PaymentStatus.PARTIALLY_REFUNDED
        data["amount"] = str(amount)
    elif event.get("amount") is not None:
        raise DomainError.of(ErrorCode.INVALID, f"A {kind} notice carries no amount.", "amount")
    return to


async def record_refusal(uow: UnitOfWork, *, system: str, webhook_id: str, event: object,
                         refusal: DomainError) -> None:
    """Keep a refused notice in the audit trail (never applied): what came, from where, and why;
    one that names an unknown payment or fulfillment or a mismatching amount also opens an
    INTEGRATION_REFERENCE_MISMATCH exception (one open per subject named)."""
    summary = {k: str(v)[:200] for k, v in event.items() if k in NOTICE_FIELDS} if isinstance(event, dict) else {}
    uow.audit(action="integration.notice_refused", subject_type="Integration", subject_id=system,
              data={"webhookId": webhook_id, "event": summary,
                    "problems": [{"code": p.code, "message": p.message} for p in refusal.problems]})
    if isinstance(refusal, ReferenceMismatch):
        await open_exception(uow, refusal.finding(system, summary.get("type") or summary.get("status")))
    await uow.commit()


NOTICE_FIELDS = frozenset({"type", "reference", "amount", "currency", "fulfillmentId", "status"})
