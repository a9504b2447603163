"""Campaign types: promotions and merchandising."""

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from app.context import Context
from app.domain.campaigns import DiscountType as DomainDiscountType
from app.domain.states import CampaignStatus as DomainCampaignStatus
from app.ids import encode_id
from app.loaders.catalog import CAMPAIGN_PRODUCTS
from app.loaders.products import ProductFilter
from app.policy.reads import may_read_campaign, may_read_campaign_code
from schema.catalog import ProductConnection, nested_products
from schema.common import After, First, Money, Node
from schema.store import Channel

Info = strawberry.Info[Context, None]

CampaignStatus = strawberry.enum(DomainCampaignStatus, name="CampaignStatus",
                                 description="Where a campaign stands; see the README for the moves.")
DiscountType = strawberry.enum(DomainDiscountType, name="DiscountType", description="What a campaign discounts.")


@strawberry.type(description="A promotion: automatic or by promo code, scoped to channels and products.")
class Campaign(Node):
    name: str = strawberry.field(description="Display name.")
    status: CampaignStatus = strawberry.field(description="Current status.")  # type: ignore[valid-type]
    discount_type: DiscountType = strawberry.field(description="Kind of discount.")  # type: ignore[valid-type]
    discount_value: Decimal = strawberry.field(
        description="Percentage (0-100) or amount in the store currency; 0 for free shipping.")
    starts_at: datetime | None = strawberry.field(description="Start of the window, inclusive.")
    ends_at: datetime | None = strawberry.field(description="End of the window, exclusive.")
    min_subtotal: Money | None = strawberry.field(description="Smallest cart subtotal the discount needs, if any.")
    usage_limit: int | None = strawberry.field(description="How many orders may use it at most.")
    times_used: int = strawberry.field(description="How many orders used it.")
    pk: strawberry.Private[int]
    promo_code: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: Any, currency: str) -> "Campaign":
        return cls(
            id=strawberry.ID(encode_id("Campaign", row.id)), name=row.name, promo_code=row.code,
            status=DomainCampaignStatus(row.status), discount_type=DomainDiscountType(row.discount_type),
            discount_value=row.discount_value, starts_at=row.starts_at, ends_at=row.ends_at,
            min_subtotal=Money(amount=row.min_subtotal, currency=currency) if row.min_subtotal is not None else None,
            usage_limit=row.usage_limit, times_used=row.times_used, pk=row.id)

    @strawberry.field(description="Promo code a shopper enters; null for an automatic campaign. Shown to "
                                  "everyone once the campaign is released and its window has opened, before "
                                  "that only to MERCHANDISER, MANAGER, ADMIN.")
    def code(self, info: Info) -> str | None:
        if self.promo_code is None or not may_read_campaign_code(info.context.viewer, self.status, self.starts_at,
                                                                  info.context.now):
            return None
        return self.promo_code

    @strawberry.field(description="Channels it is offered on; empty: every channel.")
    async def channels(self, info: Info) -> list[Channel]:
        return [Channel.from_row(r) for r in await info.context.catalog.campaign_channels.load(self.pk)]

    @strawberry.field(description="Products it covers, by name; a campaign without product scope covers all.")
    async def products(self, info: Info, first: First = None, after: After = None) -> ProductConnection:
        request = CAMPAIGN_PRODUCTS.request(first=first, after=after)
        loaders, currency = info.context.catalog, info.context.settings.currency
        return nested_products(await loaders.campaign_products.load((self.pk, request)), CAMPAIGN_PRODUCTS,
                               lambda: loaders.campaign_product_count.load(self.pk), currency,
                               ProductFilter(campaign_id=self.pk, audience=loaders.audience))


def readable_campaign(info: Info, row: Any) -> Campaign | None:
    """The campaign of a row, if the read policy lets the viewer see it (unreleased: staff only)."""
    if row is None or not may_read_campaign(info.context.viewer, row.status):
        return None
    return Campaign.from_row(row, info.context.settings.currency)
