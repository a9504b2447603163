"""Shelf prices and when a campaign runs."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.domain.campaigns import CampaignTerms, DiscountType, display_price, is_running, offered_on_channel
from app.domain.states import CampaignStatus

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def terms(**overrides: object) -> CampaignTerms:
    base: dict = dict(id=1, code=None, status=CampaignStatus.ACTIVE, discount_type=DiscountType.PERCENTAGE,
                      discount_value=Decimal(10), starts_at=None, ends_at=None, min_subtotal=None,
                      usage_limit=None, times_used=0, channel_ids=frozenset(), product_scoped=False)
    return CampaignTerms(**(base | overrides))


@pytest.mark.parametrize(("overrides", "running"), [
    ({}, True),
    ({"status": CampaignStatus.SCHEDULED}, True),
    ({"status": CampaignStatus.DRAFT}, False),
    ({"status": CampaignStatus.PAUSED}, False),
    ({"status": CampaignStatus.ENDED}, False),
    ({"starts_at": NOW}, True),  # the window includes its start
    ({"starts_at": NOW + timedelta(seconds=1)}, False),
    ({"ends_at": NOW}, False),  # and excludes its end
    ({"ends_at": NOW + timedelta(seconds=1)}, True),
])
def test_campaign_runs_inside_its_window_when_active_or_scheduled(overrides: dict, running: bool) -> None:
    assert is_running(terms(**overrides), NOW) is running


def test_channel_scope() -> None:
    assert offered_on_channel(terms(), None)
    assert offered_on_channel(terms(channel_ids=frozenset({2})), 2)
    assert not offered_on_channel(terms(channel_ids=frozenset({2})), 3)
    assert not offered_on_channel(terms(channel_ids=frozenset({2})), None)


@pytest.mark.parametrize(("campaigns", "expected"), [
    ([], "19.99"),
    ([terms(discount_value=Decimal(10))], "17.99"),  # 1.999 rounds half-up to 2.00
    ([terms(discount_value=Decimal(10)), terms(id=2, discount_value=Decimal(25))], "14.99"),
    ([terms(discount_value=Decimal(100))], "0.00"),
    ([terms(discount_type=DiscountType.FIXED_AMOUNT, discount_value=Decimal(5))], "19.99"),
    ([terms(min_subtotal=Decimal(50))], "19.99"),
    ([terms(usage_limit=3, times_used=3)], "19.99"),
])
def test_display_price_takes_the_best_unconditional_percentage(campaigns: list, expected: str) -> None:
    assert display_price(Decimal("19.99"), campaigns) == Decimal(expected)
