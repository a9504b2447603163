"""Per-client query cost over time: a leaky bucket per client, in this process's memory.

Each client (a signed-in user, else an address) has a bucket that holds `per_minute` cost points
and drains at `per_minute / 60` per second. A query is admitted when its cost fits in what is left;
otherwise it is refused, nothing is charged, and the caller learns when it would fit.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.auth import Viewer


def client_key(viewer: Viewer | None, address: str | None) -> str:
    return f"user:{viewer.user_id}" if viewer is not None else f"address:{address or 'unknown'}"


class CostBudget:
    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 100_000) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self.max_clients = max_clients
        self.buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, cost: int) -> float | None:
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


@dataclass
class QueryGuard:
    """What the cost extension and the execution timeout share for one request."""

    budget: CostBudget | None
    client: str
    deadline: asyncio.Timeout | None = None
    requested: int = 0

    def exempt_from_deadline(self) -> None:
        if self.deadline is not None:
            self.deadline.reschedule(None)
