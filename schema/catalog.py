"""Catalog types: Category, Product, ProductVariant, Collection.

Types are built from read rows (`from_row`), never from ORM entities. Relations resolve from
values a list resolver prefetched (look-ahead) when present, else through per-request loaders.
"""

import asyncio
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import Row

from app.context import Context
from app.domain.campaigns import CampaignTerms, covers_product, display_price, offered_on_channel
from app.domain.states import ProductStatus as DomainProductStatus
from app.ids import encode_id
from app.loaders.catalog import CATEGORY_PRODUCTS, COLLECTION_PRODUCTS
from app.loaders.products import ProductFilter, facet_counts
from app.policy.reads import Readable, may_read
from schema.common import After, Before, Connection, First, Last, Money, Node
from schema.errors import PermissionDenied
from schema.store import Channel, Warehouse

if TYPE_CHECKING:
    from schema.campaign import Campaign

Info = strawberry.Info[Context, None]
UNSET: Any = object()


@strawberry.type(description="A node of the category tree.")
class Category(Node):
    name: str = strawberry.field(description="Display name.")
    slug: str = strawberry.field(description="URL-safe unique name.")
    description: str | None = strawberry.field(description="Longer text, if any.")
    pk: strawberry.Private[int]
    parent_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Row[Any]) -> "Category":
        return cls(id=strawberry.ID(encode_id("Category", row.id)), name=row.name, slug=row.slug,
                   description=row.description, pk=row.id, parent_id=row.parent_id)

    @strawberry.field(description="The parent category; null for a root.")
    async def parent(self, info: Info) -> "Category | None":
        if self.parent_id is None:
            return None
        row = await info.context.catalog.category.load(self.parent_id)
        return Category.from_row(row) if row else None

    @strawberry.field(description="Direct subcategories, by name.")
    async def children(self, info: Info) -> list["Category"]:
        return [Category.from_row(r) for r in await info.context.catalog.category_children.load(self.pk)]

    @strawberry.field(description="Products of this category and its subcategories, by name.")
    async def products(self, info: Info, first: First = None, after: After = None,
                       last: Last = None, before: Before = None) -> "ProductConnection":
        request = CATEGORY_PRODUCTS.request(first=first, after=after, last=last, before=before)
        loaders, currency = info.context.catalog, info.context.settings.currency
        return nested_products(await loaders.category_products.load((self.pk, request)), CATEGORY_PRODUCTS,
                               lambda: loaders.category_product_count.load(self.pk), currency,
                               ProductFilter(category_id=self.pk, audience=loaders.audience))


ProductStatus = strawberry.enum(DomainProductStatus, name="ProductStatus", description=(
    "Where a product stands: DRAFT (being prepared: never shown to shoppers, never sellable), ACTIVE, "
    "ARCHIVED (retired: hidden from shoppers and not sellable; orders keep their lines)."))


@strawberry.type(description="How a product is listed on one channel.")
class ProductChannelListing:
    channel: Channel = strawberry.field(description="The channel.")
    is_published: bool = strawberry.field(description="Whether shoppers on the channel see the product.")
    available_for_purchase_at: datetime | None = strawberry.field(
        description="From when shoppers on this channel may buy it; null: as soon as it is published.")


@strawberry.type(description="An image or video of a product.")
class ProductMedia:
    url: str = strawberry.field(description="Where it is (http or https).")
    alt: str | None = strawberry.field(description="Text describing it, for screen readers.")
    sort_order: int = strawberry.field(description="Its place in the product's media, from 0.")


@strawberry.type(description="An option a product's variants differ by, with the values in use.")
class ProductOption:
    name: str = strawberry.field(description="e.g. Size.")
    values: list[str] = strawberry.field(description="Values in display order, e.g. [S, M, L].")


@strawberry.type(description="A variant's value for one option.")
class SelectedOption:
    name: str = strawberry.field(description="The option, e.g. Size.")
    value: str = strawberry.field(description="The value, e.g. M.")


@strawberry.type(description="Search engine texts of a product.")
class Seo:
    title: str | None = strawberry.field(description="Page title; null: the product name.")
    description: str | None = strawberry.field(description="Meta description.")


@strawberry.type(description="Units of a variant in one warehouse.")
class StockLevel:
    warehouse: Warehouse = strawberry.field(description="The warehouse.")
    quantity_on_hand: int = strawberry.field(description="Units on hand there.")
    quantity_allocated: int = strawberry.field(description="Of those, units allocated to placed orders.")


@strawberry.type(description="A sellable variant (size, colour...) of a product.")
class ProductVariant(Node):
    sku: str = strawberry.field(description="Stock keeping unit, unique.")
    name: str = strawberry.field(description="Variant name, e.g. \"42 / Blue\".")
    price: Money = strawberry.field(description="List price of one unit.")
    weight_grams: int | None = strawberry.field(description="Grams; used by weight-based delivery rates.")
    is_archived: bool = strawberry.field(
        description="An archived variant is hidden from shoppers and cannot be added to carts.")
    pk: strawberry.Private[int]
    product_id: strawberry.Private[int]
    available: strawberry.Private[Any] = UNSET

    @classmethod
    def from_row(cls, row: Row[Any], currency: str, available: Any = UNSET) -> "ProductVariant":
        return cls(id=strawberry.ID(encode_id("ProductVariant", row.id)), sku=row.sku, name=row.name,
                   price=Money(amount=row.price, currency=currency), weight_grams=row.weight_grams,
                   is_archived=row.is_archived, pk=row.id, product_id=row.product_id, available=available)

    @strawberry.field(description="Its option values, e.g. Size: M, Colour: Blue.")
    async def options(self, info: Info) -> list[SelectedOption]:
        return [SelectedOption(name=r.name, value=r.value)
                for r in await info.context.catalog.options_by_variant.load(self.pk)]

    @strawberry.field(description="Staff only (PERMISSION_DENIED for others): stock per warehouse.")
    async def stock_levels(self, info: Info) -> list[StockLevel]:
        if not may_read(info.context.viewer, Readable.STOCK):
            raise PermissionDenied("Stock per warehouse is for staff.")
        catalog = info.context.catalog
        rows = await catalog.stock_levels.load(self.pk)
        warehouses = await catalog.warehouse.load_many([r.warehouse_id for r in rows])
        return [StockLevel(warehouse=Warehouse.from_row(w), quantity_on_hand=r.on_hand,
                           quantity_allocated=r.allocated) for r, w in zip(rows, warehouses, strict=True)]

    @strawberry.field(description="The product this variant belongs to.")
    async def product(self, info: Info) -> "Product":
        row = await info.context.catalog.product.load(self.product_id)
        return Product.from_row(row, info.context.settings.currency)

    @strawberry.field(description="Units that can still be sold: on hand minus allocated and reserved, "
                                  "over all warehouses.")
    def quantity_available(self, info: Info) -> int:
        if self.available is not UNSET:
            return self.available  # type: ignore[no-any-return]
        return info.context.catalog.quantity_available.load(self.pk)  # type: ignore[no-any-return]


@strawberry.type(description="A product of the catalog, with its variants.")
class Product(Node):
    name: str = strawberry.field(description="Display name.")
    slug: str = strawberry.field(description="URL-safe unique name.")
    description: str | None = strawberry.field(description="Longer text, if any.")
    status: ProductStatus = strawberry.field(  # type: ignore[valid-type]
        description="DRAFT, ACTIVE or ARCHIVED; shoppers only ever see ACTIVE products.")
    created_at: datetime = strawberry.field(description="When the product was created.")
    updated_at: datetime = strawberry.field(description="When the product was last changed.")
    pk: strawberry.Private[int]
    category_id: strawberry.Private[int | None]
    min_price: strawberry.Private[Decimal]
    currency: strawberry.Private[str]
    seo_title: strawberry.Private[str | None] = None
    seo_description: strawberry.Private[str | None] = None
    prefetched_category: strawberry.Private[Any] = UNSET
    prefetched_variants: strawberry.Private[Any] = UNSET
    prefetched_price: strawberry.Private[Any] = UNSET

    @classmethod
    def from_row(cls, row: Row[Any], currency: str) -> "Product":
        return cls(id=strawberry.ID(encode_id("Product", row.id)), name=row.name, slug=row.slug,
                   description=row.description, status=DomainProductStatus(row.status),
                   created_at=row.created_at, updated_at=row.updated_at, pk=row.id,
                   category_id=row.category_id, min_price=row.min_price, currency=currency,
                   seo_title=row.seo_title, seo_description=row.seo_description)

    @strawberry.field(description="The category the product is filed under.")
    def category(self, info: Info) -> Category | None:
        if self.prefetched_category is not UNSET:
            return self.prefetched_category  # type: ignore[no-any-return]
        return _load_category(info, self.category_id)  # type: ignore[return-value]

    @strawberry.field(description="Variants, in creation order.")
    def variants(self, info: Info) -> list[ProductVariant]:
        if self.prefetched_variants is not UNSET:
            return self.prefetched_variants  # type: ignore[no-any-return]
        return _load_variants(info, self.pk, self.currency)  # type: ignore[return-value]

    @strawberry.field(description="Lowest variant price after the automatic campaigns active now.")
    def price(self, info: Info) -> Money:
        if self.prefetched_price is not UNSET:
            return self.prefetched_price  # type: ignore[no-any-return]
        return _load_price(info, self)  # type: ignore[return-value]

    @strawberry.field(description="Images and videos, in display order.")
    async def media(self, info: Info) -> list[ProductMedia]:
        return [ProductMedia(url=r.url, alt=r.alt, sort_order=r.sort_order)
                for r in await info.context.catalog.media_by_product.load(self.pk)]

    @strawberry.field(description="The options its variants differ by, with the values in use, in variant order.")
    async def options(self, info: Info) -> list[ProductOption]:
        values: dict[str, list[str]] = {}
        for r in await info.context.catalog.options_by_product.load(self.pk):
            seen = values.setdefault(r.name, [])
            if r.value not in seen:
                seen.append(r.value)
        return [ProductOption(name=name, values=vals) for name, vals in values.items()]

    @strawberry.field(description="Search engine texts.")
    def seo(self) -> Seo:
        return Seo(title=self.seo_title, description=self.seo_description)

    @strawberry.field(description="Staff see every channel's listing; shoppers see the published ones.")
    async def channel_listings(self, info: Info) -> list[ProductChannelListing]:
        catalog = info.context.catalog
        channels = await catalog.all_channels()
        rows = {r.channel_id: r for r in await catalog.listings_by_product.load(self.pk)}
        listings = [ProductChannelListing(
            channel=Channel.from_row(c), is_published=rows[c.id].is_published if c.id in rows else True,
            available_for_purchase_at=rows[c.id].available_for_purchase_at if c.id in rows else None)
            for c in channels]
        return [li for li in listings if catalog.audience.staff or li.is_published]

    @strawberry.field(description="Whether any variant has units available.")
    async def is_available(self, info: Info) -> bool:
        return bool(await info.context.catalog.product_available.load(self.pk))

    @strawberry.field(description="Campaigns running now that cover this product, on the request's channel "
                                  "(running SCHEDULED ones only for MERCHANDISER, MANAGER, ADMIN).")
    async def campaigns(self, info: Info) -> list[Annotated["Campaign", strawberry.lazy("schema.campaign")]]:
        from schema.campaign import readable_campaign

        terms = await campaigns_for_products(info, [self.pk], automatic_only=False)
        rows = await info.context.catalog.campaign.load_many([t.id for t in terms[self.pk]])
        return [c for c in (readable_campaign(info, r) for r in rows) if c is not None]

    @strawberry.field(description="Collections the product is in, by name: shoppers see published ones only.")
    async def collections(self, info: Info) -> list["Collection"]:
        return [Collection.from_row(r) for r in await info.context.catalog.collections_by_product.load(self.pk)]


@strawberry.type(description="A curated, ordered list of products; shoppers see it once it is published.")
class Collection(Node):
    name: str = strawberry.field(description="Display name.")
    slug: str = strawberry.field(description="URL-safe unique name.")
    description: str | None = strawberry.field(description="Longer text, if any.")
    is_published: bool = strawberry.field(description="Whether shoppers see it; staff always do.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> "Collection":
        return cls(id=strawberry.ID(encode_id("Collection", row.id)), name=row.name, slug=row.slug,
                   description=row.description, is_published=bool(row.is_published), pk=row.id)

    @strawberry.field(description="Products in the collection's own order, as the viewer may see them.")
    async def products(self, info: Info, first: First = None, after: After = None) -> "ProductConnection":
        request = COLLECTION_PRODUCTS.request(first=first, after=after)
        loaders, currency = info.context.catalog, info.context.settings.currency
        return nested_products(await loaders.collection_products.load((self.pk, request)), COLLECTION_PRODUCTS,
                               lambda: loaders.collection_product_count.load(self.pk), currency,
                               ProductFilter(collection_id=self.pk, audience=loaders.audience))


@strawberry.type(description="A value of an option, with the number of products having it.")
class FacetValue:
    value: str = strawberry.field(description="The value, e.g. M.")
    count: int = strawberry.field(description="Products matching the whole filter except this option's own values.")


@strawberry.type(description="An option's values over the filtered products, with counts.")
class Facet:
    name: str = strawberry.field(description="Option name, e.g. Size.")
    values: list[FacetValue] = strawberry.field(description="Its values, in the order of the variants using them.")


@strawberry.type(name="ProductConnection", description="A page of products, with option facets over the whole list.")
class ProductConnection(Connection[Product]):
    facet_filter: strawberry.Private[Any] = None  # the list's ProductFilter

    @strawberry.field(description="Option facets over every product matching the filter (not just this page).")
    async def facets(self, info: Info) -> list[Facet]:
        rows: list[Any] = []
        async with info.context.db.read() as conn:
            for statement in facet_counts(self.facet_filter or ProductFilter()):
                rows += (await conn.execute(statement)).all()
        rows.sort(key=lambda r: (r.first_variant, r.name, r.value))
        names: dict[str, list[FacetValue]] = {}
        for r in rows:
            names.setdefault(r.name, []).append(FacetValue(value=r.value, count=r.products))
        return [Facet(name=name, values=values) for name, values in names.items()]


def nested_products(page: Any, listing: Any, count: Any, currency: str, facet_filter: ProductFilter) -> "ProductConnection":
    """A page of a nested product list (a category's, a campaign's, a collection's) as a connection
    whose facets cover the whole list, as the viewer may see it."""
    connection = ProductConnection.of(page, listing.cursor, lambda row: Product.from_row(row, currency), count)
    connection.facet_filter = facet_filter  # type: ignore[attr-defined]
    return connection  # type: ignore[return-value]


async def _load_category(info: Info, category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    row = await info.context.catalog.category.load(category_id)
    return Category.from_row(row) if row else None


async def _load_variants(info: Info, product_id: int, currency: str) -> list[ProductVariant]:
    rows = await info.context.catalog.variants_by_product.load(product_id)
    return [ProductVariant.from_row(r, currency) for r in rows]


async def _load_price(info: Info, product: Product) -> Money:
    terms = await campaigns_for_products(info, [product.pk], automatic_only=True)
    return Money(amount=display_price(product.min_price, terms[product.pk]), currency=product.currency)


async def campaigns_for_products(info: Info, product_ids: list[int], *,
                                 automatic_only: bool) -> dict[int, list[CampaignTerms]]:
    """Running campaigns offered on the request's channel (X-Channel header) that cover each product."""
    loaders = info.context.catalog
    running = await loaders.running_campaigns()
    channel_id = await loaders.channel_id(info.context.channel)
    offered = [c for c in running
               if offered_on_channel(c, channel_id) and (c.is_automatic or not automatic_only)]
    scoped: dict[int, set[int]] = {pid: set() for pid in product_ids}
    if any(c.product_scoped for c in offered):
        for pid, rows in zip(product_ids, await loaders.scoped_campaign_ids.load_many(product_ids),
                             strict=True):
            scoped[pid] = {r.campaign_id for r in rows}
    return {pid: [c for c in offered if covers_product(c, pid, scoped[pid])] for pid in product_ids}


async def prefetch_products(info: Info, products: list[Product], paths: frozenset[str], prefix: str) -> None:
    """Resolve the relations the query selected for a whole page at once (look-ahead), so that
    child fields return plain values instead of scheduling a loader call per object."""
    if not products:
        return
    loaders = info.context.catalog
    currency = info.context.settings.currency

    async def categories() -> None:
        ids = {p.category_id for p in products if p.category_id is not None}
        rows = await loaders.category.load_many(sorted(ids))
        found = {r.id: Category.from_row(r) for r in rows if r is not None}
        for p in products:
            p.prefetched_category = found.get(p.category_id) if p.category_id is not None else None

    async def variants() -> None:
        groups = await loaders.variants_by_product.load_many([p.pk for p in products])
        quantities: dict[int, int] | None = None
        if f"{prefix}variants.quantityAvailable" in paths:
            ids = [r.id for rows in groups for r in rows]
            quantities = dict(zip(ids, await loaders.quantity_available.load_many(ids), strict=True))
        for p, rows in zip(products, groups, strict=True):
            p.prefetched_variants = [
                ProductVariant.from_row(r, currency, quantities[r.id] if quantities is not None else UNSET)
                for r in rows]

    async def prices() -> None:
        terms = await campaigns_for_products(info, [p.pk for p in products], automatic_only=True)
        for p in products:
            p.prefetched_price = Money(amount=display_price(p.min_price, terms[p.pk]), currency=currency)

    jobs = []
    if f"{prefix}category" in paths:
        jobs.append(categories())
    if f"{prefix}variants" in paths:
        jobs.append(variants())
    if f"{prefix}price" in paths:
        jobs.append(prices())
    await asyncio.gather(*jobs)
