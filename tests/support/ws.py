"""A minimal graphql-transport-ws client for subscription tests."""

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import websockets

PROTOCOL = "graphql-transport-ws"


class Subscriber:
    def __init__(self, socket: Any) -> None:
        self.socket = socket

    async def next(self, timeout: float = 20.0) -> dict[str, Any]:
        """The next `next`/`error`/`complete` message of the subscription (pings are answered)."""
        while True:
            message = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
            if message["type"] == "ping":
                await self.socket.send(json.dumps({"type": "pong"}))
                continue
            if message["type"] in ("next", "error", "complete"):
                return message  # type: ignore[no-any-return]


@asynccontextmanager
async def subscribe(base_url: str, query: str, variables: Mapping[str, Any] | None = None, *,
                    token: str | None = None) -> AsyncIterator[Subscriber]:
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
        payload = {"authorization": f"Bearer {token}"} if token else {}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        await socket.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": query, "variables": dict(variables or {})}}))
        yield Subscriber(socket)
