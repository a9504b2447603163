"""Admins register outbound webhook endpoints (CRM and any other consumer) for event types."""

from collections.abc import Sequence

from sqlalchemy import select

from app.domain.errors import DomainError, ErrorCode
from app.domain.validation import Checker
from app.integrations.egress import RefusedTarget, WebhookEgress
from app.integrations.signatures import new_secret
from app.policy.permissions import Permission
from app.policy.webhook_targets import URL_MAX, UnsafeWebhookUrl, parse_webhook_url
from app.services.common import require
from app.services.unit_of_work import UnitOfWork
from models import WebhookEndpoint

EVENT_TYPES = frozenset({"order.created", "order.status_changed", "payment.status_changed",
                         "fulfillment.status_changed", "return.status_changed", "customer.registered",
                         "campaign.status_changed", "exception.opened", "exception.resolved"})


async def create_endpoint(*, uow: UnitOfWork, url: str, event_types: Sequence[str] | None,
                          description: str | None, egress: WebhookEgress) -> WebhookEndpoint:
    """Register an endpoint. Its URL must follow the rules of app/policy/webhook_targets.py, and
    (checked after the caller's permission, so that no one else can make the server resolve names)
    its host must resolve to public addresses only, unless `egress` allows private ones."""
    check = Checker()
    url_ = check.text(url, "url", label="URL", max_length=URL_MAX, required=True)
    if url_ is not None:
        try:
            parse_webhook_url(url_)
        except UnsafeWebhookUrl as unsafe:
            check.add(ErrorCode.INVALID, unsafe.message, "url")
    types = list(dict.fromkeys(check.items(event_types, "eventTypes", label="event type")))
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        check.add(ErrorCode.INVALID, f"Unknown event types: {', '.join(unknown)}; known: "
                                     f"{', '.join(sorted(EVENT_TYPES))}.", "eventTypes")
    description_ = check.text(description, "description", label="Description", max_length=200, multiline=True)
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_INTEGRATIONS)
    try:
        await egress.vet(url_ or "")
    except RefusedTarget as refusal:
        raise DomainError.of(ErrorCode.INVALID, refusal.message, "input", "url") from None
    endpoint = WebhookEndpoint(url=url_, secret=new_secret(), event_types=types, description=description_,
                               is_active=True, created_at=uow.now)
    uow.session.add(endpoint)
    await uow.session.flush()
    uow.audit(action="webhook_endpoint.create", subject_type="WebhookEndpoint", subject_id=endpoint.id,
              data={"url": url_, "eventTypes": types})
    await uow.commit(endpoint)
    return endpoint


async def deactivate_endpoint(*, uow: UnitOfWork, endpoint_id: int) -> WebhookEndpoint:
    require(uow.actor, Permission.MANAGE_INTEGRATIONS)
    endpoint = await uow.session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))
    if endpoint is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That webhook endpoint does not exist.", "input", "endpointId")
    endpoint.is_active = False
    uow.audit(action="webhook_endpoint.deactivate", subject_type="WebhookEndpoint", subject_id=endpoint.id)
    await uow.commit(endpoint)
    return endpoint
