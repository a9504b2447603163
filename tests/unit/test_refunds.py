"""The refund rule's arithmetic (app/domain/refunds.py) and the discount allocation behind it
(app/domain/pricing.allocate). Pure: no database."""

import random
from decimal import Decimal

import pytest

from app.domain.pricing import allocate
from app.domain.refunds import line_refund, paid_for_units, shipping_left

D = Decimal


def test_a_discount_is_spread_in_proportion_with_the_remainder_on_the_last_line() -> None:
    assert allocate(D("10.00"), [(1, D("99.99")), (2, D("19.99"))]) == {1: D("8.33"), 2: D("1.67")}
    assert allocate(D("0.01"), [(1, D("5.00")), (2, D("5.00")), (3, D("5.00"))]) == {
        1: D("0.00"), 2: D("0.00"), 3: D("0.01")}


def test_nothing_to_spread_gives_every_line_nothing() -> None:
    assert allocate(D("0.00"), [(1, D("3.00"))]) == {1: D("0.00")}
    assert allocate(D("5.00"), []) == {}


def test_rounding_never_pushes_the_last_share_below_zero_or_above_its_line() -> None:
    # Many lines rounding up leave less than nothing for a tiny last line: moved back.
    weights = [(i, D("0.03")) for i in range(10)] + [(10, D("0.01"))]
    shares = allocate(D("0.05"), weights)
    assert sum(shares.values()) == D("0.05")
    assert all(D(0) <= shares[k] <= w for k, w in weights)
    # A discount of everything: every line's share is its whole total.
    weights = [(1, D("0.05")), (2, D("0.05")), (3, D("0.05"))]
    assert allocate(D("0.15"), weights) == {1: D("0.05"), 2: D("0.05"), 3: D("0.05")}


@pytest.mark.parametrize("seed", range(200))
def test_shares_add_up_exactly_and_stay_within_their_lines(seed: int) -> None:
    rng = random.Random(seed)
    weights = [(i, D(rng.randint(1, 50_000)) / 100) for i in range(rng.randint(1, 8))]
    amount = D(rng.randint(0, int(sum(w for _, w in weights) * 100))) / 100
    shares = allocate(amount, weights)
    assert sum(shares.values()) == amount
    assert all(D(0) <= shares[k] <= w for k, w in weights)


def test_a_unit_refunds_the_paid_total_over_the_quantity_and_the_last_unit_the_remainder() -> None:
    assert [line_refund(paid=D("195.57"), quantity=2, refunded_units=n, returning=1) for n in (0, 1)] == [
        D("97.79"), D("97.78")]
    assert line_refund(paid=D("91.66"), quantity=3, refunded_units=0, returning=2) == D("61.10")
    assert line_refund(paid=D("91.66"), quantity=3, refunded_units=2, returning=1) == D("30.56")


@pytest.mark.parametrize("seed", range(200))
def test_any_sequence_of_partial_returns_refunds_exactly_what_was_paid(seed: int) -> None:
    rng = random.Random(seed)
    quantity = rng.randint(1, 12)
    paid = D(rng.randint(0, 100_000)) / 100
    refunded, total = 0, D(0)
    while refunded < quantity:
        returning = rng.randint(1, quantity - refunded)
        part = line_refund(paid=paid, quantity=quantity, refunded_units=refunded, returning=returning)
        assert part >= 0
        total += part
        refunded += returning
        assert total <= paid
    assert total == paid


def test_tiny_lines_never_refund_more_than_was_paid() -> None:
    # 0.03 over 5 units rounds to 0.01 a unit: four units would come to 0.04, more than was paid.
    assert paid_for_units(D("0.03"), 5, 4) == D("0.03")
    assert line_refund(paid=D("0.03"), quantity=5, refunded_units=4, returning=1) == D("0.00")


def test_shipping_left_is_what_was_paid_for_it_less_what_went_back() -> None:
    assert shipping_left(shipping=D("5.00"), shipping_discount=D("0"), shipping_refunded=D("0")) == D("5.00")
    assert shipping_left(shipping=D("5.00"), shipping_discount=D("5.00"), shipping_refunded=D("0")) == D("0")
    assert shipping_left(shipping=D("5.00"), shipping_discount=D("0"), shipping_refunded=D("5.00")) == D("0")
