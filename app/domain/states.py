"""The status machines of the domain, one declarative table each, and the one guard.

Nothing else sets a status: services call `transition(...)`, which refuses any move the table
does not list with INVALID_TRANSITION. Effects of a move (audit, outbox, stock) are the caller's.
The order's machine lives whole in app/policy/order_lifecycle.py (its guard reads the role table).
Webhook deliveries have statuses but no table: the outbox relay creates them PENDING and only the
dispatcher moves them on.
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from app.domain.errors import DomainError, ErrorCode


class CampaignStatus(StrEnum):
    DRAFT = "DRAFT"
    SCHEDULED = "SCHEDULED"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    ENDED = "ENDED"


class CartStatus(StrEnum):
    ACTIVE = "ACTIVE"
    CONVERTED = "CONVERTED"
    ABANDONED = "ABANDONED"
    EXPIRED = "EXPIRED"


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    AUTHORIZED = "AUTHORIZED"
    CAPTURED = "CAPTURED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    VOIDED = "VOIDED"
    FAILED = "FAILED"


class FulfillmentStatus(StrEnum):
    PENDING = "PENDING"
    PICKED = "PICKED"
    SHIPPED = "SHIPPED"
    IN_TRANSIT = "IN_TRANSIT"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class ReturnStatus(StrEnum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    RECEIVED = "RECEIVED"
    REFUNDED = "REFUNDED"
    CLOSED = "CLOSED"


class ApprovalStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class ExceptionStatus(StrEnum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"


class WebhookDeliveryStatus(StrEnum):
    PENDING = "PENDING"
    RETRYING = "RETRYING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


class ProductStatus(StrEnum):
    DRAFT = "DRAFT"  # being prepared: never shown to shoppers, never sellable
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"  # retired: hidden from shoppers, not sellable; orders keep their lines


S = TypeVar("S", bound=StrEnum)
Transitions = Mapping[S, frozenset[S]]

CAMPAIGN_TRANSITIONS: Transitions[CampaignStatus] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.SCHEDULED, CampaignStatus.ACTIVE}),
    CampaignStatus.SCHEDULED: frozenset({CampaignStatus.ACTIVE, CampaignStatus.ENDED}),
    CampaignStatus.ACTIVE: frozenset({CampaignStatus.PAUSED, CampaignStatus.ENDED}),
    CampaignStatus.PAUSED: frozenset({CampaignStatus.ACTIVE, CampaignStatus.ENDED}),
    CampaignStatus.ENDED: frozenset(),
}

PRODUCT_TRANSITIONS: Transitions[ProductStatus] = {
    ProductStatus.DRAFT: frozenset({ProductStatus.ACTIVE, ProductStatus.ARCHIVED}),
    ProductStatus.ACTIVE: frozenset({ProductStatus.ARCHIVED}),
    ProductStatus.ARCHIVED: frozenset({ProductStatus.ACTIVE}),
}

CART_TRANSITIONS: Transitions[CartStatus] = {
    CartStatus.ACTIVE: frozenset({CartStatus.CONVERTED, CartStatus.ABANDONED, CartStatus.EXPIRED}),
    CartStatus.ABANDONED: frozenset({CartStatus.ACTIVE, CartStatus.CONVERTED, CartStatus.EXPIRED}),
    CartStatus.CONVERTED: frozenset(),
    CartStatus.EXPIRED: frozenset(),
}

PAYMENT_TRANSITIONS: Transitions[PaymentStatus] = {
    PaymentStatus.PENDING: frozenset({PaymentStatus.AUTHORIZED, PaymentStatus.FAILED}),
    PaymentStatus.AUTHORIZED: frozenset({PaymentStatus.CAPTURED, PaymentStatus.VOIDED}),
    PaymentStatus.CAPTURED: frozenset({PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}),
    PaymentStatus.PARTIALLY_REFUNDED: frozenset({PaymentStatus.PARTIALLY_REFUNDED,
                                                 PaymentStatus.REFUNDED}),
    PaymentStatus.REFUNDED: frozenset(),
    PaymentStatus.VOIDED: frozenset(),
    PaymentStatus.FAILED: frozenset(),
}
# Money captured and not all given back: what a refund (or a cancellation) draws on.
CAPTURED_PAYMENTS = frozenset({PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED})

FULFILLMENT_TRANSITIONS: Transitions[FulfillmentStatus] = {
    FulfillmentStatus.PENDING: frozenset({FulfillmentStatus.PICKED, FulfillmentStatus.CANCELLED}),
    FulfillmentStatus.PICKED: frozenset({FulfillmentStatus.SHIPPED, FulfillmentStatus.CANCELLED}),
    FulfillmentStatus.SHIPPED: frozenset({FulfillmentStatus.IN_TRANSIT, FulfillmentStatus.DELIVERED}),
    FulfillmentStatus.IN_TRANSIT: frozenset({FulfillmentStatus.DELIVERED}),
    FulfillmentStatus.DELIVERED: frozenset(),
    FulfillmentStatus.CANCELLED: frozenset(),
}

RETURN_TRANSITIONS: Transitions[ReturnStatus] = {
    ReturnStatus.REQUESTED: frozenset({ReturnStatus.APPROVED, ReturnStatus.REJECTED}),
    ReturnStatus.APPROVED: frozenset({ReturnStatus.RECEIVED}),
    ReturnStatus.RECEIVED: frozenset({ReturnStatus.REFUNDED}),
    ReturnStatus.REFUNDED: frozenset({ReturnStatus.CLOSED}),
    ReturnStatus.REJECTED: frozenset({ReturnStatus.CLOSED}),
    ReturnStatus.CLOSED: frozenset(),
}

APPROVAL_TRANSITIONS: Transitions[ApprovalStatus] = {
    ApprovalStatus.PENDING: frozenset({ApprovalStatus.APPROVED, ApprovalStatus.REJECTED}),
    ApprovalStatus.APPROVED: frozenset(),
    ApprovalStatus.REJECTED: frozenset(),
}

# The delivery worker moves PENDING and RETRYING deliveries after each attempt. FAILED -> PENDING
# is for the webhookDeliveryRetry mutation only (app/services/webhook_deliveries.py): the worker
# never picks up a FAILED delivery.
WEBHOOK_DELIVERY_TRANSITIONS: Transitions[WebhookDeliveryStatus] = {
    WebhookDeliveryStatus.PENDING: frozenset({WebhookDeliveryStatus.RETRYING, WebhookDeliveryStatus.DELIVERED,
                                              WebhookDeliveryStatus.FAILED}),
    WebhookDeliveryStatus.RETRYING: frozenset({WebhookDeliveryStatus.RETRYING, WebhookDeliveryStatus.DELIVERED,
                                               WebhookDeliveryStatus.FAILED}),
    WebhookDeliveryStatus.FAILED: frozenset({WebhookDeliveryStatus.PENDING}),
    WebhookDeliveryStatus.DELIVERED: frozenset(),
}


# Opened by a check; resolved once, by the sweep when its condition clears or by staff with a note.
EXCEPTION_TRANSITIONS: Transitions[ExceptionStatus] = {
    ExceptionStatus.OPEN: frozenset({ExceptionStatus.RESOLVED}),
    ExceptionStatus.RESOLVED: frozenset(),
}


def can_transition(table: Transitions[S], current: S, to: S) -> bool:
    return to in table.get(current, frozenset())


def transition(table: Transitions[S], current: S, to: S, *, subject: str) -> S:
    """Return `to` when the table allows `current -> to`, else refuse with INVALID_TRANSITION."""
    if not can_transition(table, current, to):
        allowed = ", ".join(sorted(table.get(current, frozenset()))) or "none"
        raise DomainError.of(
            ErrorCode.INVALID_TRANSITION,
            f"A {subject} cannot move from {current} to {to} (allowed next: {allowed}).",
            "input", "status",
        )
    return to
