"""A minimal graphql-transport-ws client for subscription tests.

As strict as graphql-ws (Apollo Client, urql, Relay): every message must arrive in a text frame;
a binary frame fails the test instead of being decoded anyway.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import websockets

PROTOCOL = "graphql-transport-ws"


async def receive_message(socket: Any, timeout: float) -> dict[str, Any]:
    """The next message, which must come in a text frame holding a JSON object with a `type`."""
    frame = await asyncio.wait_for(socket.recv(), timeout)
    assert isinstance(frame, str), f"binary WebSocket frame (graphql-ws refuses it): {frame[:200]!r}"
    message = json.loads(frame)
    assert isinstance(message, dict) and "type" in message, f"not a graphql-transport-ws message: {frame}"
    return message


class Subscriber:
    def __init__(self, socket: Any) -> None:
        self.socket = socket

    async def next(self, timeout: float = 20.0) -> dict[str, Any]:
        """The next `next`/`error`/`complete` message of the subscription (pings are answered)."""
        while True:
            message = await receive_message(self.socket, timeout)
            if message["type"] == "ping":
                await self.socket.send(json.dumps({"type": "pong"}))
                continue
            if message["type"] in ("next", "error", "complete"):
                return message


@asynccontextmanager
async def subscribe(base_url: str, query: str, variables: Mapping[str, Any] | None = None, *,
                    token: str | None = None) -> AsyncIterator[Subscriber]:
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
        payload = {"authorization": f"Bearer {token}"} if token else {}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = await receive_message(socket, 10)
        assert ack["type"] == "connection_ack", ack
        await socket.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": query, "variables": dict(variables or {})}}))
        yield Subscriber(socket)
