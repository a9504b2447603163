"""Live-update fan-out: one Broker interface, in-process (default) or Redis pub/sub.

Subscriptions read from the broker only, never from tables. Each process keeps its own local
fan-out (a queue per subscriber); with Redis, one pattern subscription per process feeds it, so
any process's relay reaches subscribers on every process.
"""

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import orjson

logger = logging.getLogger("commerce.pubsub")
PREFIX = "commerce:"
QUEUE_LIMIT = 1000


class Broker(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, channel: str, message: dict[str, Any]) -> None: ...

    def subscribe(self, channel: str) -> "AsyncIterator[dict[str, Any]]": ...

    def subscriber_count(self) -> int: ...

    async def ping(self) -> None: ...


class LocalFanout:
    """Subscribers of this process, by channel."""

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)

    def deliver(self, channel: str, message: dict[str, Any]) -> None:
        for queue in list(self._queues.get(channel, ())):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:  # a subscriber this far behind misses events rather than stall others
                logger.warning("dropping an event for a slow subscriber on %s", channel)

    @asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_LIMIT)
        self._queues[channel].add(queue)
        try:
            yield queue
        finally:
            self._queues[channel].discard(queue)
            if not self._queues[channel]:
                del self._queues[channel]

    def count(self) -> int:
        return sum(len(q) for q in self._queues.values())


class InProcessBroker:
    """The embedded default: publish and subscribe within one process."""

    def __init__(self) -> None:
        self.local = LocalFanout()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        self.local.deliver(channel, message)

    async def subscribe(self, channel: str) -> AsyncIterator[dict[str, Any]]:  # type: ignore[override]
        async with self.local.listen(channel) as queue:
            while True:
                yield await queue.get()

    def subscriber_count(self) -> int:
        return self.local.count()

    async def ping(self) -> None:
        return None


class RedisBroker(InProcessBroker):
    """Redis pub/sub across processes: publish to `commerce:<channel>`, and one PSUBSCRIBE
    `commerce:*` per process feeding the local fan-out (subscribing is the in-process broker's)."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        super().__init__()
        self.redis = redis.from_url(url)
        self._listener: asyncio.Task[None] | None = None

    async def start(self) -> None:
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.psubscribe(f"{PREFIX}*")
        self._listener = asyncio.create_task(self._listen(pubsub))

    async def _listen(self, pubsub: Any) -> None:
        try:
            while True:
                try:
                    message = await pubsub.get_message(timeout=5.0)
                except Exception:
                    logger.exception("redis pub/sub connection lost; resubscribing")
                    await asyncio.sleep(1)
                    with contextlib.suppress(Exception):
                        await pubsub.psubscribe(f"{PREFIX}*")
                    continue
                if message is None or message.get("type") != "pmessage":
                    continue
                channel = message["channel"].decode().removeprefix(PREFIX)
                self.local.deliver(channel, orjson.loads(message["data"]))
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self.redis.aclose()

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        await self.redis.publish(f"{PREFIX}{channel}", orjson.dumps(message))

    async def ping(self) -> None:
        await self.redis.ping()


def make_broker(redis_url: str | None) -> Broker:
    return RedisBroker(redis_url) if redis_url else InProcessBroker()  # type: ignore[return-value]
