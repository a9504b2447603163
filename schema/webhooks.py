"""Outbound webhook types: endpoints, deliveries and their attempt log."""

from datetime import datetime
from typing import Any

import strawberry

from app.context import Context
from app.domain.states import WebhookDeliveryStatus as DomainWebhookDeliveryStatus
from app.ids import encode_id
from schema.common import IDEMPOTENCY_KEY, USER_ERRORS, Node, UserError

Info = strawberry.Info[Context, None]
ERROR_CLASSES = ("What went wrong, as a short class: http_3xx, http_4xx, http_5xx, timeout, connect_error, "
                 "tls_error, protocol_error, network_error, request_error, dns_error, invalid_url or "
                 "refused_address (the URL's host resolved to a non-public address: not sent, not retried); "
                 "null after a 2xx.")


@strawberry.type(description="One HTTP attempt of a delivery.")
class WebhookAttempt:
    attempted_at: datetime = strawberry.field(description="When the attempt ended.")
    status_code: int | None = strawberry.field(description="HTTP status, or null when the request failed.")
    error: str | None = strawberry.field(description=ERROR_CLASSES)
    duration_ms: int = strawberry.field(description="How long the attempt took, in milliseconds.")


WebhookDeliveryStatus = strawberry.enum(
    DomainWebhookDeliveryStatus, name="WebhookDeliveryStatus",
    description="Where a webhook delivery stands: PENDING (queued, not tried yet), RETRYING (an attempt failed, "
                "another is due at nextAttemptAt), DELIVERED (a 2xx answer) or FAILED (a 4xx other than 429, a "
                "refused URL, or out of attempts; webhookDeliveryRetry queues it again).")
TRIED_AGAIN = frozenset({DomainWebhookDeliveryStatus.PENDING, DomainWebhookDeliveryStatus.RETRYING})


@strawberry.type(description="One event sent to one endpoint, moved by the delivery status table: PENDING -> "
                             "RETRYING | DELIVERED | FAILED, RETRYING -> RETRYING | DELIVERED | FAILED, FAILED -> "
                             "PENDING (webhookDeliveryRetry only).")
class WebhookDelivery(Node):
    event_id: str = strawberry.field(description="The event's id (the webhook-id header): consumers de-duplicate on it.")
    topic: str = strawberry.field(description="The event type, e.g. order.created.")
    status: WebhookDeliveryStatus = strawberry.field(  # type: ignore[valid-type]
        description="Where the delivery stands.")
    attempts: int = strawberry.field(
        description="Attempts since it was queued, or since webhookDeliveryRetry queued it again (which resets "
                    "them to 0); attemptLog lists every attempt ever made.")
    last_status_code: int | None = strawberry.field(
        description="The HTTP status of the last attempt; null before any, or when no answer came.")
    last_error: str | None = strawberry.field(description="The last attempt's error class (as in attemptLog.error).")
    next_attempt_at: datetime | None = strawberry.field(
        description="When the next attempt is due (PENDING, RETRYING); null once DELIVERED or FAILED.")
    delivered_at: datetime | None = strawberry.field(description="When a 2xx answer came; null until then.")
    created_at: datetime = strawberry.field(description="When the event was queued for this endpoint.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> "WebhookDelivery":
        status = DomainWebhookDeliveryStatus(row.status)
        return cls(id=strawberry.ID(encode_id("WebhookDelivery", row.id)), event_id=row.event_id, topic=row.topic,
                   status=status, attempts=row.attempts, last_status_code=row.last_status_code,
                   last_error=row.last_error, next_attempt_at=row.next_attempt_at if status in TRIED_AGAIN else None,
                   delivered_at=row.delivered_at, created_at=row.created_at, pk=row.id)

    @strawberry.field(description="Every attempt, oldest first.")
    async def attempt_log(self, info: Info) -> list[WebhookAttempt]:
        return [WebhookAttempt(attempted_at=r.attempted_at, status_code=r.status_code, error=r.error,
                               duration_ms=r.duration_ms)
                for r in await info.context.orders.webhook_attempts.load(self.pk)]


@strawberry.type(description="A registered receiver of signed event webhooks.")
class WebhookEndpoint(Node):
    url: str = strawberry.field(description="Where events are POSTed.")
    event_types: list[str] = strawberry.field(description="Topics it receives; empty: all.")
    description: str | None = strawberry.field(description="A note for admins, if given.")
    is_active: bool = strawberry.field(
        description="Whether new events are queued for it; false once deactivated.")
    created_at: datetime = strawberry.field(description="When it was registered.")

    @classmethod
    def from_row(cls, row: Any) -> "WebhookEndpoint":
        return cls(id=strawberry.ID(encode_id("WebhookEndpoint", row.id)), url=row.url,
                   event_types=list(row.event_types or []), description=row.description, is_active=row.is_active,
                   created_at=row.created_at)


@strawberry.input(description="Register an endpoint for event types (e.g. order.created, fulfillment.status_changed).")
class WebhookEndpointCreateInput:
    url: str = strawberry.field(
        description="Absolute http or https URL, at most 2,000 characters, whose host resolves to public "
                    "addresses only.")
    event_types: list[str] | None = strawberry.field(default=None, description="Omitted or empty: every event.")
    description: str | None = strawberry.field(
        default=None, description="A note for admins, at most 200 characters.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Stop sending to an endpoint.")
class WebhookEndpointDeactivateInput:
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint to stop sending to.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.type(description="Result of a webhook endpoint mutation.")
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = strawberry.field(
        default=None, description="The endpoint as it is now; null when refused.")
    secret: str | None = strawberry.field(
        default=None, description="The signing secret (Standard Webhooks, whsec_...): shown once, at creation.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.input(description="Queue a FAILED delivery again (ADMIN).")
class WebhookDeliveryRetryInput:
    delivery_id: strawberry.ID = strawberry.field(description="The FAILED delivery to send again.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Repeating the call with the same key replays the first result.")


@strawberry.type(description="Result of webhookDeliveryRetry.")
class WebhookDeliveryRetryPayload:
    delivery: WebhookDelivery | None = strawberry.field(
        default=None, description="The delivery, PENDING again with its attempts reset to 0; null on refusal.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused: INVALID_TRANSITION unless FAILED, NOT_FOUND, "
                                          "PERMISSION_DENIED, INVALID (a malformed id, a deactivated endpoint).")
