"""Staff put a FAILED webhook delivery back in the queue (webhookDeliveryRetry)."""

from typing import Any

from app.domain.errors import DomainError, ErrorCode
from app.domain.states import WEBHOOK_DELIVERY_TRANSITIONS, WebhookDeliveryStatus, can_transition, transition
from app.policy.permissions import Permission
from app.services.common import require
from app.services.unit_of_work import UnitOfWork
from models import WebhookDelivery, WebhookEndpoint


def _state(delivery: WebhookDelivery) -> dict[str, Any]:
    return {"status": delivery.status, "attempts": delivery.attempts, "nextAttemptAt": delivery.next_attempt_at,
            "lastStatusCode": delivery.last_status_code, "lastError": delivery.last_error}


async def retry_delivery(*, uow: UnitOfWork, delivery_id: int) -> WebhookDelivery:
    """FAILED -> PENDING, due at once, with its attempts reset to 0: the worker (any relay process,
    at its next poll) sends it again, signed anew and to an address vetted anew, with the full
    COMMERCE_WEBHOOK_MAX_ATTEMPTS and backoff ahead of it. Its attempt log keeps every earlier
    attempt; the audit event keeps the state before and after."""
    require(uow.actor, Permission.MANAGE_INTEGRATIONS)
    delivery = await uow.session.get(WebhookDelivery, delivery_id, with_for_update=True, populate_existing=True)
    if delivery is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That webhook delivery does not exist.", "input", "deliveryId")
    current = WebhookDeliveryStatus(delivery.status)
    if not can_transition(WEBHOOK_DELIVERY_TRANSITIONS, current, WebhookDeliveryStatus.PENDING):
        raise DomainError.of(ErrorCode.INVALID_TRANSITION,
                             f"Only a FAILED delivery can be retried; this one is {current}.", "input", "deliveryId")
    endpoint = await uow.session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint is None or not endpoint.is_active:
        raise DomainError.of(ErrorCode.INVALID, "The endpoint of this delivery is deactivated: register it again.",
                             "input", "deliveryId")
    before = _state(delivery)
    delivery.status = transition(WEBHOOK_DELIVERY_TRANSITIONS, current, WebhookDeliveryStatus.PENDING,
                                 subject="webhook delivery")
    delivery.attempts = 0
    delivery.next_attempt_at = uow.now
    delivery.locked_until = None
    uow.audit(action="webhook_delivery.retry", subject_type="WebhookDelivery", subject_id=delivery.id,
              from_status=current, to_status=WebhookDeliveryStatus.PENDING,
              data={"eventId": delivery.event_id, "endpointId": delivery.endpoint_id, "before": before,
                    "after": _state(delivery)})
    await uow.commit(delivery)
    return delivery
