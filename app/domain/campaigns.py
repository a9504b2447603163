"""When a campaign applies, and what it does to a displayed price. Pure: no I/O."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from app.domain.money import ZERO, percent_of
from app.domain.states import CampaignStatus


class DiscountType(StrEnum):
    PERCENTAGE = "PERCENTAGE"
    FIXED_AMOUNT = "FIXED_AMOUNT"
    FREE_SHIPPING = "FREE_SHIPPING"


RUNNING_STATUSES = frozenset({CampaignStatus.ACTIVE, CampaignStatus.SCHEDULED})


@dataclass(frozen=True, slots=True)
class CampaignTerms:
    """What pricing needs to know of a campaign."""

    id: int
    code: str | None
    status: CampaignStatus
    discount_type: DiscountType
    discount_value: Decimal
    starts_at: datetime | None
    ends_at: datetime | None
    min_subtotal: Decimal | None
    usage_limit: int | None
    times_used: int
    channel_ids: frozenset[int]
    product_scoped: bool

    @property
    def is_automatic(self) -> bool:
        return self.code is None


def is_running(campaign: CampaignTerms, now: datetime) -> bool:
    """ACTIVE (or SCHEDULED) and now inside [startsAt, endsAt)."""
    if campaign.status not in RUNNING_STATUSES:
        return False
    if campaign.starts_at is not None and now < campaign.starts_at:
        return False
    return campaign.ends_at is None or now < campaign.ends_at


def offered_on_channel(campaign: CampaignTerms, channel_id: int | None) -> bool:
    """No channel scope means every channel; a scoped campaign needs the shopper's channel."""
    if not campaign.channel_ids:
        return True
    return channel_id is not None and channel_id in campaign.channel_ids


def covers_product(campaign: CampaignTerms, product_id: int, scoped_campaign_ids: Iterable[int]) -> bool:
    return not campaign.product_scoped or campaign.id in scoped_campaign_ids


def display_price(
    list_price: Decimal,
    automatic_campaigns: Iterable[CampaignTerms],
) -> Decimal:
    """The price a shopper sees before any cart: the best automatic percentage discount that
    needs no minimum subtotal. Fixed-amount and free-shipping campaigns discount a cart, not a
    unit, so they show at checkout rather than on the shelf."""
    best = ZERO
    for campaign in automatic_campaigns:
        if campaign.discount_type != DiscountType.PERCENTAGE or campaign.min_subtotal:
            continue
        if campaign.usage_limit is not None and campaign.times_used >= campaign.usage_limit:
            continue
        best = max(best, min(list_price, percent_of(list_price, campaign.discount_value)))
    return list_price - best
