"""Rate limits on the doors an attacker knocks on: sign-in, sign-up, token refresh, promo codes and
inbound webhooks.

A `Rule` allows `limit` attempts per `window_seconds` for one key (an e-mail, a client address, a
cart), counted in a moving window. `RateLimiter` is the port: `MemoryRateLimiter` keeps the windows
in this process and reads an injectable clock (tests move time instead of sleeping);
`RedisRateLimiter` shares them between processes through the `limits` library when
COMMERCE_REDIS_URL is set. Keys are hashed: no e-mail address is written to Redis.

A refused attempt is not counted, so a client that waits `retry_after` seconds gets in again.
"""

import asyncio
import hashlib
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from app.domain.errors import DomainError, ErrorCode, Problem
from app.settings import Settings


@dataclass(frozen=True, slots=True)
class Rule:
    """At most `limit` attempts per `window_seconds` for one key; `limit` 0 switches it off."""

    name: str
    limit: int
    window_seconds: int
    what: str  # how a refusal names the attempts, e.g. "sign-in attempts"


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # whole seconds until the next attempt would be allowed


Check = tuple[Rule, str]  # a rule and the key it counts for


class RateLimiter(Protocol):
    async def hit(self, checks: Sequence[Check]) -> Verdict:
        """Count one attempt against every (rule, key) if all of them allow it; else count nothing
        and say how long until they would."""
        ...

    async def close(self) -> None: ...


def _key(rule: Rule, key: str) -> str:
    return f"{rule.name}:{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()[:32]}"


class MemoryRateLimiter:
    """Moving windows in this process's memory (one process, or tests)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self.clock = clock
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = asyncio.Lock()

    def _window(self, key: str, rule: Rule, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - rule.window_seconds:
            hits.popleft()
        return hits

    def _forget_idle(self, now: float, longest: int) -> None:
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - longest]:
            del self._hits[key]

    async def hit(self, checks: Sequence[Check]) -> Verdict:
        checks = [(rule, key) for rule, key in checks if rule.limit > 0]
        async with self._lock:
            now = self.clock()
            windows = [(rule, self._window(_key(rule, key), rule, now)) for rule, key in checks]
            waits = [hits[len(hits) - rule.limit] + rule.window_seconds - now
                     for rule, hits in windows if len(hits) >= rule.limit]
            if waits:
                return Verdict(False, max(1, math.ceil(max(waits))))
            for _rule, hits in windows:
                hits.append(now)
            if len(self._hits) > self.max_keys:
                self._forget_idle(now, max(rule.window_seconds for rule, _ in checks))
            return Verdict(True)

    async def close(self) -> None:
        self._hits.clear()


class RedisRateLimiter:
    """Moving windows in Redis, shared by every process (the `limits` library's strategy)."""

    def __init__(self, redis_url: str) -> None:
        from limits.aio.storage import RedisStorage
        from limits.aio.strategies import MovingWindowRateLimiter

        self.storage = RedisStorage(f"async+{redis_url}", implementation="redispy",
                                    key_prefix="commerce-rate")
        self.strategy = MovingWindowRateLimiter(self.storage)

    @staticmethod
    def _item(rule: Rule):  # type: ignore[no-untyped-def]
        from limits import RateLimitItemPerSecond

        return RateLimitItemPerSecond(rule.limit, rule.window_seconds, namespace=rule.name)

    async def hit(self, checks: Sequence[Check]) -> Verdict:
        items = [(self._item(rule), _key(rule, key)) for rule, key in checks if rule.limit > 0]
        waits = []
        for item, key in items:
            if not await self.strategy.test(item, key):
                stats = await self.strategy.get_window_stats(item, key)
                waits.append(stats.reset_time - time.time())
        if not waits:
            for item, key in items:
                if not await self.strategy.hit(item, key):  # lost a race for the last attempt
                    stats = await self.strategy.get_window_stats(item, key)
                    waits.append(stats.reset_time - time.time())
        if waits:
            return Verdict(False, max(1, math.ceil(max(waits))))
        return Verdict(True)

    async def close(self) -> None:
        bridge = getattr(self.storage, "bridge", None)
        client = getattr(bridge, "storage", None)
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()


def make_rate_limiter(settings: Settings) -> RateLimiter:
    """Redis when COMMERCE_REDIS_URL is set (limits hold across processes), else memory."""
    return RedisRateLimiter(settings.redis_url) if settings.redis_url else MemoryRateLimiter()


@dataclass(frozen=True, slots=True)
class Rules:
    """The limits in force, from COMMERCE_* settings."""

    sign_in_per_email: Rule
    sign_in_per_client: Rule
    register_per_email: Rule
    register_per_client: Rule
    refresh_per_client: Rule
    promo_per_client: Rule
    promo_per_cart: Rule
    webhook_per_source: Rule

    @classmethod
    def of(cls, s: Settings) -> "Rules":
        return cls(
            sign_in_per_email=Rule("signin-email", s.signin_attempts_per_minute, 60, "sign-in attempts"),
            sign_in_per_client=Rule("signin-client", s.signin_attempts_per_minute_per_client, 60,
                                    "sign-in attempts"),
            register_per_email=Rule("register-email", s.registrations_per_hour_per_email, 3600,
                                    "sign-up attempts"),
            register_per_client=Rule("register-client", s.registrations_per_hour_per_client, 3600,
                                     "sign-up attempts"),
            refresh_per_client=Rule("refresh-client", s.token_refreshes_per_minute, 60, "token refreshes"),
            promo_per_client=Rule("promo-client", s.promo_attempts_per_minute_per_client, 60,
                                  "promo code attempts"),
            promo_per_cart=Rule("promo-cart", s.promo_attempts_per_minute_per_cart, 60, "promo code attempts"),
            webhook_per_source=Rule("webhook-source", s.webhooks_per_minute, 60, "webhook calls"),
        )


async def enforce(limiter: RateLimiter, checks: Sequence[Check], *field: str) -> None:
    """Count one attempt, or refuse it with RATE_LIMITED and the seconds to wait (retryAfter)."""
    verdict = await limiter.hit(checks)
    if not verdict.allowed:
        what = checks[0][0].what
        raise DomainError(Problem(ErrorCode.RATE_LIMITED,
                                  f"Too many {what}; try again in {verdict.retry_after} seconds.",
                                  tuple(field) or None, retry_after=verdict.retry_after))


def normalised_email(email: str) -> str:
    return email.strip().lower()[:320]
