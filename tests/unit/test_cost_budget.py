"""The per-client leaky bucket, on a clock the test moves."""

from app.cost_budget import CostBudget


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_client_over_its_budget_waits_until_enough_has_drained() -> None:
    clock = Clock()
    budget = CostBudget(600, clock=clock)  # drains 10 per second
    assert budget.take("a", 500) is None
    assert budget.take("a", 200) == 10.0  # 100 too many: 10 s
    assert budget.take("b", 600) is None  # another client has its own bucket
    clock.now = 10.0
    assert budget.take("a", 200) is None
    assert budget.take("a", 1) is not None


def test_refusals_are_not_charged() -> None:
    clock = Clock()
    budget = CostBudget(60, clock=clock)
    assert budget.take("a", 60) is None
    for _ in range(5):
        assert budget.take("a", 30) == 30.0
    clock.now = 30.0
    assert budget.take("a", 30) is None


def test_the_number_of_clients_remembered_is_bounded() -> None:
    budget = CostBudget(60, clock=Clock(), max_clients=3)
    for client in "abcde":
        assert budget.take(client, 10) is None
    assert len(budget.buckets) <= 3
