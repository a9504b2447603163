"""graphql-transport-ws over the ASGI app in this process (no server, no network), for tests that
need the app's broker and relay at hand. tests/support/ws.py is the same client for live servers."""

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from typing import Any

from starlette.types import ASGIApp

PROTOCOL = "graphql-transport-ws"


class AsgiSubscriber:
    def __init__(self, to_app: "asyncio.Queue[dict[str, Any]]", from_app: "asyncio.Queue[dict[str, Any]]") -> None:
        self.to_app = to_app
        self.from_app = from_app

    async def send(self, message: Mapping[str, Any]) -> None:
        await self.to_app.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def receive(self, timeout: float) -> dict[str, Any]:
        event = await asyncio.wait_for(self.from_app.get(), timeout)
        if event["type"] == "websocket.close":
            raise ConnectionError(f"closed by the app: {event.get('code')} {event.get('reason')}")
        text = event.get("text") or (event.get("bytes") or b"").decode()
        return json.loads(text)  # type: ignore[no-any-return]

    async def next(self, timeout: float = 10.0) -> dict[str, Any]:
        """The next `next`/`error`/`complete` message of the subscription (pings are answered)."""
        while True:
            message = await self.receive(timeout)
            if message["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            if message["type"] in ("next", "error", "complete"):
                return message


def _scope() -> dict[str, Any]:
    return {"type": "websocket", "asgi": {"version": "3.0"}, "http_version": "1.1", "scheme": "ws",
            "path": "/graphql", "raw_path": b"/graphql", "root_path": "", "query_string": b"",
            "headers": [(b"host", b"test"), (b"sec-websocket-protocol", PROTOCOL.encode())],
            "client": ("127.0.0.1", 50000), "server": ("test", 80), "subprotocols": [PROTOCOL]}


@asynccontextmanager
async def subscribe_asgi(app: ASGIApp, query: str, variables: Mapping[str, Any] | None = None, *,
                         token: str | None = None) -> AsyncIterator[AsgiSubscriber]:
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await to_app.put({"type": "websocket.connect"})
    task = asyncio.create_task(app(_scope(), to_app.get, from_app.put))  # type: ignore[arg-type]
    subscriber = AsgiSubscriber(to_app, from_app)
    try:
        accepted = await asyncio.wait_for(from_app.get(), 10)
        assert accepted["type"] == "websocket.accept" and accepted.get("subprotocol") == PROTOCOL, accepted
        await subscriber.send({"type": "connection_init",
                               "payload": {"authorization": f"Bearer {token}"} if token else {}})
        ack = await subscriber.receive(10)
        assert ack["type"] == "connection_ack", ack
        await subscriber.send({"id": "1", "type": "subscribe",
                               "payload": {"query": query, "variables": dict(variables or {})}})
        yield subscriber
    finally:
        await to_app.put({"type": "websocket.disconnect", "code": 1000})
        with suppress(Exception):
            await asyncio.wait_for(task, 10)
        if not task.done():
            task.cancel()
            with suppress(BaseException):
                await task


class AsgiSocket:
    """One raw WebSocket to the app: frames in, events out (accept, text, close)."""

    def __init__(self, to_app: "asyncio.Queue[dict[str, Any]]", from_app: "asyncio.Queue[dict[str, Any]]") -> None:
        self.to_app = to_app
        self.from_app = from_app

    async def send_text(self, text: str) -> None:
        await self.to_app.put({"type": "websocket.receive", "text": text})

    async def event(self, timeout: float = 10.0) -> dict[str, Any]:
        """The next ASGI event the app sent, answering pings."""
        while True:
            event = await asyncio.wait_for(self.from_app.get(), timeout)
            if event["type"] == "websocket.send" and json.loads(event.get("text") or "{}").get("type") == "ping":
                await self.send_text(json.dumps({"type": "pong"}))
                continue
            return event

    async def init(self, token: str | None = None) -> dict[str, Any]:
        """Sends connection_init; the app's answer: a connection_ack message or a close event."""
        await self.send_text(json.dumps({"type": "connection_init",
                                         "payload": {"authorization": f"Bearer {token}"} if token else {}}))
        event = await self.event()
        return json.loads(event["text"]) if event["type"] == "websocket.send" else event  # type: ignore[no-any-return]


@asynccontextmanager
async def connect_asgi(app: ASGIApp, *, address: str = "127.0.0.1") -> AsyncIterator[AsgiSocket]:
    """A WebSocket from `address` whose first event (accept, or a refusal) the test reads itself."""
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await to_app.put({"type": "websocket.connect"})
    scope = {**_scope(), "client": (address, 50000)}
    task = asyncio.create_task(app(scope, to_app.get, from_app.put))  # type: ignore[arg-type]
    try:
        yield AsgiSocket(to_app, from_app)
    finally:
        await to_app.put({"type": "websocket.disconnect", "code": 1000})
        with suppress(Exception):
            await asyncio.wait_for(task, 10)
        if not task.done():
            task.cancel()
            with suppress(BaseException):
                await task
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise AssertionError("the app raised instead of closing the socket") from task.exception()
