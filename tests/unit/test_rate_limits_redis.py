"""The Redis rate limiter (through `limits`) refuses beyond the limit and says how long to wait."""

import uuid

import pytest

from app.rate_limits import RedisRateLimiter, Rule

pytestmark = pytest.mark.redis


async def test_redis_limiter_refuses_beyond_the_limit_with_retry_after(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url)
    rule = Rule(f"test-{uuid.uuid4().hex}", limit=2, window_seconds=60, what="attempts")
    try:
        assert [(await limiter.hit([(rule, "ann")])).allowed for _ in range(3)] == [True, True, False]
        refused = await limiter.hit([(rule, "ann")])
        assert not refused.allowed and 1 <= refused.retry_after <= 60
        assert (await limiter.hit([(rule, "bob")])).allowed
    finally:
        await limiter.close()
