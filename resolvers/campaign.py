"""Campaign queries (released campaigns: everyone; unreleased ones: app/policy/reads.py) and the
campaign back office (MERCHANDISER, ADMIN)."""

from typing import Annotated, Any

import strawberry

from app.domain.campaigns import DiscountType as DomainDiscountType
from app.domain.states import CampaignStatus as DomainCampaignStatus
from app.ids import decode_int_id
from app.loaders.catalog import CAMPAIGNS
from app.policy.reads import may_read_campaign, readable_campaign_statuses
from app.services import campaigns as campaign_service
from resolvers.base import Info, currency, input_pk, write
from schema.campaign import Campaign, CampaignStatus
from schema.common import After, Connection, First
from schema.inputs import CampaignCreateInput, CampaignStatusUpdateInput, CampaignUpdateInput
from schema.payloads import CampaignPayload


@strawberry.type
class CampaignQuery:
    @strawberry.field(description="Campaigns, newest first, optionally of one status. Unreleased ones (DRAFT, "
                                  "SCHEDULED) only for MERCHANDISER, MANAGER, ADMIN.")
    async def campaigns(
        self, info: Info, first: First = None, after: After = None,
        status: Annotated[CampaignStatus | None, strawberry.argument(  # type: ignore[valid-type]
            description="Only campaigns in this status.")] = None,
    ) -> Connection[Campaign]:
        request = CAMPAIGNS.request(first=first, after=after)
        db, currency = info.context.db, info.context.settings.currency
        campaigns = CAMPAIGNS.filtered(status=status.value if status else None,
                                       readable=readable_campaign_statuses(info.context.viewer))
        return Connection.of(await campaigns.page(db, request), campaigns.cursor,
                             lambda row: Campaign.from_row(row, currency), lambda: campaigns.count(db))

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

    @strawberry.mutation(description="Change a campaign's terms (MERCHANDISER, ADMIN); a running campaign's change "
                                     "applies to carts on their next pricing.")
    async def campaign_update(
        self, info: Info,
        input: Annotated[CampaignUpdateInput, strawberry.argument(description="The campaign and its new terms.")],
    ) -> CampaignPayload:
        async def run(uow: Any) -> Any:
            return await campaign_service.update_campaign(
                uow=uow, campaign_id=input_pk(input.campaign_id, "Campaign", "campaignId"), name=input.name,
                code=input.code, discount_value=input.discount_value, starts_at=input.starts_at,
                ends_at=input.ends_at, min_subtotal=input.min_subtotal, usage_limit=input.usage_limit,
                channels=input.channels,
                product_ids=None if input.product_ids is None else [
                    input_pk(p, "Product", "productIds", str(i)) for i, p in enumerate(input.product_ids)])
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
