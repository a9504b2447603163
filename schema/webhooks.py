"""Outbound webhook types: endpoints, deliveries and their attempt log."""

from datetime import datetime
from typing import Any

import strawberry

from app.context import Context
from app.ids import encode_id
from schema.common import Node, UserError

Info = strawberry.Info[Context, None]
ERROR_CLASSES = ("What went wrong, as a short class: http_3xx, http_4xx, http_5xx, timeout, connect_error, "
                 "tls_error, protocol_error, network_error, request_error, dns_error, invalid_url or "
                 "refused_address (the URL's host resolved to a non-public address: not sent, not retried); "
                 "null after a 2xx.")


@strawberry.type(description="One HTTP attempt of a delivery.")
class WebhookAttempt:
    attempted_at: datetime
    status_code: int | None = strawberry.field(description="HTTP status, or null when the request failed.")
    error: str | None = strawberry.field(description=ERROR_CLASSES)
    duration_ms: int


@strawberry.type(description="One event sent to one endpoint: PENDING, DELIVERED or FAILED.")
class WebhookDelivery(Node):
    event_id: str = strawberry.field(description="The event's id (the webhook-id header): consumers de-duplicate on it.")
    topic: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None = strawberry.field(description="The last attempt's error class (as in attemptLog.error).")
    next_attempt_at: datetime
    delivered_at: datetime | None
    created_at: datetime
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> "WebhookDelivery":
        return cls(id=strawberry.ID(encode_id("WebhookDelivery", row.id)), event_id=row.event_id, topic=row.topic,
                   status=row.status, attempts=row.attempts, last_status_code=row.last_status_code,
                   last_error=row.last_error, next_attempt_at=row.next_attempt_at, delivered_at=row.delivered_at,
                   created_at=row.created_at, pk=row.id)

    @strawberry.field(description="Every attempt, oldest first.")
    async def attempt_log(self, info: Info) -> list[WebhookAttempt]:
        return [WebhookAttempt(attempted_at=r.attempted_at, status_code=r.status_code, error=r.error,
                               duration_ms=r.duration_ms)
                for r in await info.context.orders.webhook_attempts.load(self.pk)]


@strawberry.type(description="A registered receiver of signed event webhooks.")
class WebhookEndpoint(Node):
    url: str
    event_types: list[str] = strawberry.field(description="Topics it receives; empty: all.")
    description: str | None
    is_active: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> "WebhookEndpoint":
        return cls(id=strawberry.ID(encode_id("WebhookEndpoint", row.id)), url=row.url,
                   event_types=list(row.event_types or []), description=row.description, is_active=row.is_active,
                   created_at=row.created_at)


@strawberry.input(description="Register an endpoint for event types (e.g. order.created, fulfillment.status_changed).")
class WebhookEndpointCreateInput:
    url: str
    event_types: list[str] | None = strawberry.field(default=None, description="Omitted or empty: every event.")
    description: str | None = None
    idempotency_key: str | None = None


@strawberry.input(description="Stop sending to an endpoint.")
class WebhookEndpointDeactivateInput:
    endpoint_id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.type(description="Result of a webhook endpoint mutation.")
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = None
    secret: str | None = strawberry.field(
        default=None, description="The signing secret (Standard Webhooks, whsec_...): shown once, at creation.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)
