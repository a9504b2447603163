"""The read policy (app/policy/reads.py) against DESIGN.md "Roles", role by role. No database."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.states import CampaignStatus
from app.policy.permissions import Role
from app.policy.reads import (
    READS,
    Readable,
    may_read,
    may_read_campaign,
    may_read_campaign_code,
    may_read_cart,
    may_read_customer,
    may_read_order,
    readable_campaign_statuses,
)

R = Role
OWNER, OTHER = 1, 2  # customer ids


@dataclass(frozen=True)
class Reader:
    roles: frozenset[str]
    customer_id: int | None = None


CUSTOMER = Reader(frozenset({R.CUSTOMER}), OWNER)
OTHER_CUSTOMER = Reader(frozenset({R.CUSTOMER}), OTHER)
STAFF = {role: Reader(frozenset({role})) for role in (R.SUPPORT, R.MERCHANDISER, R.FULFILLMENT, R.MANAGER, R.ADMIN)}
ALL_STAFF = set(STAFF)
ORDER_STAFF = {R.SUPPORT, R.FULFILLMENT, R.MANAGER, R.ADMIN}

# Staff roles that may read each kind, written from DESIGN.md (customers and anonymous callers: below).
EXPECTED_STAFF: dict[Readable, set[Role]] = {
    Readable.ORDER: ORDER_STAFF,
    Readable.EVERY_ORDER: ORDER_STAFF,
    Readable.ORDER_LIST: ORDER_STAFF,
    Readable.CUSTOMER: {R.SUPPORT, R.MANAGER, R.ADMIN},
    Readable.CART: set(),
    Readable.WAREHOUSE: ALL_STAFF,
    Readable.STOCK: ALL_STAFF,
    Readable.UNLISTED_PRODUCT: ALL_STAFF,
    Readable.APPROVAL: {R.SUPPORT, R.FULFILLMENT, R.MANAGER, R.ADMIN},
    Readable.APPROVAL_LIST: {R.MANAGER, R.ADMIN},
    Readable.AUDIT: {R.SUPPORT, R.MANAGER, R.ADMIN},
    Readable.AUDIT_VERIFY: {R.ADMIN},
    Readable.WEBHOOK: {R.ADMIN},
    Readable.SALES_REPORT: {R.MERCHANDISER, R.MANAGER, R.ADMIN},
    Readable.CAMPAIGN: ALL_STAFF,
    Readable.UNRELEASED_CAMPAIGN: {R.MERCHANDISER, R.MANAGER, R.ADMIN},
    Readable.CATALOG: ALL_STAFF,
    # "exceptions (list, resolve), systemHealth | SUPPORT, FULFILLMENT, MANAGER, ADMIN"
    Readable.OPERATIONAL_EXCEPTION: ORDER_STAFF,
    Readable.SYSTEM_HEALTH: ORDER_STAFF,
}
PUBLIC = {Readable.CAMPAIGN, Readable.CATALOG}
OWNED = {Readable.ORDER, Readable.CUSTOMER, Readable.CART}


def test_every_kind_has_a_rule_and_an_expectation() -> None:
    assert set(READS) == set(Readable) == set(EXPECTED_STAFF)


@pytest.mark.parametrize("what", list(Readable))
def test_staff_read_what_the_table_says(what: Readable) -> None:
    allowed = {role for role, reader in STAFF.items() if may_read(reader, what, owner_customer_id=OWNER)}
    assert allowed == EXPECTED_STAFF[what]


@pytest.mark.parametrize("what", list(Readable))
def test_customers_read_their_own_and_the_public_only(what: Readable) -> None:
    assert may_read(CUSTOMER, what, owner_customer_id=OWNER) is (what in PUBLIC | OWNED)
    assert may_read(OTHER_CUSTOMER, what, owner_customer_id=OWNER) is (what in PUBLIC)
    assert may_read(None, what, owner_customer_id=OWNER) is (what in PUBLIC)


def test_an_order_is_for_its_customer_and_order_staff() -> None:
    assert may_read_order(CUSTOMER, OWNER)
    assert not may_read_order(OTHER_CUSTOMER, OWNER)
    assert not may_read_order(None, OWNER)
    assert not may_read_order(Reader(frozenset()), None)  # no customer id is nobody's order
    assert {r for r, v in STAFF.items() if may_read_order(v, OWNER)} == ORDER_STAFF


def test_a_guest_cart_is_whoever_holds_its_id_and_an_owned_one_its_owner_only() -> None:
    assert may_read_cart(None, None) and may_read_cart(OTHER_CUSTOMER, None)
    assert may_read_cart(CUSTOMER, OWNER)
    assert not may_read_cart(OTHER_CUSTOMER, OWNER) and not may_read_cart(None, OWNER)
    assert not any(may_read_cart(reader, OWNER) for reader in STAFF.values())


def test_a_customer_record_is_for_the_customer_and_customer_staff() -> None:
    assert may_read_customer(CUSTOMER, OWNER) and not may_read_customer(OTHER_CUSTOMER, OWNER)
    assert {r for r, v in STAFF.items() if may_read_customer(v, OWNER)} == {R.SUPPORT, R.MANAGER, R.ADMIN}


CAMPAIGN_STAFF = {R.MERCHANDISER, R.MANAGER, R.ADMIN}


@pytest.mark.parametrize("status", list(CampaignStatus))
def test_unreleased_campaigns_are_for_campaign_staff(status: CampaignStatus) -> None:
    released = status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)
    assert may_read_campaign(None, status) is released
    assert may_read_campaign(CUSTOMER, status) is released
    readers = {r for r, v in STAFF.items() if may_read_campaign(v, status)}
    assert readers == (ALL_STAFF if released else CAMPAIGN_STAFF)
    assert (status in readable_campaign_statuses(None)) is released
    assert status in readable_campaign_statuses(STAFF[R.MERCHANDISER])


NOW = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(("status", "starts_at", "live"), [
    (CampaignStatus.ACTIVE, None, True),
    (CampaignStatus.ACTIVE, NOW - timedelta(seconds=1), True),
    (CampaignStatus.ACTIVE, NOW, True),
    (CampaignStatus.ACTIVE, NOW + timedelta(seconds=1), False),  # announced, not started
    (CampaignStatus.PAUSED, None, True),
    (CampaignStatus.ENDED, None, True),
    (CampaignStatus.SCHEDULED, None, False),  # running, but unreleased
    (CampaignStatus.SCHEDULED, NOW + timedelta(days=1), False),
    (CampaignStatus.DRAFT, None, False),
])
def test_a_code_shows_to_everyone_once_live_and_before_that_to_campaign_staff(
        status: CampaignStatus, starts_at: datetime | None, live: bool) -> None:
    assert may_read_campaign_code(None, status, starts_at, NOW) is live
    assert may_read_campaign_code(CUSTOMER, status, starts_at, NOW) is live
    readers = {r for r, v in STAFF.items() if may_read_campaign_code(v, status, starts_at, NOW)}
    assert readers == (ALL_STAFF if live else CAMPAIGN_STAFF)
