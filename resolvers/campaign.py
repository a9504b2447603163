"""Campaign queries (released campaigns: everyone; unreleased ones: app/policy/reads.py) and the
campaign back office (MERCHANDISER, ADMIN)."""

from typing import Annotated, Any

import strawberry

from app.domain.campaigns import DiscountType as DomainDiscountType
from app.domain.states import CampaignStatus as DomainCampaignStatus
from app.ids import decode_int_id
from app.loaders.catalog import CAMPAIGN_CURSOR, campaign_cursor, count_campaigns, list_campaigns
from app.pagination import page_request
from app.policy.reads import may_read_campaign, readable_campaign_statuses
from app.services import campaigns as campaign_service
from resolvers.base import Info, currency, input_pk, write
from schema.campaign import Campaign, CampaignConnection, CampaignEdge, CampaignStatus
from schema.common import After, First, PageInfo
from schema.inputs import CampaignCreateInput, CampaignStatusUpdateInput
from schema.payloads import CampaignPayload


@strawberry.type
class CampaignQuery:
    @strawberry.field(description="Campaigns, newest first, optionally of one status. Unreleased ones (DRAFT, "
                                  "SCHEDULED) only for MERCHANDISER, MANAGER, ADMIN.")
    async def campaigns(
        self, info: Info, first: First = None, after: After = None,
        status: Annotated[CampaignStatus | None, strawberry.argument(  # type: ignore[valid-type]
            description="Only campaigns in this status.")] = None,
    ) -> CampaignConnection:
        page = page_request(first=first, after=after, last=None, before=None, kind=CAMPAIGN_CURSOR)
        db, currency = info.context.db, info.context.settings.currency
        status_ = status.value if status else None
        readable = readable_campaign_statuses(info.context.viewer)
        result = await list_campaigns(db, page=page, status=status_, readable=readable)
        cursors = [campaign_cursor(r) for r in result.items]
        return CampaignConnection(
            edges=[CampaignEdge(cursor=c, node=Campaign.from_row(r, currency))
                   for c, r in zip(cursors, result.items, strict=True)],
            page_info=PageInfo.of(result, cursors),
            count=lambda: count_campaigns(db, status=status_, readable=readable))

    @strawberry.field(description="One campaign; null when unknown or unreleased and not yours to see.")
    async def campaign(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="Global id of the campaign.")]) -> Campaign | None:
        pk = decode_int_id(id, "Campaign")
        row = await info.context.catalog.campaign.load(pk) if pk is not None else None
        if row is None or not may_read_campaign(info.context.viewer, row.status):
            return None
        return Campaign.from_row(row, info.context.settings.currency)


@strawberry.type
class CampaignMutation:
    @strawberry.mutation(description="Create a campaign in DRAFT (MERCHANDISER, ADMIN).")
    async def campaign_create(
        self, info: Info,
        input: Annotated[CampaignCreateInput, strawberry.argument(
            description="The campaign to create.")],
    ) -> CampaignPayload:
        async def run(uow: Any) -> Any:
            return await campaign_service.create_campaign(
                uow=uow, name=input.name, code=input.code,
                discount_type=DomainDiscountType(input.discount_type.value),
                discount_value=input.discount_value, starts_at=input.starts_at, ends_at=input.ends_at,
                min_subtotal=input.min_subtotal, usage_limit=input.usage_limit, channels=input.channels,
                product_ids=[input_pk(p, "Product", "productIds", str(i))
                             for i, p in enumerate(input.product_ids or [])])
        return await write(info, CampaignPayload, input, run,
                           lambda entity: {"campaign": Campaign.from_row(entity, currency(info))})

    @strawberry.mutation(description="Move a campaign through its status table (MERCHANDISER, ADMIN).")
    async def campaign_status_update(
        self, info: Info,
        input: Annotated[CampaignStatusUpdateInput, strawberry.argument(
            description="The campaign and its next status.")],
    ) -> CampaignPayload:
        async def run(uow: Any) -> Any:
            return await campaign_service.update_campaign_status(
                uow=uow, campaign_id=input_pk(input.campaign_id, "Campaign", "campaignId"),
                status=DomainCampaignStatus(input.status.value))
        return await write(info, CampaignPayload, input, run,
                           lambda entity: {"campaign": Campaign.from_row(entity, currency(info))})
