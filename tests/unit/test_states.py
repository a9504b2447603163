"""Status tables: every move the tables allow passes the guard, every other is INVALID_TRANSITION."""

from enum import StrEnum

import pytest

from app.domain.errors import DomainError, ErrorCode
from app.domain.states import (
    APPROVAL_TRANSITIONS,
    CAMPAIGN_TRANSITIONS,
    CART_TRANSITIONS,
    EXCEPTION_TRANSITIONS,
    FULFILLMENT_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    RETURN_TRANSITIONS,
    WEBHOOK_DELIVERY_TRANSITIONS,
    CampaignStatus,
    Transitions,
    WebhookDeliveryStatus,
    transition,
)
from app.policy.order_lifecycle import ORDER_TRANSITIONS

TABLES = {
    "campaign": CAMPAIGN_TRANSITIONS, "cart": CART_TRANSITIONS, "order": ORDER_TRANSITIONS,
    "payment": PAYMENT_TRANSITIONS, "fulfillment": FULFILLMENT_TRANSITIONS, "return": RETURN_TRANSITIONS,
    "approval": APPROVAL_TRANSITIONS, "operational exception": EXCEPTION_TRANSITIONS,
    "webhook delivery": WEBHOOK_DELIVERY_TRANSITIONS,
}


def all_moves(table: Transitions[StrEnum]) -> list[tuple[StrEnum, StrEnum, bool]]:
    statuses = list(table)
    return [(a, b, b in table[a]) for a in statuses for b in statuses]


@pytest.mark.parametrize("name", TABLES)
def test_every_status_has_a_row(name: str) -> None:
    table = TABLES[name]
    enum = type(next(iter(table)))
    assert set(table) == set(enum)


@pytest.mark.parametrize("name", TABLES)
def test_guard_follows_the_table_exactly(name: str) -> None:
    for current, to, allowed in all_moves(TABLES[name]):
        if allowed:
            assert transition(TABLES[name], current, to, subject=name) == to
        else:
            with pytest.raises(DomainError) as refused:
                transition(TABLES[name], current, to, subject=name)
            assert refused.value.problems[0].code == ErrorCode.INVALID_TRANSITION


def test_campaign_table_matches_the_design() -> None:
    s = CampaignStatus
    assert {(a, b) for a, b, ok in all_moves(CAMPAIGN_TRANSITIONS) if ok} == {
        (s.DRAFT, s.SCHEDULED), (s.DRAFT, s.ACTIVE), (s.SCHEDULED, s.ACTIVE), (s.SCHEDULED, s.ENDED),
        (s.ACTIVE, s.PAUSED), (s.PAUSED, s.ACTIVE), (s.ACTIVE, s.ENDED), (s.PAUSED, s.ENDED)}


def test_webhook_delivery_table_matches_the_design() -> None:
    s = WebhookDeliveryStatus
    assert {(a, b) for a, b, ok in all_moves(WEBHOOK_DELIVERY_TRANSITIONS) if ok} == {
        (s.PENDING, s.RETRYING), (s.PENDING, s.DELIVERED), (s.PENDING, s.FAILED),
        (s.RETRYING, s.RETRYING), (s.RETRYING, s.DELIVERED), (s.RETRYING, s.FAILED),
        (s.FAILED, s.PENDING)}


def test_refusal_names_the_allowed_moves() -> None:
    with pytest.raises(DomainError, match=r"from ENDED to ACTIVE \(allowed next: none\)"):
        transition(CAMPAIGN_TRANSITIONS, CampaignStatus.ENDED, CampaignStatus.ACTIVE, subject="campaign")
