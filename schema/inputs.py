"""Input objects of the back-office and account mutations (cart and order inputs live with them)."""

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry

from schema.campaign import CampaignStatus, DiscountType
from schema.catalog import ProductStatus
from schema.common import IDEMPOTENCY_KEY

NAME = "Display name, at most 200 characters."
LONG_TEXT = "Longer text, at most 10,000 characters; line breaks are kept."


@strawberry.input(description="Create a sales channel.")
class ChannelCreateInput:
    slug: str = strawberry.field(
        description="Short unique name: lower-case letters, digits and single hyphens, at most 64 "
                    "characters.")
    name: str = strawberry.field(description=NAME)
    currency: str | None = strawberry.field(default=None, description="ISO 4217 code; omitted: the store's currency.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Create a warehouse.")
class WarehouseCreateInput:
    code: str = strawberry.field(description="Short unique code, at most 64 characters.")
    name: str = strawberry.field(description=NAME)
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Create a delivery method.")
class DeliveryMethodCreateInput:
    name: str = strawberry.field(description=NAME)
    price: Decimal = strawberry.field(
        description="Price for a cart in the store currency: 0 to 99999999.99, at most two decimal places.")
    channels: list[str] | None = strawberry.field(
        default=None, description="Channel slugs where it is offered; empty or omitted: every channel.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Create a category, at the root or under a parent.")
class CategoryCreateInput:
    name: str = strawberry.field(description=NAME)
    slug: str | None = strawberry.field(default=None, description="Omitted: derived from the name.")
    description: str | None = strawberry.field(default=None, description=LONG_TEXT)
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The parent category; omitted: a root of the tree.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Units on hand in one warehouse.")
class StockInput:
    warehouse_id: strawberry.ID = strawberry.field(description="The warehouse holding the units.")
    quantity: int = strawberry.field(description="Units on hand there, 0 to 1,000,000,000.")


@strawberry.input(description="A variant's value for one option.")
class VariantOptionInput:
    name: str = strawberry.field(description="The option, e.g. Size; at most 100 characters, once per variant.")
    value: str = strawberry.field(description="The value, e.g. M; at most 100 characters.")


@strawberry.input(description="An image or video of a product, by URL.")
class ProductMediaInput:
    url: str = strawberry.field(description="An http or https URL, at most 2,000 characters.")
    alt: str | None = strawberry.field(default=None, description="Text describing it, at most 500 characters.")


@strawberry.input(description="Search engine texts of a product.")
class SeoInput:
    title: str | None = strawberry.field(default=None, description="Page title, at most 200 characters.")
    description: str | None = strawberry.field(default=None, description="Meta description, at most 1,000 characters.")


@strawberry.input(description="A variant of a new product.")
class VariantInput:
    sku: str = strawberry.field(
        description="Stock keeping unit, unique in the catalog, at most 64 characters.")
    name: str = strawberry.field(description="Variant name, e.g. \"42 / Blue\", at most 200 characters.")
    price: Decimal = strawberry.field(
        description="List price of one unit in the store currency: 0 to 99999999.99, at most two decimal "
                    "places.")
    stock: list[StockInput] | None = strawberry.field(
        default=None, description="Initial units on hand per warehouse (at most 100); omitted: none.")
    options: list[VariantOptionInput] | None = strawberry.field(
        default=None, description="Option values (at most 10), e.g. Size: M.")
    weight_grams: int | None = strawberry.field(default=None, description="Grams, 0 to 10,000,000.")


@strawberry.input(description="How a product is listed on one channel.")
class ProductChannelListingInput:
    channel: str = strawberry.field(description="Channel slug.")
    is_published: bool = strawberry.field(description="Whether shoppers on that channel see the product.")
    available_for_purchase_at: datetime | None = strawberry.field(
        default=None, description="From when shoppers on that channel may buy it; null: as soon as it is published.")


@strawberry.input(description="Create a product with its variants (and their initial stock).")
class ProductCreateInput:
    name: str = strawberry.field(description=NAME)
    slug: str | None = strawberry.field(default=None, description="Omitted: derived from the name.")
    description: str | None = strawberry.field(default=None, description=LONG_TEXT)
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="The category to file it under; omitted: none.")
    variants: list[VariantInput] = strawberry.field(
        description="Its variants, 1 to 100, each with its own SKU.")
    status: ProductStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Omitted: ACTIVE.")
    channel_listings: list[ProductChannelListingInput] | None = strawberry.field(
        default=None, description="Omitted: published on every channel; channels not named stay published.")
    media: list[ProductMediaInput] | None = strawberry.field(default=None, description="Media, in display order.")
    seo: SeoInput | None = strawberry.field(default=None, description="Search engine texts.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Change a product; omitted fields stay as they are.")
class ProductUpdateInput:
    product_id: strawberry.ID = strawberry.field(description="The product to change.")
    name: str | None = strawberry.field(
        default=None, description="New display name, at most 200 characters; it may not be blank.")
    description: str | None = strawberry.field(
        default=None, description="New longer text, at most 10,000 characters; an empty one removes it.")
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="The category to move it to.")
    slug: str | None = strawberry.field(default=None, description="New URL-safe unique name.")
    status: ProductStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="New status, by the product status table (DRAFT -> ACTIVE | ARCHIVED; "
                                   "ACTIVE <-> ARCHIVED); INVALID_TRANSITION otherwise.")
    channel_listings: list[ProductChannelListingInput] | None = strawberry.field(
        default=None, description="Sets the listing of each channel named; channels not named keep theirs.")
    media: list[ProductMediaInput] | None = strawberry.field(
        default=None, description="Replaces the media list, in this order (an empty list removes them all).")
    seo: SeoInput | None = strawberry.field(default=None, description="Replaces the search engine texts.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Add a variant to a product.")
class ProductVariantCreateInput:
    product_id: strawberry.ID = strawberry.field(description="The product.")
    sku: str = strawberry.field(description="Stock keeping unit, unique in the catalog, at most 64 characters.")
    name: str = strawberry.field(description="Variant name, at most 200 characters.")
    price: Decimal = strawberry.field(description="List price of one unit: 0 to 99999999.99, two decimal places.")
    options: list[VariantOptionInput] | None = strawberry.field(default=None, description="Option values.")
    weight_grams: int | None = strawberry.field(default=None, description="Grams, 0 to 10,000,000.")
    stock: list[StockInput] | None = strawberry.field(default=None, description="Initial units per warehouse.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Change a variant; omitted fields stay as they are.")
class ProductVariantUpdateInput:
    variant_id: strawberry.ID = strawberry.field(description="The variant to change.")
    sku: str | None = strawberry.field(default=None, description="New SKU, unique in the catalog.")
    name: str | None = strawberry.field(default=None, description="New name.")
    price: Decimal | None = strawberry.field(
        default=None, description="A new list price; carts re-price at once, placed orders keep theirs.")
    options: list[VariantOptionInput] | None = strawberry.field(
        default=None, description="Replaces the option values.")
    weight_grams: int | None = strawberry.field(default=None, description="Grams, 0 to 10,000,000.")
    is_archived: bool | None = strawberry.field(
        default=None, description="Archive (hide from shoppers and new cart lines) or bring back.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Create a collection, optionally with its products.")
class CollectionCreateInput:
    name: str = strawberry.field(description=NAME)
    slug: str | None = strawberry.field(default=None, description="Omitted: derived from the name.")
    description: str | None = strawberry.field(default=None, description=LONG_TEXT)
    is_published: bool | None = strawberry.field(
        default=None, description="Whether shoppers see it; omitted: false (publish it with collectionUpdate).")
    product_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="In display order.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Change a collection; omitted fields stay as they are.")
class CollectionUpdateInput:
    collection_id: strawberry.ID = strawberry.field(description="The collection to change.")
    name: str | None = strawberry.field(
        default=None, description="New display name, at most 200 characters; it may not be blank.")
    slug: str | None = strawberry.field(default=None, description="New URL-safe unique name.")
    description: str | None = strawberry.field(
        default=None, description="New longer text, at most 10,000 characters; an empty one removes it.")
    is_published: bool | None = strawberry.field(default=None, description="Publish it, or hide it from shoppers.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Replace a collection's products and their order.")
class CollectionProductsSetInput:
    collection_id: strawberry.ID = strawberry.field(description="The collection.")
    product_ids: list[strawberry.ID] = strawberry.field(
        description="The whole membership, in display order (at most 500).")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Set the units on hand of a variant in a warehouse.")
class StockSetInput:
    variant_id: strawberry.ID = strawberry.field(description="The product variant.")
    warehouse_id: strawberry.ID = strawberry.field(description="The warehouse.")
    quantity: int = strawberry.field(description="Units on hand in that warehouse.")
    reason: str = strawberry.field(description="Why, for the audit trail; at most 200 characters.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Change a campaign's terms; omitted fields stay. An ENDED campaign cannot change.")
class CampaignUpdateInput:
    campaign_id: strawberry.ID = strawberry.field(description="The campaign.")
    name: str | None = strawberry.field(default=None, description=NAME)
    code: str | None = strawberry.field(default=None, description="New code: letters, digits, '-' and '_'.")
    discount_value: Decimal | None = strawberry.field(
        default=None, description="New value (a percentage at most 100, or an amount); not for FREE_SHIPPING's.")
    starts_at: datetime | None = strawberry.field(default=None, description="New start.")
    ends_at: datetime | None = strawberry.field(default=None, description="New end, after the start.")
    min_subtotal: Decimal | None = strawberry.field(default=None, description="New minimum subtotal.")
    usage_limit: int | None = strawberry.field(
        default=None, description="New usage limit, at least the number of uses so far.")
    channels: list[str] | None = strawberry.field(
        default=None, description="Replaces the channel scope (slugs); an empty list: every channel.")
    product_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Replaces the product scope; an empty list: the whole catalog.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Change a category; omitted fields stay as they are.")
class CategoryUpdateInput:
    category_id: strawberry.ID = strawberry.field(description="The category.")
    name: str | None = strawberry.field(default=None, description=NAME)
    slug: str | None = strawberry.field(default=None, description="New URL-safe unique name.")
    description: str | None = strawberry.field(default=None, description=LONG_TEXT)
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Move it (with its subcategories) under this category; moving a category under "
                                  "itself or one of its descendants is refused.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Create a campaign (in DRAFT).")
class CampaignCreateInput:
    name: str = strawberry.field(description=NAME)
    code: str | None = strawberry.field(
        default=None, description="Promo code shoppers enter: letters, digits, '-' and '_', at most 64, "
                                  "unique, kept upper-case; omitted: an automatic campaign.")
    discount_type: DiscountType = strawberry.field(  # type: ignore[valid-type]
        description="Kind of discount.")
    discount_value: Decimal = strawberry.field(
        description="Percentage (at most 100) or amount in the store currency, above 0 with at most two "
                    "decimal places; FREE_SHIPPING: 0 or more, not used.")
    starts_at: datetime | None = strawberry.field(
        default=None, description="Start of the window, inclusive; omitted: no start.")
    ends_at: datetime | None = strawberry.field(
        default=None, description="End of the window, exclusive, after startsAt; omitted: no end.")
    min_subtotal: Decimal | None = strawberry.field(
        default=None, description="Smallest cart subtotal the discount needs, in the store currency; "
                                  "omitted: none.")
    usage_limit: int | None = strawberry.field(
        default=None, description="How many orders may use it, 1 to 1,000,000,000; omitted: no limit.")
    channels: list[str] | None = strawberry.field(
        default=None, description="Channel slugs; empty or omitted: every channel.")
    product_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Products the discount applies to; empty or omitted: the whole cart.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Move a campaign to another status.")
class CampaignStatusUpdateInput:
    campaign_id: strawberry.ID = strawberry.field(description="The campaign to move.")
    status: CampaignStatus = strawberry.field(  # type: ignore[valid-type]
        description="The status to move to; a move the status table does not list is INVALID_TRANSITION.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Sign up as a customer.")
class CustomerRegisterInput:
    email: str = strawberry.field(description="E-mail address to sign in with, at most 254 characters.")
    password: str = strawberry.field(description="8 to 128 characters, not one of the common passwords.")
    name: str | None = strawberry.field(default=None, description="Name, at most 200 characters.")


@strawberry.input(description="Sign in.")
class TokenCreateInput:
    email: str = strawberry.field(description="E-mail address of the account.")
    password: str = strawberry.field(description="Password of the account.")


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
    search: str | None = strawberry.field(
        default=None,
        description="Full-text search, at most 200 characters: every word must appear in the name, an SKU or the "
                    "description (whole words; the last one also as the start of a longer word unless a space "
                    "follows it or it holds a digit, as SKUs do); "
                    "\"quoted words\" in a row, `or` between alternatives, -word to exclude. A text with no "
                    "word to look for matches nothing.")
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="A category; its subcategories' products are included.")
    campaign_id: strawberry.ID | None = strawberry.field(default=None, description="Products a campaign covers.")
    collection_id: strawberry.ID | None = strawberry.field(
        default=None, description="Products in a collection (any order: the sort decides); a collection the "
                                  "viewer may not see finds nothing.")
    in_stock: bool | None = strawberry.field(default=None, description="Only products with units available (or none).")
    min_price: Decimal | None = strawberry.field(default=None, description="Lowest variant list price at least this.")
    max_price: Decimal | None = strawberry.field(default=None, description="Lowest variant list price at most this.")
    status: list[ProductStatus] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Staff only; shoppers always see ACTIVE products published on their channel.")
    options: list["OptionFilter"] | None = strawberry.field(
        default=None, description="Every entry must match (AND across options, OR within one option's values).")


@strawberry.input(description="Products having any of these values for an option.")
class OptionFilter:
    name: str = strawberry.field(description="Option name, e.g. Size.")
    values: list[str] = strawberry.field(description="Any of these values (1 to 50).")


@strawberry.enum(description="Fields a product list can be sorted by.")
class ProductSortField(Enum):
    NAME = "NAME"
    PRICE = "PRICE"
    CREATED_AT = "CREATED_AT"
    RELEVANCE = strawberry.enum_value(
        "RELEVANCE", description="Best full-text match first; only with filter.search (INVALID without). "
                                 "The direction does not change it; ties go newest first.")


@strawberry.enum(description="Sort direction.")
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input(description="How to sort a product list; ties are broken by id.")
class ProductSort:
    field: ProductSortField = strawberry.field(description="What to sort by.")
    direction: SortDirection = strawberry.field(description="Ascending or descending.")
