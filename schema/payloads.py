"""Mutation payloads of the back office: the object written, or userErrors."""

import strawberry

from schema.campaign import Campaign
from schema.catalog import Category, Collection, Product, ProductVariant
from schema.common import USER_ERRORS, UserError
from schema.store import Channel, DeliveryMethod, Warehouse


@strawberry.type(description="Result of a channel mutation.")
class ChannelPayload:
    channel: Channel | None = strawberry.field(
        default=None, description="The channel created; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="Result of a warehouse mutation.")
class WarehousePayload:
    warehouse: Warehouse | None = strawberry.field(
        default=None, description="The warehouse created; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="Result of a delivery method mutation.")
class DeliveryMethodPayload:
    delivery_method: DeliveryMethod | None = strawberry.field(
        default=None, description="The delivery method created; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="Result of a category mutation.")
class CategoryPayload:
    category: Category | None = strawberry.field(
        default=None, description="The category created; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="Result of a product mutation.")
class ProductPayload:
    product: Product | None = strawberry.field(
        default=None, description="The product created or changed; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="Result of a variant mutation.")
class ProductVariantPayload:
    variant: ProductVariant | None = strawberry.field(
        default=None, description="The variant created or changed; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="Result of a collection mutation.")
class CollectionPayload:
    collection: Collection | None = strawberry.field(
        default=None, description="The collection created or changed; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="Result of a stock mutation.")
class StockPayload:
    variant: ProductVariant | None = strawberry.field(
        default=None, description="The variant whose stock was set; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="Result of a campaign mutation.")
class CampaignPayload:
    campaign: Campaign | None = strawberry.field(
        default=None, description="The campaign created or moved; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)
