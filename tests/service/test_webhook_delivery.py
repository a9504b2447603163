"""Webhook deliveries check the URL's addresses again before every attempt (DNS rebinding), connect
to the address they checked, and log short error classes, on SQLite and PostgreSQL.

Host names are answered by injected resolvers, and `socket.getaddrinfo` is fenced so that any
lookup of a name (rather than a literal address) fails the test: nothing leaves the machine, and a
delivery that resolved the name again by itself would be caught."""

import asyncio
import socket
import ssl
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from app.db import Database
from app.integrations.egress import WebhookEgress
from app.integrations.webhooks import RetryPolicy, WebhookDispatcher
from app.services.webhook_endpoints import create_endpoint
from models import WebhookAttempt, WebhookDelivery
from tests.conftest import TEST_AUDIT_KEY
from tests.support import factory
from tests.support.live import free_port
from tests.support.receivers import RawReceiver


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, audit_key=TEST_AUDIT_KEY)
    yield db
    await db.dispose()


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[RawReceiver, int]]:
    raw = RawReceiver()
    server = await asyncio.start_server(raw.handle, "127.0.0.1", 0)
    async with server:
        yield raw, server.sockets[0].getsockname()[1]


@pytest.fixture(autouse=True)
def no_name_lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []
    real = socket.getaddrinfo

    def literal_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in name else socket.AF_INET, name)
        except OSError:
            asked.append(name)
            raise socket.gaierror(socket.EAI_NONAME, f"test forbids looking up {name}") from None
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", literal_only)
    return asked


class Dns:
    """A resolver whose answer for each name the test changes as it goes."""

    def __init__(self, **answers: Sequence[str]) -> None:
        self.answers = {name.replace("_", "."): list(a) for name, a in answers.items()}
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        return self.answers[host]


async def register(db: Database, url: str, egress: WebhookEgress) -> int:
    async with factory.uow(db) as work:
        return (await create_endpoint(uow=work, url=url, event_types=None, description=None, egress=egress)).id


async def queue_delivery(db: Database, endpoint_id: int) -> int:
    async with db.write_session() as session, session.begin():
        delivery = WebhookDelivery(endpoint_id=endpoint_id, event_id=str(uuid.uuid4()), topic="order.created",
                                   payload='{"topic":"order.created"}', status="PENDING", attempts=0,
                                   next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        session.add(delivery)
        await session.flush()
        return delivery.id


async def deliver(db: Database, egress: WebhookEgress) -> None:
    dispatcher = WebhookDispatcher(db, egress=egress, policy=RetryPolicy(max_attempts=3))
    async with dispatcher.client() as http:
        assert await dispatcher.deliver_due(http) == 1


async def logged(db: Database, delivery_id: int) -> tuple[Any, list[tuple[int | None, str | None]]]:
    async with db.read() as conn:
        delivery = (await conn.execute(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id))).one()
        attempts = (await conn.execute(select(WebhookAttempt.status_code, WebhookAttempt.error)
                                       .where(WebhookAttempt.delivery_id == delivery_id))).all()
    return delivery, [tuple(a) for a in attempts]  # type: ignore[misc]


async def test_a_host_that_rebinds_to_loopback_after_registration_is_refused_at_delivery(
        database: Database, receiver: tuple[RawReceiver, int]) -> None:
    raw, port = receiver
    dns = Dns(crm_example_com=["93.184.216.34"])
    endpoint_id = await register(database, f"http://crm.example.com:{port}/hook", WebhookEgress(resolve=dns))
    delivery_id = await queue_delivery(database, endpoint_id)
    dns.answers["crm.example.com"] = ["127.0.0.1"]  # the attacker's DNS now points the name inward
    await deliver(database, WebhookEgress(resolve=dns))
    delivery, attempts = await logged(database, delivery_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        "FAILED", 1, None, "refused_address")
    assert attempts == [(None, "refused_address")]
    assert (raw.connections, dns.asked) == (0, ["crm.example.com", "crm.example.com"])


async def test_a_delivery_connects_to_the_address_it_checked_and_keeps_the_host_name(
        database: Database, receiver: tuple[RawReceiver, int], no_name_lookups: list[str]) -> None:
    raw, port = receiver
    egress = WebhookEgress(allow_private=True, resolve=Dns(crm_example_com=["127.0.0.1"]))
    delivery_id = await queue_delivery(database, await register(database, f"http://crm.example.com:{port}/in?t=7",
                                                                egress))
    await deliver(database, egress)
    delivery, attempts = await logged(database, delivery_id)
    assert (delivery.status, attempts) == ("DELIVERED", [(200, None)])
    [(request_line, headers, body)] = raw.requests
    assert (request_line, headers["host"], body) == ("POST /in?t=7 HTTP/1.1", f"crm.example.com:{port}",
                                                     b'{"topic":"order.created"}')
    assert headers["webhook-id"] == delivery.event_id
    assert no_name_lookups == []  # the client never looked the name up again by itself


async def test_the_delivery_log_keeps_error_classes_not_exception_text(
        database: Database, receiver: tuple[RawReceiver, int]) -> None:
    raw, port = receiver
    raw.status = 503
    egress = WebhookEgress(allow_private=True)
    answered = await queue_delivery(database, await register(database, f"http://127.0.0.1:{port}/hook", egress))
    closed = await queue_delivery(database, await register(database, f"http://127.0.0.1:{free_port()}/hook", egress))
    dispatcher = WebhookDispatcher(database, egress=egress)
    async with dispatcher.client() as http:
        assert await dispatcher.deliver_due(http) == 2
    for delivery_id, expected in ((answered, (503, "http_5xx")), (closed, (None, "connect_error"))):
        delivery, attempts = await logged(database, delivery_id)
        assert (delivery.status, delivery.last_status_code, delivery.last_error) == ("RETRYING", *expected)
        assert attempts == [expected]


async def test_an_endpoint_stored_before_the_rules_is_refused_without_a_connection(
        database: Database, receiver: tuple[RawReceiver, int]) -> None:
    raw, port = receiver
    endpoint_id = await register(database, f"http://127.0.0.1:{port}/hook", WebhookEgress(allow_private=True))
    delivery_id = await queue_delivery(database, endpoint_id)
    await deliver(database, WebhookEgress())  # the same URL, now that private addresses are not allowed
    delivery, attempts = await logged(database, delivery_id)
    assert (delivery.status, attempts, raw.connections) == ("FAILED", [(None, "refused_address")], 0)


async def test_an_https_delivery_to_the_checked_address_verifies_the_certificate_of_the_host_name(
        database: Database) -> None:
    """The client connects to 127.0.0.1 yet sends SNI crm.example.com and checks the certificate
    against that name: the certificate for crm.example.com passes, another name fails with tls_error."""
    tls = Path(__file__).parent.parent / "support" / "tls"
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(tls / "crm.example.com.pem", tls / "crm.example.com.key")
    names: list[str | None] = []
    server_tls.sni_callback = lambda _sock, name, _ctx: names.append(name)  # type: ignore[assignment,misc,func-returns-value]
    raw = RawReceiver()
    server = await asyncio.start_server(raw.handle, "127.0.0.1", 0, ssl=server_tls)
    port = server.sockets[0].getsockname()[1]
    egress = WebhookEgress(allow_private=True, resolve=Dns(crm_example_com=["127.0.0.1"],
                                                           other_example_com=["127.0.0.1"]))
    trusted = await queue_delivery(database, await register(database, f"https://crm.example.com:{port}/in", egress))
    mismatched = await queue_delivery(database, await register(database, f"https://other.example.com:{port}/in",
                                                               egress))
    dispatcher = WebhookDispatcher(database, egress=egress)
    async with server, httpx.AsyncClient(verify=ssl.create_default_context(cafile=tls / "crm.example.com.pem"),
                                         trust_env=False) as http:
        assert await dispatcher.deliver_due(http) == 2
    assert (await logged(database, trusted))[1] == [(200, None)]
    assert (await logged(database, mismatched))[1] == [(None, "tls_error")]
    assert sorted(n or "" for n in names) == ["crm.example.com", "other.example.com"]
    assert [headers["host"] for _, headers, _ in raw.requests] == [f"crm.example.com:{port}"]


async def test_a_closed_port_fails_the_delivery_at_once_when_one_attempt_is_allowed(database: Database) -> None:
    egress = WebhookEgress(allow_private=True)
    delivery_id = await queue_delivery(database, await register(database, f"http://127.0.0.1:{free_port()}/hook",
                                                                egress))
    dispatcher = WebhookDispatcher(database, egress=egress, policy=RetryPolicy(max_attempts=1))
    async with dispatcher.client() as http:
        assert await dispatcher.deliver_due(http) == 1
        assert await dispatcher.deliver_due(http) == 0  # FAILED is never picked up again by the worker
    delivery, attempts = await logged(database, delivery_id)
    assert (delivery.status, delivery.attempts, attempts) == ("FAILED", 1, [(None, "connect_error")])


async def test_a_closed_port_passes_through_retrying_until_the_attempts_run_out(database: Database) -> None:
    egress = WebhookEgress(allow_private=True)
    delivery_id = await queue_delivery(database, await register(database, f"http://127.0.0.1:{free_port()}/hook",
                                                                egress))
    policy = RetryPolicy(base_seconds=30, max_attempts=3)
    dispatcher = WebhookDispatcher(database, egress=egress, policy=policy)
    seen = []
    async with dispatcher.client() as http:
        for _ in range(3):
            before = datetime.now(UTC)
            assert await dispatcher.deliver_due(http) == 1
            delivery, _ = await logged(database, delivery_id)
            seen.append((delivery.status, delivery.attempts))
            if delivery.status == "RETRYING":  # due after the backoff, not before
                assert delivery.next_attempt_at >= before + policy.delay(delivery.attempts)
                assert await dispatcher.deliver_due(http) == 0
                async with database.write_session() as session, session.begin():  # the backoff has passed
                    await session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
                                          .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert seen == [("RETRYING", 1), ("RETRYING", 2), ("FAILED", 3)]
    assert (await logged(database, delivery_id))[1] == [(None, "connect_error")] * 3
