"""Back office: campaigns (promotions and merchandising) and their status machine."""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select

from app.domain.campaigns import DiscountType
from app.domain.errors import DomainError, ErrorCode
from app.domain.states import CAMPAIGN_TRANSITIONS, CampaignStatus, transition
from app.domain.validation import CODE_MAX, CODE_RE, NAME_MAX, Checker
from app.policy.permissions import Permission
from app.services.common import require, unique_guard
from app.services.store import channel_ids_for_slugs
from app.services.unit_of_work import UnitOfWork
from models import Campaign, Product, campaign_channels, campaign_products

MAX_USAGE_LIMIT = 1_000_000_000


async def create_campaign(*, uow: UnitOfWork, name: str, code: str | None, discount_type: DiscountType,
                          discount_value: Decimal, starts_at: datetime | None, ends_at: datetime | None,
                          min_subtotal: Decimal | None, usage_limit: int | None,
                          channels: Sequence[str] | None, product_ids: Sequence[int] | None) -> Campaign:
    check = Checker()
    name_ = check.text(name, "name", label="Name", max_length=NAME_MAX, required=True)
    code_ = check.text(code, "code", label="Code", max_length=CODE_MAX)
    if code_ is not None and not CODE_RE.match(code_):
        check.add(ErrorCode.INVALID, "A code may hold letters, digits, '-' and '_' only.", "code")
    if discount_type == DiscountType.FREE_SHIPPING:
        value = check.amount(discount_value, "discountValue", label="Discount value") or Decimal(0)
    else:
        value = check.amount(discount_value, "discountValue", label="Discount value", required=True,
                             positive=True)
        if discount_type == DiscountType.PERCENTAGE and value is not None and value > 100:
            check.add(ErrorCode.INVALID, "A percentage discount is at most 100.", "discountValue")
    starts_at, ends_at = check.moment(starts_at, "startsAt"), check.moment(ends_at, "endsAt")
    if starts_at and ends_at and ends_at <= starts_at:
        check.add(ErrorCode.INVALID, "The campaign must end after it starts.", "endsAt")
    min_subtotal_ = check.amount(min_subtotal, "minSubtotal", label="Minimum subtotal")
    check.count(usage_limit, "usageLimit", label="Usage limit", minimum=1, maximum=MAX_USAGE_LIMIT)
    slugs = check.items(channels, "channels", label="channel")
    products = check.items(product_ids, "productIds", label="product")
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_CATALOG)
    session = uow.session
    code_upper = code_.upper() if code_ else None
    message = f"The code {code_upper} is already used by another campaign."
    if code_upper and await session.scalar(select(Campaign.id).where(Campaign.code == code_upper)):
        raise DomainError.of(ErrorCode.INVALID, message, "input", "code")
    channel_ids = await channel_ids_for_slugs(uow, slugs, "channels")
    wanted = set(products)
    found = await session.scalar(select(func.count()).select_from(Product).where(Product.id.in_(wanted)))
    if found != len(wanted):
        raise DomainError.of(ErrorCode.NOT_FOUND, f"{len(wanted) - (found or 0)} product(s) do not exist.",
                             "input", "productIds")
    campaign = Campaign(name=name_, code=code_upper, status=CampaignStatus.DRAFT,
                        discount_type=discount_type, discount_value=value, starts_at=starts_at,
                        ends_at=ends_at, min_subtotal=min_subtotal_, usage_limit=usage_limit, times_used=0,
                        created_at=uow.now)
    async with unique_guard(message, "code"):
        session.add(campaign)
        await session.flush()
    if channel_ids:
        await session.execute(insert(campaign_channels), [
            {"campaign_id": campaign.id, "channel_id": cid} for cid in channel_ids])
    if wanted:
        await session.execute(insert(campaign_products), [
            {"campaign_id": campaign.id, "product_id": pid} for pid in sorted(wanted)])
    uow.audit(action="campaign.create", subject_type="Campaign", subject_id=campaign.id,
              to_status=campaign.status, data={
                  "name": campaign.name, "code": campaign.code, "discountType": str(discount_type),
                  "discountValue": str(value), "startsAt": starts_at, "endsAt": ends_at,
                  "minSubtotal": str(min_subtotal_) if min_subtotal_ is not None else None,
                  "usageLimit": usage_limit, "channels": list(slugs), "productIds": sorted(wanted)})
    await uow.commit(campaign)
    return campaign


async def update_campaign_status(*, uow: UnitOfWork, campaign_id: int, status: CampaignStatus) -> Campaign:
    require(uow.actor, Permission.MANAGE_CATALOG)
    campaign = await uow.session.get(Campaign, campaign_id, with_for_update=True, populate_existing=True)
    if campaign is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That campaign does not exist.", "input", "campaignId")
    current = CampaignStatus(campaign.status)
    campaign.status = transition(CAMPAIGN_TRANSITIONS, current, status, subject="campaign")
    uow.audit(action="campaign.status", subject_type="Campaign", subject_id=campaign.id,
              from_status=current, to_status=status)
    uow.emit(topic="campaign.status_changed", subject_type="Campaign", subject_id=campaign.id,
             payload={"campaignId": campaign.id, "from": current, "to": status})
    await uow.commit(campaign)
    return campaign


async def _ids_of(uow: UnitOfWork, table: Any, column: str, campaign_id: int) -> list[int]:
    rows = await uow.session.execute(select(table.c[column]).where(table.c.campaign_id == campaign_id))
    return sorted(rows.scalars())


async def update_campaign(*, uow: UnitOfWork, campaign_id: int, name: str | None = None, code: str | None = None,
                          discount_value: Decimal | None = None, starts_at: datetime | None = None,
                          ends_at: datetime | None = None, min_subtotal: Decimal | None = None,
                          usage_limit: int | None = None, channels: Sequence[str] | None = None,
                          product_ids: Sequence[int] | None = None) -> Campaign:
    """Change a campaign's terms (MERCHANDISER, ADMIN); omitted fields stay. A running campaign's
    change applies to carts on their next pricing (carts are priced when read); orders keep what
    they were charged. An ENDED campaign cannot change. `channels`/`productIds` replace the scope
    (an empty list: every channel / the whole catalog). Audited with the values before and after."""
    check = Checker()
    name_ = check.text(name, "name", label="Name", max_length=NAME_MAX, required=True) if name is not None else None
    code_ = check.text(code, "code", label="Code", max_length=CODE_MAX) if code is not None else None
    if code_ is not None and not CODE_RE.match(code_):
        check.add(ErrorCode.INVALID, "A code may hold letters, digits, '-' and '_' only.", "code")
    starts_at, ends_at = check.moment(starts_at, "startsAt"), check.moment(ends_at, "endsAt")
    min_subtotal_ = check.amount(min_subtotal, "minSubtotal", label="Minimum subtotal")
    check.count(usage_limit, "usageLimit", label="Usage limit", minimum=1, maximum=MAX_USAGE_LIMIT)
    slugs = check.items(channels, "channels", label="channel") if channels is not None else None
    products = check.items(product_ids, "productIds", label="product") if product_ids is not None else None
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_CATALOG)
    session = uow.session
    campaign = await session.get(Campaign, campaign_id, with_for_update=True, populate_existing=True)
    if campaign is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That campaign does not exist.", "input", "campaignId")
    if campaign.status == CampaignStatus.ENDED:
        raise DomainError.of(ErrorCode.INVALID_TRANSITION, "An ended campaign cannot change.", "input", "campaignId")
    before: dict[str, Any] = _terms(campaign)
    before["channelIds"] = await _ids_of(uow, campaign_channels, "channel_id", campaign.id)
    before["productIds"] = await _ids_of(uow, campaign_products, "product_id", campaign.id)
    if discount_value is not None:
        if campaign.discount_type == DiscountType.FREE_SHIPPING:
            value = check.amount(discount_value, "discountValue", label="Discount value")
        else:
            value = check.amount(discount_value, "discountValue", label="Discount value", required=True, positive=True)
            if campaign.discount_type == DiscountType.PERCENTAGE and value is not None and value > 100:
                check.add(ErrorCode.INVALID, "A percentage discount is at most 100.", "discountValue")
        check.raise_if_any()
        if value is not None:
            campaign.discount_value = value
    if starts_at is not None:
        campaign.starts_at = starts_at
    if ends_at is not None:
        campaign.ends_at = ends_at
    if campaign.starts_at and campaign.ends_at and campaign.ends_at <= campaign.starts_at:
        raise DomainError.of(ErrorCode.INVALID, "The campaign must end after it starts.", "input", "endsAt")
    if name_ is not None:
        campaign.name = name_
    if min_subtotal is not None:
        campaign.min_subtotal = min_subtotal_
    if usage_limit is not None:
        if usage_limit < campaign.times_used:
            raise DomainError.of(ErrorCode.INVALID, f"It has been used {campaign.times_used} times already.",
                                 "input", "usageLimit")
        campaign.usage_limit = usage_limit
    message = f"The code {code_.upper() if code_ else ''} is already used by another campaign."
    if code_ is not None and code_.upper() != campaign.code:
        if await session.scalar(select(Campaign.id).where(Campaign.code == code_.upper(), Campaign.id != campaign.id)):
            raise DomainError.of(ErrorCode.INVALID, message, "input", "code")
        campaign.code = code_.upper()
    if slugs is not None:
        channel_ids = await channel_ids_for_slugs(uow, slugs, "channels")
        await session.execute(delete(campaign_channels).where(campaign_channels.c.campaign_id == campaign.id))
        if channel_ids:
            await session.execute(insert(campaign_channels), [
                {"campaign_id": campaign.id, "channel_id": cid} for cid in channel_ids])
    if products is not None:
        wanted = set(products)
        found = await session.scalar(select(func.count()).select_from(Product).where(Product.id.in_(wanted)))
        if found != len(wanted):
            raise DomainError.of(ErrorCode.NOT_FOUND, f"{len(wanted) - (found or 0)} product(s) do not exist.",
                                 "input", "productIds")
        await session.execute(delete(campaign_products).where(campaign_products.c.campaign_id == campaign.id))
        if wanted:
            await session.execute(insert(campaign_products), [
                {"campaign_id": campaign.id, "product_id": pid} for pid in sorted(wanted)])
    async with unique_guard(message, "code"):
        await session.flush()
    after: dict[str, Any] = _terms(campaign)
    after["channelIds"] = await _ids_of(uow, campaign_channels, "channel_id", campaign.id)
    after["productIds"] = await _ids_of(uow, campaign_products, "product_id", campaign.id)
    uow.audit(action="campaign.update", subject_type="Campaign", subject_id=campaign.id,
              data={"before": before, "after": after})
    await uow.commit(campaign)
    return campaign


def _terms(campaign: Campaign) -> dict[str, Any]:
    return {"name": campaign.name, "code": campaign.code, "discountValue": str(campaign.discount_value),
            "startsAt": campaign.starts_at.isoformat() if campaign.starts_at else None,
            "endsAt": campaign.ends_at.isoformat() if campaign.ends_at else None,
            "minSubtotal": str(campaign.min_subtotal) if campaign.min_subtotal is not None else None,
            "usageLimit": campaign.usage_limit}
