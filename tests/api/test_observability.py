"""Observability over the real app: one JSON log line per request with its id, operation, role,
status and duration; X-Request-Id echoed and carried into outbox rows and webhook deliveries;
/metrics (histograms, error codes, outbox and webhook gauges, live subscriptions, pools) and who
may read it; OpenTelemetry spans (one per operation, one per SQL statement, none per field)."""

import asyncio
import http.server
import io
import json
import logging
import re
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import httpx
import orjson
import pytest
from sqlalchemy import select

from app.integrations.egress import WebhookEgress
from app.integrations.signatures import signed_headers
from app.integrations.webhooks import RetryPolicy, WebhookDispatcher
from app.observability import logs
from app.policy.permissions import Role
from app.services.webhook_endpoints import create_endpoint
from app.settings import Settings
from models import AuditEvent, OutboxEvent, WebhookDelivery
from tests.conftest import TEST_SECRET
from tests.service.test_webhook_delivery import RawReceiver
from tests.support import factory
from tests.support.asgi_ws import subscribe_asgi
from tests.support.client import GraphQLClient, running_client
from tests.support.shop import CHECKOUT, Shop, build_shop

CHANNELS = "query Channels { channels { slug name } }"
NAMED_CHECKOUT = CHECKOUT.replace("mutation(", "mutation Checkout(", 1)
HEX_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
async def shop(client: GraphQLClient) -> Shop:
    return await build_shop(client)


class LogLines:
    """Every log record of the process, rendered by the formatter served processes use."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def requests(self) -> list[dict[str, Any]]:
        return [line for line in self.all() if line.get("logger") == "commerce.access"]


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    lines = LogLines()
    handler = logging.StreamHandler(lines.stream)
    handler.setFormatter(logs.formatter(json_lines=True))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def checkout(shop: Shop, *, request_id: str, token: str | None = None) -> dict[str, Any]:
    cart_id = await shop.ready_cart({"TEE-0": 1}, token=token)
    response = await shop.client.post(NAMED_CHECKOUT, {"input": {
        "cartId": cart_id, "payment": {"gateway": "test", "token": "tok_visa"}, "idempotencyKey": request_id}},
        token=token, headers={"X-Request-Id": request_id})
    assert response.status_code == 200 and response.headers["x-request-id"] == request_id
    body = response.json()
    assert not body.get("errors") and body["data"]["checkoutComplete"]["userErrors"] == [], body
    return body["data"]["checkoutComplete"]["order"]  # type: ignore[no-any-return]


def samples(exposition: str, name: str) -> dict[str, float]:
    """{'{labels}': value} of one metric in a text exposition."""
    found: dict[str, float] = {}
    for line in exposition.splitlines():
        match = re.match(rf"^{re.escape(name)}(\{{[^}}]*\}})? (\S+)$", line)
        if match:
            found[match.group(1) or ""] = float(match.group(2))
    return found


async def scrape(client: GraphQLClient) -> str:
    response = await client.http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


# Logs and request ids


async def test_every_request_logs_one_json_line_with_its_id_operation_role_status_and_duration(
        client: GraphQLClient, log_lines: LogLines) -> None:
    admin = client.token_for(await factory.make_user(client.db, "root@example.com", Role.ADMIN))
    response = await client.post(CHANNELS, headers={"X-Request-Id": "req-anon.1"})
    assert response.status_code == 200 and response.headers["x-request-id"] == "req-anon.1"
    response = await client.post(CHANNELS, token=admin, headers={"X-Request-Id": "req-admin:2"})
    assert response.headers["x-request-id"] == "req-admin:2"
    response = await client.post("{ channels { slug } }", token="not-a-token", headers={"X-Request-Id": "req-401"})
    assert response.status_code == 401 and response.headers["x-request-id"] == "req-401"
    response = await client.http.get("/healthz", headers={"X-Request-Id": "req-health"})
    assert response.headers["x-request-id"] == "req-health"

    lines = log_lines.requests()
    by_id = {line["request_id"]: line for line in lines}
    assert sorted(by_id) == ["req-401", "req-admin:2", "req-anon.1", "req-health"]
    assert len(lines) == 4  # one line each
    for line in lines:
        assert line["event"] == "request" and line["level"] in ("info", "error")
        assert isinstance(line["duration_ms"], float | int) and line["duration_ms"] >= 0
        assert "timestamp" in line
    assert {k: by_id["req-anon.1"][k] for k in ("operation", "operation_type", "role", "status", "path")} == {
        "operation": "Channels", "operation_type": "query", "role": "anonymous", "status": 200, "path": "/graphql"}
    assert (by_id["req-admin:2"]["operation"], by_id["req-admin:2"]["role"]) == ("Channels", "ADMIN")
    assert (by_id["req-401"]["status"], by_id["req-401"]["role"], by_id["req-401"]["errors"]) == (
        401, "anonymous", ["UNAUTHENTICATED"])
    assert (by_id["req-health"]["operation"], by_id["req-health"]["status"]) == ("healthz", 200)
    # The refusal of the bad token goes through the same formatter, with the request's id.
    refusals = [line for line in log_lines.all() if line.get("logger") == "commerce" and "refused" in line["event"]]
    assert [line["request_id"] for line in refusals] == ["req-401"]
    # Nothing secret: no bearer token, no query text or variables.
    text = log_lines.stream.getvalue()
    assert admin not in text and "not-a-token" not in text and "slug name" not in text


@pytest.mark.parametrize("incoming", ["has spaces", "x" * 65, "caf\u00e9", "a\"b", "", "../../etc"])
async def test_a_bad_or_oversized_request_id_is_replaced(client: GraphQLClient, log_lines: LogLines,
                                                         incoming: str) -> None:
    response = await client.http.post("/graphql", json={"query": CHANNELS},
                                      headers=[(b"x-request-id", incoming.encode())])
    echoed = response.headers["x-request-id"]
    assert echoed != incoming and HEX_ID.match(echoed)
    assert [line["request_id"] for line in log_lines.requests()] == [echoed]


async def test_unnamed_and_refused_operations_are_logged_with_their_codes(client: GraphQLClient,
                                                                          log_lines: LogLines) -> None:
    await client.post("{ channels { slug } }")
    await client.post("{ orders(first: 1) { totalCount } }")
    await client.post("query Broken { channels { ")  # unparsed: no name to tell
    await client.post("query Other { channels { slug } }", headers={"X-Request-Id": "r"})
    lines = log_lines.requests()
    assert [(line["operation"], line.get("errors")) for line in lines] == [
        ("anonymous", None), ("anonymous", ["UNAUTHENTICATED"]), ("anonymous", ["GRAPHQL_PARSE_FAILED"]),
        ("Other", None)]


async def test_websocket_operations_log_a_line_each_and_the_connection_one_when_it_closes(
        client: GraphQLClient, shop: Shop, log_lines: LogLines) -> None:
    customer = await shop.token("ann@example.com", Role.CUSTOMER)
    order = await checkout(shop, request_id="ws-order", token=customer)
    subscription = "subscription Track($id: ID) { orderUpdated(orderId: $id) { toStatus } }"
    async with subscribe_asgi(client.app, subscription, {"id": order["id"]}, token=customer) as socket:
        await socket.send({"id": "2", "type": "subscribe", "payload": {"query": "query Chan { channels { slug } }"}})
        assert (await socket.next())["type"] == "next" and (await socket.next())["type"] == "complete"
        await socket.send({"id": "3", "type": "subscribe", "payload": {"query": "query Bad { channels { nope } }"}})
        assert (await socket.next())["type"] == "error"
    lines = [line for line in log_lines.requests() if line["transport"] == "ws"]
    operations = {line["operation"]: line for line in lines if line["event"] == "operation"}
    connection = [line for line in lines if line["event"] == "websocket"]
    assert len(operations) == 3 and len(connection) == 1, lines
    assert {k: operations["Track"][k] for k in ("operation_type", "role", "status")} == {
        "operation_type": "subscription", "role": "CUSTOMER", "status": "stopped"}
    assert (operations["Chan"]["status"], operations["Chan"]["operation_type"]) == ("complete", "query")
    assert (operations["Bad"]["status"], operations["Bad"]["errors"]) == ("error", ["GRAPHQL_VALIDATION_FAILED"])
    assert (connection[0]["role"], connection[0]["status"]) == ("CUSTOMER", 1000)
    assert {line["request_id"] for line in lines} == {connection[0]["request_id"]}


async def test_cached_responses_are_logged_with_their_operation(client: GraphQLClient,
                                                                log_lines: LogLines) -> None:
    first = await client.post(CHANNELS)
    second = await client.post(CHANNELS)
    assert "x-cache" not in first.headers and second.headers["x-cache"] == "hit"
    assert [(line["operation"], line["status"]) for line in log_lines.requests()] == [("Channels", 200)] * 2


async def test_an_inbound_webhook_is_logged_as_its_integration_and_its_request_id_audited(
        settings: Settings, log_lines: LogLines) -> None:
    secret = "whsec_" + "observed" * 4
    async with running_client(settings.model_copy(update={"warehouse_webhook_secret": secret})) as client:
        body = orjson.dumps({"fulfillmentId": "RnVsZmlsbG1lbnQ6OTk5", "status": "SHIPPED"})
        headers = {**signed_headers(secret, "msg_observed_1", int(time.time()), body), "X-Request-Id": "hook-1"}
        response = await client.http.post("/webhooks/warehouse", content=body, headers=headers)
        assert response.status_code == 422 and response.headers["x-request-id"] == "hook-1"
        async with client.db.read() as conn:
            audited = (await conn.execute(select(AuditEvent.action, AuditEvent.request_id, AuditEvent.actor))).all()
    # The refusal, and the INTEGRATION_REFERENCE_MISMATCH exception it opens, both under the request's id.
    assert [tuple(row) for row in audited] == [("integration.notice_refused", "hook-1", "integration:warehouse"),
                                               ("exception.open", "hook-1", "integration:warehouse")]
    (line,) = log_lines.requests()
    assert {k: line[k] for k in ("request_id", "operation", "role", "status", "webhook_id")} == {
        "request_id": "hook-1", "operation": "webhooks/warehouse", "role": "integration:warehouse", "status": 422,
        "webhook_id": "msg_observed_1"}


# Request ids on what a request writes


async def test_the_request_id_is_kept_on_outbox_rows_audit_events_and_webhook_deliveries(
        client: GraphQLClient, shop: Shop, database_url: str) -> None:
    raw = RawReceiver()
    server = await asyncio.start_server(raw.handle, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        egress = WebhookEgress(allow_private=True)
        async with factory.uow(client.db) as work:
            await create_endpoint(uow=work, url=f"http://127.0.0.1:{port}/hook", event_types=None,
                                  description=None, egress=egress)
        order = await checkout(shop, request_id="checkout-7f3a")
        async with client.db.read() as conn:
            outbox = (await conn.execute(select(OutboxEvent.topic, OutboxEvent.request_id))).all()
            audit = (await conn.execute(select(AuditEvent.action, AuditEvent.request_id)
                                        .where(AuditEvent.subject_type == "EcommerceOrder"))).all()
        assert outbox and all(request_id == "checkout-7f3a" for _, request_id in outbox), outbox
        assert audit and all(request_id == "checkout-7f3a" for _, request_id in audit), audit

        assert await client.app.state.runtime["relay"].publish_pending() == len(outbox)
        async with client.db.read() as conn:
            deliveries = (await conn.execute(select(WebhookDelivery.topic, WebhookDelivery.request_id))).all()
        assert sorted(deliveries) == sorted(outbox)

        dispatcher = WebhookDispatcher(client.db, egress=egress, policy=RetryPolicy(max_attempts=1))
        async with dispatcher.client() as http:
            assert await dispatcher.deliver_due(http) == len(outbox)
    assert [headers.get("x-request-id") for _, headers, _ in raw.requests] == ["checkout-7f3a"] * len(outbox)
    assert order["number"]


# Metrics


async def test_metrics_show_latency_errors_outbox_webhooks_subscriptions_and_pools(
        client: GraphQLClient, shop: Shop) -> None:
    customer = await shop.token("ann@example.com", Role.CUSTOMER)
    order = await checkout(shop, request_id="metrics-1", token=customer)
    await client.post("{ orders(first: 1) { totalCount } }")  # UNAUTHENTICATED
    await client.post("{ channels { nope } }")  # GRAPHQL_VALIDATION_FAILED
    async with factory.uow(client.db) as work:
        await create_endpoint(uow=work, url="http://127.0.0.1:9/hook", event_types=None, description=None,
                              egress=WebhookEgress(allow_private=True))

    text = await scrape(client)
    latency = samples(text, "commerce_graphql_request_duration_seconds_count")
    assert latency['{operation="Checkout"}'] == 1 and latency['{operation="anonymous"}'] >= 2
    assert samples(text, "commerce_graphql_request_duration_seconds_bucket")[
        '{le="+Inf",operation="Checkout"}'] == 1
    errors = samples(text, "commerce_graphql_errors_total")
    assert errors['{code="UNAUTHENTICATED"}'] == 1 and errors['{code="GRAPHQL_VALIDATION_FAILED"}'] == 1
    pending = samples(text, "commerce_outbox_pending")[""]
    assert pending >= 1 and samples(text, "commerce_outbox_lag_seconds")[""] >= 0
    assert samples(text, "commerce_webhook_deliveries") == {
        '{status="DELIVERED"}': 0, '{status="FAILED"}': 0, '{status="PENDING"}': 0, '{status="RETRYING"}': 0}
    assert samples(text, "commerce_live_subscriptions") == {"": 0}
    checked_out = samples(text, "commerce_db_pool_checked_out")
    assert checked_out and all(value >= 0 for value in checked_out.values())
    assert all(value > 0 for value in samples(text, "commerce_db_pool_size").values())
    assert samples(text, "commerce_http_responses_total")['{route="/graphql",status="200"}'] >= 1
    open_exceptions = samples(text, "commerce_open_exceptions")
    assert len(open_exceptions) == 8 and set(open_exceptions.values()) == {0}  # every kind, none open

    assert await client.app.state.runtime["relay"].publish_pending() == pending
    subscription = "subscription($id: ID) { orderUpdated(orderId: $id) { toStatus } }"
    async with subscribe_asgi(client.app, subscription, {"id": order["id"]}, token=customer):
        for _ in range(100):
            text = await scrape(client)
            if samples(text, "commerce_live_subscriptions")[""] == 1:
                break
            await asyncio.sleep(0.02)  # polling the gauge until the subscription reaches the broker
    assert samples(text, "commerce_live_subscriptions") == {"": 1}
    assert samples(text, "commerce_outbox_pending") == {"": 0}
    assert samples(text, "commerce_outbox_lag_seconds") == {"": 0}
    assert samples(text, "commerce_webhook_deliveries")['{status="PENDING"}'] == pending


async def test_gauge_sources_plug_in_and_a_failing_one_is_left_out(client: GraphQLClient) -> None:
    metrics = client.app.state.telemetry.metrics

    async def parcels_by_carrier(conn: Any) -> list[tuple[tuple[str, ...], float]]:
        return [(("dhl",), 2.0), (("ups",), 1.0)]

    async def broken(conn: Any) -> list[tuple[tuple[str, ...], float]]:
        raise RuntimeError("no such table")

    metrics.register_gauge_source("commerce_parcels", "Parcels in transit, by carrier",
                                  labels=("carrier",), read_db=parcels_by_carrier)
    metrics.register_gauge_source("commerce_broken", "fails", read_db=broken)
    text = await scrape(client)
    assert samples(text, "commerce_parcels") == {'{carrier="dhl"}': 2, '{carrier="ups"}': 1}
    assert "commerce_broken " not in text
    assert samples(text, "commerce_metrics_source_failures_total") == {'{source="commerce_broken"}': 1}


async def test_operation_names_are_normalised_and_capped(client: GraphQLClient) -> None:
    from app.observability import metrics as metrics_module

    long_name = "Q" + "x" * 100
    await client.http.post("/graphql", json={"query": f"query {long_name} {{ channels {{ slug }} }}"})
    await client.http.post("/graphql", json={"query": "{ channels { slug } }", "operationName": "not a name!"})
    text = await scrape(client)
    latency = samples(text, "commerce_graphql_request_duration_seconds_count")
    assert latency['{operation="%s"}' % long_name[:64]] == 1
    assert latency['{operation="not_a_name_"}'] == 1
    names = client.app.state.telemetry.metrics.operation_names
    for i in range(metrics_module.MAX_OPERATION_NAMES + 5):
        names(f"Op{i}")
    assert names("OneTooMany") == "other" and names("Op1") == "Op1"


async def test_metrics_need_the_token_when_one_is_configured(settings: Settings) -> None:
    async with running_client(settings.model_copy(update={"metrics_token": "scrape-secret"})) as client:
        assert (await client.http.get("/metrics")).status_code == 401
        assert (await client.http.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        response = await client.http.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert response.status_code == 200 and "commerce_outbox_pending" in response.text


async def test_without_a_token_metrics_are_served_to_loopback_clients_only(client: GraphQLClient) -> None:
    assert (await client.http.get("/metrics")).status_code == 200  # the ASGI client is 127.0.0.1
    transport = httpx.ASGITransport(app=client.app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as outsider:
        response = await outsider.get("/metrics")
    assert response.status_code == 403 and "COMMERCE_METRICS_TOKEN" in response.text


async def test_each_app_has_its_own_registry(client: GraphQLClient, settings: Settings) -> None:
    await client.post(CHANNELS)
    async with running_client(settings) as other:
        text = await scrape(other)
    assert "Channels" not in text
    assert 'operation="Channels"' in await scrape(client)


# Tracing


@pytest.fixture
async def traced(settings: Settings) -> AsyncIterator[tuple[GraphQLClient, Any]]:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    async with running_client(settings.model_copy(update={"response_cache_seconds": 0}),
                              span_exporter=exporter) as client:
        yield client, exporter


async def test_one_query_makes_one_operation_span_with_sql_children_and_no_field_spans(
        traced: tuple[GraphQLClient, Any]) -> None:
    client, exporter = traced
    await build_shop(client)
    exporter.clear()
    data = await client.data("query Catalog { products(first: 5) { edges { node { name category { name } "
                             "variants { sku price { amount } } } } } channels { slug } }")
    assert len(data["products"]["edges"]) == 3
    spans = exporter.get_finished_spans()
    operations = [span for span in spans if span.attributes.get("graphql.operation.name")]
    assert [span.name for span in operations] == ["query Catalog"]
    operation = operations[0]
    assert operation.parent is None
    sql = [span for span in spans if span is not operation]
    assert sql, "no SQL spans"
    for span in sql:
        assert span.attributes["db.query.text"] and span.parent is not None
        assert span.parent.span_id == operation.context.span_id
        assert span.context.trace_id == operation.context.trace_id
    assert all(span.name.split()[0].isupper() for span in sql)  # SELECT, ... : no per-field spans


async def test_statements_outside_operations_make_no_spans(traced: tuple[GraphQLClient, Any]) -> None:
    client, exporter = traced
    await client.app.state.runtime["relay"].publish_pending()
    await client.http.get("/readyz")
    assert exporter.get_finished_spans() == ()


def test_without_an_endpoint_opentelemetry_is_never_imported(database_url: str) -> None:
    program = (
        "import asyncio, sys\n"
        "from app.main import create_app\n"
        "from app.settings import Settings\n"
        f"app = create_app(Settings(database_url={database_url!r}, secret_key={TEST_SECRET!r}))\n"
        "async def main():\n"
        "    async with app.router.lifespan_context(app):\n"
        "        pass\n"
        "asyncio.run(main())\n"
        "print(sorted(name for name in sys.modules if name.startswith('opentelemetry')))\n")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("COMMERCE_OTEL", "OTEL_"))}
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


class Collector(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP collector stand-in: records what is posted (in its own thread, as a collector
    elsewhere would be)."""

    received: ClassVar[list[tuple[str, str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        self.received.append((self.path, self.headers.get("content-type", ""), body))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


async def test_the_otlp_endpoint_setting_sends_the_spans_to_a_collector(settings: Settings) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Collector.received.clear()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        async with running_client(settings.model_copy(update={"otel_exporter_otlp_endpoint": endpoint})) as client:
            await client.data(CHANNELS)
        # The lifespan's end flushed the batch.
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    assert [(path, kind) for path, kind, _ in Collector.received] == [("/v1/traces", "application/x-protobuf")]
    assert b"query Channels" in Collector.received[0][2] and b"commerce-graph" in Collector.received[0][2]
