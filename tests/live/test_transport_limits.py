"""Transport limits against a real `commerce serve`: a request that declares 10 MB gets its 413
before it sends a byte of body, a chunked one once it has sent a little more than the limit; real
WebSocket clients see the 4429 and 4400 close codes."""

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import websockets.exceptions

from app.auth import issue_token
from app.db import Database
from app.policy.permissions import Role
from tests.conftest import TEST_SECRET
from tests.support import factory
from tests.support.live import LiveClient, live_server
from tests.support.ws import PROTOCOL, receive_message

TEN_MB = 10 * 1024 * 1024


async def status_of(reader: asyncio.StreamReader) -> int:
    status_line = await asyncio.wait_for(reader.readline(), 20)
    return int(status_line.split()[1])


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()


async def open_to(live: LiveClient) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    address = urlsplit(live.server.base_url)
    return await asyncio.open_connection(address.hostname, address.port)


async def test_a_declared_ten_mb_body_is_refused_before_any_of_it_is_sent(live: LiveClient) -> None:
    for path in ("/graphql", "/webhooks/warehouse"):
        reader, writer = await open_to(live)
        writer.write(f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {TEN_MB}\r\n\r\n".encode())
        await writer.drain()
        assert await status_of(reader) == 413  # no body sent: the server did not wait for it
        await close(writer)


async def test_a_chunked_body_is_refused_once_it_passes_the_limit(live: LiveClient) -> None:
    for path, sent in (("/graphql", 1024 * 1024 + 64 * 1024), ("/webhooks/warehouse", 128 * 1024)):
        reader, writer = await open_to(live)
        writer.write(f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b" " * 16 * 1024
        for _ in range(sent // len(chunk)):  # then stops sending, without ending the body
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        await writer.drain()
        assert await status_of(reader) == 413
        await close(writer)


async def test_websocket_caps_and_malformed_frames_over_a_real_socket(database_url: str, db: Database) -> None:
    """graphql-ws sees the close codes: 4429 for a connection over the per-user cap, 4400 for `[1,2]`."""
    viewer = await factory.make_user(db, "ann@example.com", Role.CUSTOMER)
    token = issue_token(viewer, secret=TEST_SECRET, now=datetime.now(UTC), lifetime=timedelta(minutes=15))
    init = json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    async with live_server(database_url, TEST_SECRET, extra_env={"COMMERCE_MAX_WS_CONNECTIONS_PER_USER": "2"}) as server:
        url = server.base_url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(url, subprotocols=[PROTOCOL]) as first, \
                websockets.connect(url, subprotocols=[PROTOCOL]) as second:  # type: ignore[list-item]
            for socket in (first, second):
                await socket.send(init)
                assert (await receive_message(socket, 10))["type"] == "connection_ack"
            async with websockets.connect(url, subprotocols=[PROTOCOL]) as third:  # type: ignore[list-item]
                await third.send(init)
                with pytest.raises(websockets.exceptions.ConnectionClosed) as refused:
                    await receive_message(third, 10)
                assert refused.value.rcvd is not None and refused.value.rcvd.code == 4429
            await first.send("[1,2]")
            with pytest.raises(websockets.exceptions.ConnectionClosed) as malformed:
                await receive_message(first, 10)
            assert malformed.value.rcvd is not None and malformed.value.rcvd.code == 4400
