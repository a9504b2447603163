"""Per-client query cost over time: a leaky bucket per client, in this process's memory or, with
COMMERCE_REDIS_URL, in Redis (shared by every API process).

Each client (a signed-in user, else an address) has a bucket that holds `per_minute` cost points
and drains at `per_minute / 60` per second. A query is admitted when its cost fits in what is left;
otherwise it is refused, nothing is charged, and the caller learns when it would fit.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from app.auth import Viewer

logger = logging.getLogger("commerce")


def client_key(viewer: Viewer | None, address: str | None) -> str:
    return f"user:{viewer.user_id}" if viewer is not None else f"address:{address or 'unknown'}"


class Budget(Protocol):
    async def take(self, key: str, cost: int) -> float | None: ...

    async def close(self) -> None: ...


class CostBudget:
    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 100_000) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self.max_clients = max_clients
        self.buckets: dict[str, tuple[float, float]] = {}

    async def take(self, key: str, cost: int) -> float | None:
        return self.take_now(key, cost)

    async def close(self) -> None:
        return None

    def take_now(self, key: str, cost: int) -> float | None:
        """Charge `cost` to `key`: None when admitted, else the seconds until it would fit."""
        now = self.clock()
        level, then = self.buckets.get(key, (0.0, now))
        level = max(0.0, level - (now - then) * self.rate)
        if level + cost > self.capacity:
            return (level + cost - self.capacity) / self.rate
        if len(self.buckets) >= self.max_clients and key not in self.buckets:
            self._forget_drained(now)
            while len(self.buckets) >= self.max_clients:  # still full: the oldest entries go
                del self.buckets[next(iter(self.buckets))]
        self.buckets[key] = (level + cost, now)
        return None

    def _forget_drained(self, now: float) -> None:
        self.buckets = {k: (level, then) for k, (level, then) in self.buckets.items()
                        if level - (now - then) * self.rate > 0}


# KEYS[1]: the bucket; ARGV: capacity, drain per second, cost. Redis's clock, so that every process
# drains alike. Returns nil when admitted, else the seconds to wait (a string: Lua numbers become
# integers on the way out).
LEAKY_BUCKET = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local capacity, rate, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local level = tonumber(redis.call('HGET', KEYS[1], 'level') or '0')
local at = tonumber(redis.call('HGET', KEYS[1], 'at')) or now
level = math.max(0, level - math.max(0, now - at) * rate)
if level + cost > capacity then
  return tostring((level + cost - capacity) / rate)
end
redis.call('HSET', KEYS[1], 'level', string.format('%.6f', level + cost), 'at', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((level + cost) / rate * 1000) + 1000)
return nil
"""


class RedisCostBudget:
    """The same bucket in Redis. When Redis cannot be reached the query is admitted (and logged):
    the budget protects the database, it should not take the API down with Redis."""

    def __init__(self, url: str, per_minute: int, *, prefix: str = "commerce:cost:") -> None:
        import redis.asyncio as redis

        self.redis: Any = redis.from_url(url)
        self.capacity = per_minute
        self.rate = per_minute / 60.0
        self.prefix = prefix
        self.script = self.redis.register_script(LEAKY_BUCKET)

    async def take(self, key: str, cost: int) -> float | None:
        try:
            wait = await self.script(keys=[self.prefix + key], args=[self.capacity, self.rate, cost])
        except Exception:  # see the class docstring
            logger.exception("cost budget: Redis unreachable, query admitted")
            return None
        return None if wait is None else max(float(wait), 0.0)

    async def close(self) -> None:
        await self.redis.aclose()


def make_budget(per_minute: int, max_query_cost: int, redis_url: str | None) -> Budget | None:
    """None when per-client budgets are off. The bucket holds at least one query of the highest cost."""
    if per_minute <= 0:
        return None
    capacity = max(per_minute, max_query_cost)
    return RedisCostBudget(redis_url, capacity) if redis_url else CostBudget(capacity)


@dataclass
class QueryGuard:
    """What the cost extension and the execution timeout share for one request."""

    budget: Budget | None
    client: str
    deadline: asyncio.Timeout | None = None
    requested: int = 0

    def exempt_from_deadline(self) -> None:
        if self.deadline is not None:
            self.deadline.reschedule(None)
