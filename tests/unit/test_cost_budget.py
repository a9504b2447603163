"""The per-client leaky bucket, on a clock the test moves."""

import uuid

from app.cost_budget import CostBudget, RedisCostBudget, make_budget


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_client_over_its_budget_waits_until_enough_has_drained() -> None:
    clock = Clock()
    budget = CostBudget(600, clock=clock)  # drains 10 per second
    assert budget.take_now("a", 500) is None
    assert budget.take_now("a", 200) == 10.0  # 100 too many: 10 s
    assert budget.take_now("b", 600) is None  # another client has its own bucket
    clock.now = 10.0
    assert budget.take_now("a", 200) is None
    assert budget.take_now("a", 1) is not None


def test_refusals_are_not_charged() -> None:
    clock = Clock()
    budget = CostBudget(60, clock=clock)
    assert budget.take_now("a", 60) is None
    for _ in range(5):
        assert budget.take_now("a", 30) == 30.0
    clock.now = 30.0
    assert budget.take_now("a", 30) is None


def test_the_number_of_clients_remembered_is_bounded() -> None:
    budget = CostBudget(60, clock=Clock(), max_clients=3)
    for client in "abcde":
        assert budget.take_now(client, 10) is None
    assert len(budget.buckets) <= 3


async def test_the_redis_budget_is_shared_by_every_process(redis_url: str) -> None:
    prefix = f"test:cost:{uuid.uuid4().hex}:"
    first, second = (RedisCostBudget(redis_url, 600, prefix=prefix) for _ in range(2))
    try:
        assert await first.take("address:10.0.0.1", 500) is None
        wait = await second.take("address:10.0.0.1", 200)  # 100 too many, draining 10 per second
        assert wait is not None and 9.0 < wait <= 10.0
        assert await second.take("address:10.0.0.2", 600) is None
    finally:
        await first.close()
        await second.close()


async def test_an_unreachable_redis_admits_queries() -> None:
    budget = RedisCostBudget("redis://127.0.0.1:1/0", 60)
    try:
        assert await budget.take("address:10.0.0.1", 1_000) is None
    finally:
        await budget.close()


def test_budgets_live_in_redis_when_it_is_configured() -> None:
    assert make_budget(0, 100, None) is None
    assert isinstance(make_budget(60, 100, None), CostBudget)
    assert make_budget(60, 100, None).capacity == 100  # type: ignore[union-attr]
    assert isinstance(make_budget(60, 100, "redis://127.0.0.1:6379/0"), RedisCostBudget)
