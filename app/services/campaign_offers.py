"""Running campaigns as pricing needs them, read with whatever connection or session is at hand
(a loader's short connection on reads, the unit of work's session at checkout)."""

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from app.domain.campaigns import CampaignTerms, DiscountType, is_running
from app.domain.pricing import CampaignOffer
from app.domain.states import CampaignStatus
from models import Campaign, campaign_channels, campaign_products

CAMPAIGN_COLUMNS = (Campaign.id, Campaign.name, Campaign.code, Campaign.status, Campaign.discount_type,
                    Campaign.discount_value, Campaign.starts_at, Campaign.ends_at, Campaign.min_subtotal,
                    Campaign.usage_limit, Campaign.times_used, Campaign.created_at)


def campaign_terms(row: Any, channel_ids: frozenset[int], product_scoped: bool) -> CampaignTerms:
    return CampaignTerms(
        id=row.id, code=row.code, status=CampaignStatus(row.status),
        discount_type=DiscountType(row.discount_type), discount_value=row.discount_value,
        starts_at=row.starts_at, ends_at=row.ends_at, min_subtotal=row.min_subtotal,
        usage_limit=row.usage_limit, times_used=row.times_used, channel_ids=channel_ids,
        product_scoped=product_scoped)


async def load_offers(conn: Any, now: datetime, *, campaign_ids: list[int] | None = None,
                      running_only: bool = True) -> list[CampaignOffer]:
    """Campaigns (running now, or the given ids) with their channel and product scope: three statements."""
    stmt = select(*CAMPAIGN_COLUMNS)
    if campaign_ids is not None:
        stmt = stmt.where(Campaign.id.in_(campaign_ids))
    if running_only:
        stmt = stmt.where(Campaign.status.in_((CampaignStatus.ACTIVE, CampaignStatus.SCHEDULED)),
                          or_(Campaign.starts_at.is_(None), Campaign.starts_at <= now),
                          or_(Campaign.ends_at.is_(None), Campaign.ends_at > now))
    rows = (await conn.execute(stmt)).all()
    ids = [r.id for r in rows]
    channels: dict[int, set[int]] = defaultdict(set)
    products: dict[int, set[int]] = defaultdict(set)
    if ids:
        for campaign_id, channel_id in (await conn.execute(
                select(campaign_channels).where(campaign_channels.c.campaign_id.in_(ids)))).all():
            channels[campaign_id].add(channel_id)
        for campaign_id, product_id in (await conn.execute(
                select(campaign_products).where(campaign_products.c.campaign_id.in_(ids)))).all():
            products[campaign_id].add(product_id)
    offers = [CampaignOffer(campaign_terms(r, frozenset(channels[r.id]), bool(products[r.id])),
                            frozenset(products[r.id])) for r in rows]
    return [o for o in offers if is_running(o.terms, now)] if running_only else offers
