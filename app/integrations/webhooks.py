"""Outbound webhook delivery: signed POSTs (Standard Webhooks), retried with exponential backoff
and a cap; a 2xx delivers, a 4xx other than 429 fails at once, and so does a URL that is refused
(app/integrations/egress.py: checked again before every attempt); anything else is retried until
the attempts run out. Every attempt is logged in `webhook_attempts` with a short error class."""

import asyncio
import contextlib
import logging
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import or_, select, update

from app.db import Database
from app.domain.states import WebhookDeliveryStatus
from app.integrations.egress import (
    DNS_ERROR,
    INVALID_URL,
    REFUSED_ADDRESS,
    RefusedTarget,
    VettedTarget,
    WebhookEgress,
)
from app.integrations.signatures import signed_headers
from models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger("commerce.webhooks")
CLAIM_BATCH = 20
LOCK_SECONDS = 60
# A host name may resolve to several addresses; at most this many are tried when connecting fails.
MAX_ADDRESSES_TRIED = 4
NOT_RETRIED = frozenset({INVALID_URL, REFUSED_ADDRESS})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_seconds: float = 2.0
    cap_seconds: float = 3600.0
    max_attempts: int = 10

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.cap_seconds, self.base_seconds * 2 ** (attempts - 1)))


def retryable(status_code: int | None) -> bool:
    return status_code is None or status_code == 429 or status_code >= 500 or status_code < 400


def error_class(exc: httpx.HTTPError) -> str:
    """What went wrong, in a word: the delivery log never shows raw exception text."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return "tls_error"
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.ConnectError):
        return "connect_error"
    if isinstance(exc, httpx.ProtocolError):
        return "protocol_error"
    if isinstance(exc, httpx.NetworkError):
        return "network_error"
    return "request_error"


def status_class(status_code: int) -> str | None:
    return None if 200 <= status_code < 300 else f"http_{status_code // 100}xx"


class WebhookDispatcher:
    def __init__(self, db: Database, *, policy: RetryPolicy | None = None, poll_seconds: float = 1.0,
                 timeout_seconds: float = 10.0, egress: WebhookEgress | None = None) -> None:
        self.db = db
        self.egress = egress or WebhookEgress()
        self.policy = policy or RetryPolicy()
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        async with self.client() as http:
            while True:
                try:
                    while await self.deliver_due(http):
                        pass
                except Exception:
                    logger.exception("delivering webhooks failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                self._wake.clear()

    def client(self) -> httpx.AsyncClient:
        """The HTTP client deliveries go through. No redirects (a 3xx is an answer, not a new
        target); no proxy from the environment (it would resolve the name again, and reach what it
        likes); no kept-alive connections, so a connection opened to an address for one host name
        (its SNI, its certificate) is never reused for another name that resolves there."""
        return httpx.AsyncClient(timeout=self.timeout_seconds, follow_redirects=False, trust_env=False,
                                 limits=httpx.Limits(max_keepalive_connections=0))

    async def _claim(self) -> list[tuple[int, str, str, str, str, int]]:
        """Take due deliveries for a while (other dispatchers skip them), in a short transaction."""
        now = datetime.now(UTC)
        async with self.db.write_session() as session, session.begin():
            rows = (await session.execute(
                select(WebhookDelivery.id, WebhookEndpoint.url, WebhookEndpoint.secret, WebhookDelivery.event_id,
                       WebhookDelivery.payload, WebhookDelivery.attempts)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(WebhookDelivery.status == WebhookDeliveryStatus.PENDING,
                       WebhookDelivery.next_attempt_at <= now,
                       or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now))
                .order_by(WebhookDelivery.next_attempt_at).limit(CLAIM_BATCH)
                .with_for_update(skip_locked=True, of=WebhookDelivery))).all()
            if rows:
                await session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_([r[0] for r in rows]))
                                      .values(locked_until=now + timedelta(seconds=LOCK_SECONDS))
                                      .execution_options(synchronize_session=False))
        return [tuple(r) for r in rows]  # type: ignore[misc]

    async def deliver_due(self, http: httpx.AsyncClient) -> int:
        claimed = await self._claim()
        await asyncio.gather(*(self._attempt(http, *row) for row in claimed))
        return len(claimed)

    async def _attempt(self, http: httpx.AsyncClient, delivery_id: int, url: str, secret: str, event_id: str,
                       payload: str, attempts: int) -> None:
        body = payload.encode()
        started = time.monotonic()
        status_code: int | None = None
        try:
            target = await self.egress.vet(url)
        except RefusedTarget as refusal:
            error: str | None = refusal.error_class
        else:
            status_code, error = await self._send(http, target, body,
                                                  signed_headers(secret, event_id, int(time.time()), body))
        now = datetime.now(UTC)
        attempts += 1
        ok = status_code is not None and 200 <= status_code < 300
        if ok:
            values = {"status": WebhookDeliveryStatus.DELIVERED, "delivered_at": now}
        elif error in NOT_RETRIED or not retryable(status_code) or attempts >= self.policy.max_attempts:
            values = {"status": WebhookDeliveryStatus.FAILED}
        else:
            values = {"next_attempt_at": now + self.policy.delay(attempts)}
        async with self.db.write_session() as session, session.begin():
            session.add(WebhookAttempt(delivery_id=delivery_id, attempted_at=now, status_code=status_code,
                                       error=error, duration_ms=int((time.monotonic() - started) * 1000)))
            await session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(
                attempts=attempts, last_status_code=status_code, last_error=error, locked_until=None, **values)
                .execution_options(synchronize_session=False))
        if not ok:
            logger.info("webhook %s to %s: attempt %s got %s", event_id, url, attempts, error)

    @staticmethod
    async def _send(http: httpx.AsyncClient, target: VettedTarget, body: bytes,
                    headers: dict[str, str]) -> tuple[int | None, str | None]:
        """POST to the vetted addresses in turn until one accepts the connection; the answer's
        status and error class. The response body is never read."""
        error: str | None = DNS_ERROR
        for address in target.addresses[:MAX_ADDRESSES_TRIED]:
            try:
                async with http.stream("POST", target.url_for(address), content=body,
                                       headers={**headers, **target.headers},
                                       extensions=target.extensions) as response:
                    return response.status_code, status_class(response.status_code)
            except httpx.HTTPError as exc:
                error = error_class(exc)
                if error != "connect_error":
                    break
            except Exception:
                logger.exception("sending a webhook failed")
                return None, "request_error"
        return None, error
