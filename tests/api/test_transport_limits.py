"""Limits at the transport: request bodies are refused with 413 as soon as they pass their path's
limit (never read whole), webhook headers are read strictly (401, never 500), WebSocket connections
are capped per user and per client address (4429), malformed frames close the socket with 4400,
and refusals are logged as one line without a traceback."""

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from app.integrations.signatures import sign, signed_headers
from app.settings import Settings
from app.transport_limits import GRAPHQL_BODY_LIMIT, WEBHOOK_BODY_LIMIT
from tests.conftest import TEST_SECRET
from tests.support import factory
from tests.support.asgi_ws import connect_asgi
from tests.support.client import GraphQLClient

SECRET = "whsec_" + "transport" * 4
TEN_MB = 10 * 1024 * 1024
CHUNK = 16 * 1024


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET, env="development", run_relay=False,
                    warehouse_webhook_secret=SECRET, max_ws_connections_per_user=2,
                    max_ws_connections_per_address=3)


class CountingBody:
    """A streamed request body of `total` bytes that counts how many of them the server pulled."""

    def __init__(self, total: int, first: bytes = b"") -> None:
        self.total = total
        self.first = first
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.first:
            self.pulled += len(self.first)
            yield self.first
        while self.pulled < self.total:
            chunk = b" " * min(CHUNK, self.total - self.pulled)
            self.pulled += len(chunk)
            yield chunk


async def customer_token(client: GraphQLClient, email: str = "ann@example.com") -> str:
    return client.token_for(await factory.make_user(client.db, email, factory.Role.CUSTOMER))


# Bodies


async def test_a_ten_mb_signed_in_graphql_body_is_refused_before_it_is_read_whole(client: GraphQLClient) -> None:
    token = await customer_token(client)
    body = CountingBody(TEN_MB, first=b'{"query": "{ channels { slug } }", "padding": "')
    response = await client.http.post("/graphql", content=body, headers={
        "Authorization": f"Bearer {token}", "content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert body.pulled <= GRAPHQL_BODY_LIMIT + 2 * CHUNK


async def test_a_ten_mb_anonymous_graphql_body_is_refused_the_same_way(client: GraphQLClient) -> None:
    body = CountingBody(TEN_MB, first=b'{"query": "{ channels { slug } }", "padding": "')
    response = await client.http.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert body.pulled <= GRAPHQL_BODY_LIMIT + 2 * CHUNK


async def test_a_declared_content_length_over_the_limit_is_refused_without_reading(client: GraphQLClient) -> None:
    token = await customer_token(client)
    body = CountingBody(TEN_MB)
    response = await client.http.post("/graphql", content=body, headers={
        "Authorization": f"Bearer {token}", "content-type": "application/json", "content-length": str(TEN_MB)})
    assert response.status_code == 413
    assert body.pulled <= CHUNK


async def test_a_ten_mb_webhook_body_is_refused_near_64_kb(client: GraphQLClient) -> None:
    body = CountingBody(TEN_MB, first=b'{"padding": "')
    response = await client.http.post("/webhooks/warehouse", content=body, headers={
        **signed_headers(SECRET, "msg_big", int(time.time()), b"whatever"), "content-type": "application/json"})
    assert response.status_code == 413
    assert body.pulled <= WEBHOOK_BODY_LIMIT + 2 * CHUNK


async def test_bodies_within_the_limit_are_served(client: GraphQLClient) -> None:
    token = await customer_token(client)
    payload = orjson.dumps({"query": "{ channels { slug } }", "extensions": {"padding": "x" * 900_000}})
    for headers in ({"Authorization": f"Bearer {token}"}, {}):
        response = await client.http.post("/graphql", content=payload,
                                          headers={**headers, "content-type": "application/json"})
        assert response.status_code == 200, response.text
        assert response.json()["data"] == {"channels": []}


@pytest.mark.parametrize("payload", [b"[" * 500_000, b'{"query": "{ channels { slug } }", "variables": ' + b"1" * 5000
                                     + b"}"])
async def test_pathological_json_is_a_client_error(client: GraphQLClient, payload: bytes) -> None:
    response = await client.http.post("/graphql", content=payload, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500


# Webhook headers

BAD_TIMESTAMPS = {"superscript two": "\u00b2", "4301 digits": "1" * 4301, "negative": "-1",
                  "leading space": " 12", "13 digits": "1" * 13, "arabic digits": "\u0661\u0662", "empty": ""}


@pytest.mark.parametrize("case", BAD_TIMESTAMPS)
async def test_malformed_webhook_timestamps_are_401_not_500(client: GraphQLClient, case: str) -> None:
    body = b'{"type": "shipment.picked"}'
    timestamp = BAD_TIMESTAMPS[case]
    # Header bytes as a client may send them: Starlette reads them as latin-1, so b"\xb2" arrives as "²".
    raw = timestamp.encode("latin-1") if max(map(ord, timestamp), default=0) < 256 else timestamp.encode()
    headers = [(b"webhook-id", b"msg_1"), (b"webhook-timestamp", raw), (b"webhook-signature", b"v1,AAAA"),
               (b"content-type", b"application/json")]
    response = await client.http.post("/webhooks/warehouse", content=body, headers=headers)
    assert response.status_code == 401, response.text


@pytest.mark.parametrize("header", ["webhook-id", "webhook-signature"])
@pytest.mark.parametrize("value", ["m\u00e9sg".encode("latin-1"), b"x" * 3000, b"a\tb"])
async def test_malformed_webhook_ids_and_signatures_are_401_not_500(client: GraphQLClient, header: str,
                                                                     value: bytes) -> None:
    body = b'{"type": "shipment.picked"}'
    now = int(time.time())
    headers = {"webhook-id": b"msg_1", "webhook-timestamp": str(now).encode(),
               "webhook-signature": sign(SECRET, "msg_1", now, body).encode(), header: value}
    response = await client.http.post("/webhooks/warehouse", content=body, headers=list(headers.items()))
    assert response.status_code == 401, response.text


# WebSocket connections


async def test_connections_beyond_the_per_user_cap_are_closed_with_4429(client: GraphQLClient) -> None:
    token = await customer_token(client)
    async with connect_asgi(client.app, address="10.0.0.1") as first, \
            connect_asgi(client.app, address="10.0.0.2") as second:
        for socket in (first, second):
            assert (await socket.event())["type"] == "websocket.accept"
            assert (await socket.init(token))["type"] == "connection_ack"
        async with connect_asgi(client.app, address="10.0.0.3") as third:
            assert (await third.event())["type"] == "websocket.accept"
            refused = await third.init(token)
            assert refused["type"] == "websocket.close" and refused["code"] == 4429, refused
        other = await customer_token(client, "bob@example.com")
        async with connect_asgi(client.app, address="10.0.0.3") as bobs:
            assert (await bobs.event())["type"] == "websocket.accept"
            assert (await bobs.init(other))["type"] == "connection_ack"
    async with connect_asgi(client.app, address="10.0.0.4") as again:  # the closed ones are released
        assert (await again.event())["type"] == "websocket.accept"
        assert (await again.init(token))["type"] == "connection_ack"


async def test_connections_beyond_the_per_address_cap_are_closed_with_4429(client: GraphQLClient) -> None:
    async with connect_asgi(client.app) as a, connect_asgi(client.app) as b, connect_asgi(client.app) as c:
        for socket in (a, b, c):
            assert (await socket.event())["type"] == "websocket.accept"
            assert (await socket.init())["type"] == "connection_ack"
        async with connect_asgi(client.app) as fourth:
            assert (await fourth.event())["type"] == "websocket.accept"
            refused = await fourth.event()
            assert refused["type"] == "websocket.close" and refused["code"] == 4429, refused
        async with connect_asgi(client.app, address="192.0.2.7") as elsewhere:
            assert (await elsewhere.event())["type"] == "websocket.accept"
            assert (await elsewhere.init())["type"] == "connection_ack"


MALFORMED_FRAMES = {
    "a list": "[1,2]", "a number": "42", "a string": '"connection_init"', "no type": "{}",
    "a type that is not a string": '{"type": 1}', "an unknown type": '{"type": "hello"}',
    "a subscribe with a list id": '{"type": "subscribe", "id": [1], "payload": {"query": "{ channels { slug } }"}}',
    "a subscribe with a string payload": '{"type": "subscribe", "id": "1", "payload": "x"}',
    "a subscribe without a query": '{"type": "subscribe", "id": "1", "payload": {}}',
    "a complete with an object id": '{"type": "complete", "id": {}}',
    "deeply nested": "[" * 100_000,
}


@pytest.mark.parametrize("case", MALFORMED_FRAMES)
async def test_malformed_frames_close_the_socket_with_4400(client: GraphQLClient, case: str) -> None:
    async with connect_asgi(client.app) as socket:
        assert (await socket.event())["type"] == "websocket.accept"
        assert (await socket.init())["type"] == "connection_ack"
        await socket.send_text(MALFORMED_FRAMES[case])
        closed = await socket.event()
        assert closed["type"] == "websocket.close" and closed["code"] == 4400, closed


async def test_a_list_frame_before_connection_init_closes_with_4400(client: GraphQLClient) -> None:
    async with connect_asgi(client.app) as socket:
        assert (await socket.event())["type"] == "websocket.accept"
        await socket.send_text("[1,2]")
        closed = await socket.event()
        assert closed["type"] == "websocket.close" and closed["code"] == 4400, closed


# Logs


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.exc_info or record.exc_text]


async def test_a_refused_bad_query_logs_one_short_line_without_a_traceback(client: GraphQLClient,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    huge = "{ channels { " + "slug " * 180_000 + "} }"  # 900 KB
    for query in (huge, "{ products( }", "{ orders(first: 1) { totalCount } }", "{ products(first: 1000) { totalCount } }"):
        caplog.clear()
        response = await client.post(query)
        assert response.status_code in (200, 400) and response.json()["errors"]
        logged = [record for record in caplog.records if record.name == "strawberry.execution"]
        assert len(logged) == 1, [r.getMessage()[:300] for r in logged]
        assert not tracebacks(caplog)
        line = logged[0].getMessage()
        assert "\n" not in line and len(line) < 300, line[:300]


async def test_transport_refusals_log_one_line_without_a_traceback(client: GraphQLClient,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    response = await client.http.post("/graphql", content=b"x" * (GRAPHQL_BODY_LIMIT + 1),
                                      headers={"content-type": "application/json"})
    assert response.status_code == 413
    body = b"{}"
    response = await client.http.post("/webhooks/warehouse", content=body, headers=[
        (b"webhook-id", b"msg_1"), (b"webhook-timestamp", "\u00b2".encode("latin-1")),
        (b"webhook-signature", b"v1,AAAA")])
    assert response.status_code == 401
    response = await client.post("{ channels { slug } }", token="not-a-token")
    assert response.status_code == 401
    assert not tracebacks(caplog)
    # The refusal lines (the access line every request also gets, commerce.access, is another kind).
    lines = [record.getMessage() for record in caplog.records
             if record.name.startswith("commerce") and record.name != "commerce.access"]
    assert all("\n" not in line for line in lines)
    for expected in ("PAYLOAD_TOO_LARGE", "warehouse webhook", "UNAUTHENTICATED"):
        assert sum(expected in line for line in lines) == 1, (expected, lines)


async def test_unexpected_faults_still_log_their_traceback(client: GraphQLClient, caplog: pytest.LogCaptureFixture,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from app.pagination import Listing

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom " + "x" * 1000)

    monkeypatch.setattr(Listing, "page", broken)
    caplog.set_level(logging.INFO)
    response = await client.post("{ products(first: 1) { totalCount } }")
    assert response.json()["errors"][0]["message"] == "Unexpected error."
    faults = [record for record in caplog.records if record.name == "strawberry.execution"]
    assert len(faults) == 1 and faults[0].exc_info and len(faults[0].getMessage()) < 300

