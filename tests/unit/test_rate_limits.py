"""The in-memory rate limiter: moving windows read from an injected clock (no sleeping)."""

from app.rate_limits import MemoryRateLimiter, Rule, Verdict

SIGN_IN = Rule("signin", limit=3, window_seconds=60, what="sign-in attempts")
PER_CLIENT = Rule("client", limit=5, window_seconds=60, what="sign-in attempts")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_attempts_beyond_the_limit_are_refused_until_the_oldest_leaves_the_window() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    for second in (0, 10, 20):
        clock.now = 1000 + second
        assert (await limiter.hit([(SIGN_IN, "ann")])).allowed
    clock.now = 1030
    assert await limiter.hit([(SIGN_IN, "ann")]) == Verdict(False, 30)
    clock.now = 1059.5
    assert await limiter.hit([(SIGN_IN, "ann")]) == Verdict(False, 1)
    clock.now = 1060
    assert (await limiter.hit([(SIGN_IN, "ann")])).allowed


async def test_refused_attempts_are_not_counted() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    for _ in range(3):
        await limiter.hit([(SIGN_IN, "ann")])
    for _ in range(50):
        assert not (await limiter.hit([(SIGN_IN, "ann")])).allowed
    clock.now += 60
    assert (await limiter.hit([(SIGN_IN, "ann")])).allowed


async def test_keys_are_counted_apart_and_one_exhausted_key_refuses_the_whole_attempt() -> None:
    limiter = MemoryRateLimiter(clock=Clock())
    for _ in range(3):
        assert (await limiter.hit([(SIGN_IN, "ann"), (PER_CLIENT, "10.0.0.1")])).allowed
    assert (await limiter.hit([(SIGN_IN, "bob")])).allowed
    assert not (await limiter.hit([(SIGN_IN, "ann"), (PER_CLIENT, "10.0.0.1")])).allowed
    # the refused attempt did not count against the client either: two more e-mails fit
    assert (await limiter.hit([(SIGN_IN, "cid"), (PER_CLIENT, "10.0.0.1")])).allowed
    assert (await limiter.hit([(SIGN_IN, "dan"), (PER_CLIENT, "10.0.0.1")])).allowed
    assert not (await limiter.hit([(SIGN_IN, "eve"), (PER_CLIENT, "10.0.0.1")])).allowed


async def test_a_limit_of_zero_switches_the_rule_off() -> None:
    limiter = MemoryRateLimiter(clock=Clock())
    off = Rule("off", limit=0, window_seconds=60, what="calls")
    assert all([(await limiter.hit([(off, "x")])).allowed for _ in range(100)])


async def test_idle_keys_are_forgotten_when_the_table_is_full() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock, max_keys=10)
    for n in range(10):
        await limiter.hit([(SIGN_IN, f"user-{n}")])
    clock.now += 61
    await limiter.hit([(SIGN_IN, "late")])
    assert len(limiter._hits) == 1
