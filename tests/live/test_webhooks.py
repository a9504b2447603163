"""Outbound webhooks and crash safety, against running servers and a receiver on loopback."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
import uvicorn
from sqlalchemy import func, select

from app.integrations.signatures import verify
from app.policy.permissions import Role
from models import OutboxEvent
from tests.conftest import TEST_SECRET
from tests.live.conftest import FAST
from tests.support.live import LiveClient, free_port, live_server
from tests.support.shop import FULFILLMENT_CREATE, Shop, build_shop

ENDPOINT_CREATE = """
mutation($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) {
  endpoint { id url eventTypes } secret userErrors { code message field } } }
"""
DELIVERIES = """
query($endpoint: ID) { webhookDeliveries(endpointId: $endpoint, first: 20) {
  totalCount edges { node { id eventId topic status attempts lastStatusCode attemptLog { statusCode } } } } }
"""
RETRY = """
mutation($input: WebhookDeliveryRetryInput!) { webhookDeliveryRetry(input: $input) {
  delivery { id status attempts } userErrors { code message field } } }
"""


class Receiver:
    """A webhook receiver on loopback that answers `failures` times with 503, then 200."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.accepted: asyncio.Queue[tuple[dict[str, str], bytes]] = asyncio.Queue()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.requests.append((headers, body))
        status = 503 if len(self.requests) <= self.failures else 200
        if status == 200:
            self.accepted.put_nowait((headers, body))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@asynccontextmanager
async def serving(app: Any, port: int | None = None) -> AsyncIterator[str]:
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)  # waiting for the socket to listen, not synchronising the test
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        server.should_exit = True
        await task


async def register(live: LiveClient, shop: Shop, url: str, types: list[str]) -> tuple[str, str]:
    admin = await shop.token("admin@example.com", Role.ADMIN)
    created = (await live.data(ENDPOINT_CREATE, {"input": {"url": url, "eventTypes": types}},
                               token=admin))["webhookEndpointCreate"]
    assert created["userErrors"] == []
    return created["endpoint"]["id"], created["secret"]


async def test_a_receiver_that_fails_three_times_gets_the_event_once_more_after(shop: Shop, live: LiveClient) -> None:
    receiver = Receiver(failures=3)
    async with serving(receiver) as url:
        endpoint_id, secret = await register(live, shop, url, ["order.created"])
        order = await shop.order({"TEE-0": 1}, key="hooked")
        headers, body = await asyncio.wait_for(receiver.accepted.get(), 30)
    event = orjson.loads(body)
    assert event["topic"] == "order.created" and event["payload"]["number"] == order["number"]
    assert (event["subjectType"], event["subjectId"], event["sequence"]) == ("EcommerceOrder", order["id"], 1)
    assert verify(secret, headers, body, now=int(time.time())) == event["eventId"]
    assert len(receiver.requests) == 4
    assert {h["webhook-id"] for h, _ in receiver.requests} == {event["eventId"]}
    admin = await shop.token("admin@example.com", Role.ADMIN)
    log = (await live.data(DELIVERIES, {"endpoint": endpoint_id}, token=admin))["webhookDeliveries"]
    delivery = log["edges"][0]["node"]
    assert (log["totalCount"], delivery["status"], delivery["attempts"]) == (1, "DELIVERED", 4)
    assert [a["statusCode"] for a in delivery["attemptLog"]] == [503, 503, 503, 200]


async def wait_for_status(live: LiveClient, admin: str, endpoint_id: str, status: str) -> dict[str, Any]:
    for _ in range(400):
        edges = (await live.data(DELIVERIES, {"endpoint": endpoint_id}, token=admin))["webhookDeliveries"]["edges"]
        if edges and edges[0]["node"]["status"] == status:
            return edges[0]["node"]  # type: ignore[no-any-return]
        await asyncio.sleep(0.05)  # polling the delivery log for the state the worker leaves it in
    raise AssertionError(f"no delivery reached {status}")


async def test_a_failed_delivery_retried_once_a_receiver_listens_arrives_once_signed(
        database_url: str, db: Any) -> None:
    one_attempt = {**FAST, "COMMERCE_WEBHOOK_MAX_ATTEMPTS": "1"}
    async with live_server(database_url, TEST_SECRET, extra_env=one_attempt) as server:
        live = LiveClient(server, db, TEST_SECRET)
        shop = await build_shop(live)  # type: ignore[arg-type]
        port = free_port()  # closed until the receiver starts
        endpoint_id, secret = await register(live, shop, f"http://127.0.0.1:{port}/hook", ["order.created"])
        order = await shop.order({"TEE-0": 1}, key="refused-then-retried")
        admin = await shop.token("admin@example.com", Role.ADMIN)
        failed = await wait_for_status(live, admin, endpoint_id, "FAILED")
        assert (failed["attempts"], failed["attemptLog"]) == (1, [{"statusCode": None}])
        receiver = Receiver(failures=0)
        async with serving(receiver, port):
            retried = (await live.data(RETRY, {"input": {"deliveryId": failed["id"], "idempotencyKey": "again"}},
                                       token=admin))["webhookDeliveryRetry"]
            assert (retried["userErrors"], retried["delivery"]["status"]) == ([], "PENDING")
            headers, body = await asyncio.wait_for(receiver.accepted.get(), 30)
            delivered = await wait_for_status(live, admin, endpoint_id, "DELIVERED")
        assert len(receiver.requests) == 1
        assert verify(secret, headers, body, now=int(time.time())) == failed["eventId"]
        event = orjson.loads(body)
        assert (event["eventId"], event["subjectId"], event["payload"]["number"]) == (
            failed["eventId"], order["id"], order["number"])
        assert (delivered["attempts"], [a["statusCode"] for a in delivered["attemptLog"]]) == (1, [None, 200])
        again = (await live.data(RETRY, {"input": {"deliveryId": failed["id"]}}, token=admin))["webhookDeliveryRetry"]
        assert [e["code"] for e in again["userErrors"]] == ["INVALID_TRANSITION"]


async def test_a_client_error_is_not_retried(shop: Shop, live: LiveClient) -> None:
    async def gone(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 410, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        calls.append(1)

    calls: list[int] = []
    async with serving(gone) as url:
        endpoint_id, _ = await register(live, shop, url, ["order.created"])
        await shop.order({"TEE-0": 1}, key="gone")
        admin = await shop.token("admin@example.com", Role.ADMIN)
        delivery: dict[str, Any] = {}
        for _ in range(200):
            edges = (await live.data(DELIVERIES, {"endpoint": endpoint_id}, token=admin))["webhookDeliveries"]["edges"]
            delivery = edges[0]["node"] if edges else {}
            if delivery.get("status") == "FAILED":
                break
            await asyncio.sleep(0.05)  # polling the delivery log for its final state
    assert (delivery["status"], delivery["attempts"], delivery["lastStatusCode"], len(calls)) == ("FAILED", 1, 410, 1)


async def test_endpoint_registration_is_validated_and_admin_only(shop: Shop, live: LiveClient) -> None:
    admin = await shop.token("admin@example.com", Role.ADMIN)
    bad = (await live.data(ENDPOINT_CREATE, {"input": {"url": "ftp://x", "eventTypes": ["order.nope"]}},
                           token=admin))["webhookEndpointCreate"]
    assert [(e["code"], e["field"]) for e in bad["userErrors"]] == [
        ("INVALID", ["input", "url"]), ("INVALID", ["input", "eventTypes"])]
    manager = await shop.token("manager@example.com", Role.MANAGER)
    denied = (await live.data(ENDPOINT_CREATE, {"input": {"url": "http://127.0.0.1:9/x"}},
                              token=manager))["webhookEndpointCreate"]
    assert denied["userErrors"][0]["code"] == "PERMISSION_DENIED"


async def test_events_committed_before_a_crash_are_delivered_after_restart(database_url: str, db: Any) -> None:
    receiver = Receiver(failures=0)
    async with serving(receiver) as url:
        crashing = {**FAST, "COMMERCE_FAULT_KILL_BEFORE_PUBLISH": "1"}
        async with live_server(database_url, TEST_SECRET, extra_env=FAST) as first:
            live = LiveClient(first, db, TEST_SECRET)
            shop = await build_shop(live)  # type: ignore[arg-type]
            await register(live, shop, url, ["fulfillment.status_changed"])
            order = await shop.order({"TEE-0": 1}, key="before-crash")
            await live.wait_until_relayed()
        # A server whose relay dies (SIGKILL) between the commit and the publish of an event.
        async with live_server(database_url, TEST_SECRET, extra_env=crashing) as doomed:
            staff = await shop.token("picker@example.com", Role.FULFILLMENT)
            with contextlib.suppress(httpx.TransportError):  # the process may die before it answers
                await doomed.http.post("/graphql", json={"query": FULFILLMENT_CREATE, "variables": {
                    "input": {"orderId": order["id"], "idempotencyKey": "crash"}}},
                    headers={"Authorization": f"Bearer {staff}"})
            await asyncio.wait_for(_until_dead(doomed), 30)
        # Committed with their state change (the fulfillment and the order moving to PROCESSING), never published:
        assert await _pending_events(db) == 2
        async with live_server(database_url, TEST_SECRET, extra_env=FAST):
            headers, body = await asyncio.wait_for(receiver.accepted.get(), 30)
    event = orjson.loads(body)
    assert (event["topic"], event["payload"]["to"]) == ("fulfillment.status_changed", "PENDING")


async def _pending_events(db: Any) -> int:
    async with db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(OutboxEvent)
                                     .where(OutboxEvent.published_at.is_(None))) or 0)


async def _until_dead(server: Any) -> None:
    while True:
        try:
            await server.http.get("/healthz")
        except Exception:  # noqa: BLE001 - connection refused: the process is gone
            return
        await asyncio.sleep(0.05)


