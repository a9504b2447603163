"""Mutation payloads of the back office: the object written, or userErrors."""

import strawberry

from schema.campaign import Campaign
from schema.catalog import Category, Product, ProductVariant
from schema.common import UserError
from schema.store import Channel, DeliveryMethod, Warehouse


@strawberry.type(description="Result of a channel mutation.")
class ChannelPayload:
    channel: Channel | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="Result of a warehouse mutation.")
class WarehousePayload:
    warehouse: Warehouse | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="Result of a delivery method mutation.")
class DeliveryMethodPayload:
    delivery_method: DeliveryMethod | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="Result of a category mutation.")
class CategoryPayload:
    category: Category | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="Result of a product mutation.")
class ProductPayload:
    product: Product | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="Result of a stock mutation.")
class StockPayload:
    variant: ProductVariant | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="Result of a campaign mutation.")
class CampaignPayload:
    campaign: Campaign | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
