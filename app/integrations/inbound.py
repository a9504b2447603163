"""Signed inbound webhooks: `/webhooks/warehouse` and `/webhooks/payments/{gateway}`.

A body over 64 KB is refused (413) before it is read whole (app.transport_limits.BodyLimit); a
bad signature, a malformed header or a stale timestamp is refused (401) and changes nothing; a
webhook id seen before is acknowledged again without effect; an event that does not fit (an unknown subject, an
amount that is not a finite positive sum within the payment, another currency, a move the status
table refuses) is a 422 with its code, applied not at all and recorded in the audit trail as
`integration.notice_refused`. More calls from one source address than COMMERCE_WEBHOOKS_PER_MINUTE
are answered 429 with Retry-After before anything is read."""

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.db import Database
from app.domain.errors import DomainError
from app.integrations.payments import Gateways
from app.integrations.signatures import SignatureError, verify
from app.observability.requests import current_request
from app.rate_limits import RateLimiter, Rule, Rules
from app.services import integrations
from app.services.unit_of_work import Actor, UnitOfWork
from app.settings import Settings

logger = logging.getLogger("commerce.webhooks")


async def _handle(request: Request, secret: str | None, system: str, db: Database,
                  apply: Callable[[UnitOfWork, str, dict[str, Any]], Awaitable[Any]],
                  on_commit: Callable[[], None] | None, limiter: RateLimiter, rule: Rule) -> JSONResponse:
    verdict = await limiter.hit([(rule, request.client.host if request.client else "")])
    if not verdict.allowed:
        return JSONResponse({"errors": [{"code": "RATE_LIMITED", "retryAfter": verdict.retry_after,
                                         "message": f"Too many webhook calls; try again in "
                                                    f"{verdict.retry_after} seconds."}]},
                            status_code=429, headers={"Retry-After": str(verdict.retry_after)})
    if not secret:
        return JSONResponse({"error": f"the {system} integration is not configured"}, status_code=404)
    body = await request.body()  # at most 64 KB: app.transport_limits.BodyLimit refused larger ones with 413
    try:
        webhook_id = verify(secret, request.headers, body, now=int(time.time()))
    except SignatureError as refusal:
        logger.info("refused (%s webhook): %s", system, refusal)
        return JSONResponse({"error": str(refusal)}, status_code=401)
    try:
        event = orjson.loads(body)
        if not isinstance(event, dict):
            raise ValueError("not an object")
    except ValueError:
        return JSONResponse({"error": "body must be a JSON object"}, status_code=400)
    # The request id (logged, echoed, kept with the audit events and outbox rows) is the HTTP
    # request's; the request's log line names the webhook id beside it.
    record = current_request()
    request_id = record.request_id if record is not None else webhook_id[:64]
    if record is not None:
        record.role = f"integration:{system}"
        record.fields["webhook_id"] = webhook_id[:64]
    uow = UnitOfWork(db, Actor(viewer=None, request_id=request_id, system=system), datetime.now(UTC),
                     on_commit=on_commit)
    try:
        async with uow:
            result = await apply(uow, webhook_id, event)
    except integrations.AlreadyProcessed:
        return JSONResponse({"status": "already processed"})
    except DomainError as refusal:
        async with UnitOfWork(db, Actor(viewer=None, request_id=request_id, system=system),
                              datetime.now(UTC)) as record:
            await integrations.record_refusal(record, system=system, webhook_id=webhook_id, event=event,
                                              refusal=refusal)
        return JSONResponse({"errors": [{"code": p.code, "message": p.message, "field": list(p.field or ())}
                                        for p in refusal.problems]}, status_code=422)
    return JSONResponse({"status": result.status})


def routes(db_of: Callable[[], Database], settings: Settings, gateways: Gateways,
           on_commit: Callable[[], Callable[[], None] | None],
           limiter_of: Callable[[], RateLimiter]) -> list[tuple[str, Callable[..., Any]]]:
    rule = Rules.of(settings).webhook_per_source

    async def warehouse(request: Request) -> JSONResponse:
        return await _handle(request, settings.warehouse_webhook_secret, "warehouse", db_of(),
                             lambda uow, wid, event: integrations.apply_warehouse_event(
                                 uow=uow, webhook_id=wid, event=event, gateways=gateways), on_commit(),
                             limiter_of(), rule)

    async def payments(request: Request) -> JSONResponse:
        gateway = request.path_params["gateway"]
        if gateways.get(gateway) is None:
            return JSONResponse({"error": "unknown gateway"}, status_code=404)
        return await _handle(request, settings.payments_webhook_secret, f"payments:{gateway}", db_of(),
                             lambda uow, wid, event: integrations.apply_payment_notice(
                                 uow=uow, gateway=gateway, webhook_id=wid, event=event), on_commit(),
                             limiter_of(), rule)

    return [("/webhooks/warehouse", warehouse), ("/webhooks/payments/{gateway}", payments)]
