"""Input objects of the back-office and account mutations (cart and order inputs live with them)."""

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry

from schema.campaign import CampaignStatus, DiscountType


@strawberry.input(description="Create a sales channel.")
class ChannelCreateInput:
    slug: str
    name: str
    currency: str | None = strawberry.field(default=None, description="ISO 4217 code; omitted: the store's currency.")
    idempotency_key: str | None = None


@strawberry.input(description="Create a warehouse.")
class WarehouseCreateInput:
    code: str
    name: str
    idempotency_key: str | None = None


@strawberry.input(description="Create a delivery method.")
class DeliveryMethodCreateInput:
    name: str
    price: Decimal
    channels: list[str] | None = strawberry.field(
        default=None, description="Channel slugs where it is offered; empty or omitted: every channel.")
    idempotency_key: str | None = None


@strawberry.input(description="Create a category, at the root or under a parent.")
class CategoryCreateInput:
    name: str
    slug: str | None = strawberry.field(default=None, description="Omitted: derived from the name.")
    description: str | None = None
    parent_id: strawberry.ID | None = None
    idempotency_key: str | None = None


@strawberry.input(description="Units on hand in one warehouse.")
class StockInput:
    warehouse_id: strawberry.ID
    quantity: int


@strawberry.input(description="A variant of a new product.")
class VariantInput:
    sku: str
    name: str
    price: Decimal
    stock: list[StockInput] | None = None


@strawberry.input(description="Create a product with its variants (and their initial stock).")
class ProductCreateInput:
    name: str
    slug: str | None = strawberry.field(default=None, description="Omitted: derived from the name.")
    description: str | None = None
    category_id: strawberry.ID | None = None
    variants: list[VariantInput]
    idempotency_key: str | None = None


@strawberry.input(description="Change a product; omitted fields stay as they are.")
class ProductUpdateInput:
    product_id: strawberry.ID
    name: str | None = None
    description: str | None = None
    category_id: strawberry.ID | None = None
    idempotency_key: str | None = None


@strawberry.input(description="Set the units on hand of a variant in a warehouse.")
class StockSetInput:
    variant_id: strawberry.ID
    warehouse_id: strawberry.ID
    quantity: int = strawberry.field(description="Units on hand in that warehouse.")
    reason: str
    idempotency_key: str | None = None


@strawberry.input(description="Create a campaign (in DRAFT).")
class CampaignCreateInput:
    name: str
    code: str | None = None
    discount_type: DiscountType  # type: ignore[valid-type]
    discount_value: Decimal
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    min_subtotal: Decimal | None = None
    usage_limit: int | None = None
    channels: list[str] | None = strawberry.field(
        default=None, description="Channel slugs; empty or omitted: every channel.")
    product_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Products the discount applies to; empty or omitted: the whole cart.")
    idempotency_key: str | None = None


@strawberry.input(description="Move a campaign to another status.")
class CampaignStatusUpdateInput:
    campaign_id: strawberry.ID
    status: CampaignStatus  # type: ignore[valid-type]
    idempotency_key: str | None = None


@strawberry.input(description="Sign up as a customer.")
class CustomerRegisterInput:
    email: str
    password: str
    name: str | None = None


@strawberry.input(description="Sign in.")
class TokenCreateInput:
    email: str
    password: str


@strawberry.input(description="Trade a refresh token for new tokens.")
class TokenRefreshInput:
    refresh_token: str = strawberry.field(
        description="The latest refresh token of the sign-in; it is spent by this call.")


@strawberry.input(description="Sign out.")
class TokenRevokeInput:
    refresh_token: str = strawberry.field(
        description="Revokes this refresh token and every token issued from the same sign-in.")


@strawberry.input(description="Narrow a product list; all given conditions must hold.")
class ProductFilter:
    search: str | None = strawberry.field(default=None, description="Words in the name or description.")
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="A category; its subcategories' products are included.")
    campaign_id: strawberry.ID | None = strawberry.field(default=None, description="Products a campaign covers.")
    in_stock: bool | None = strawberry.field(default=None, description="Only products with units available (or none).")
    min_price: Decimal | None = strawberry.field(default=None, description="Lowest variant list price at least this.")
    max_price: Decimal | None = strawberry.field(default=None, description="Lowest variant list price at most this.")


@strawberry.enum(description="Fields a product list can be sorted by.")
class ProductSortField(Enum):
    NAME = "NAME"
    PRICE = "PRICE"
    CREATED_AT = "CREATED_AT"


@strawberry.enum(description="Sort direction.")
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input(description="How to sort a product list; ties are broken by id.")
class ProductSort:
    field: ProductSortField
    direction: SortDirection
