"""Storefront catalog queries and the catalog back office (categories, products, stock)."""

from dataclasses import replace
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from app.domain.states import ProductStatus as DomainProductStatus
from app.domain.validation import SLUG_MAX
from app.ids import decode_int_id
from app.loaders import products as listing
from app.loaders.catalog import CATEGORIES
from app.policy.reads import may_read_campaign
from app.services import catalog as catalog_service
from resolvers.base import Info, currency, input_pk, query_pk, query_text, write
from schema.catalog import (
    Category,
    Product,
    ProductVariant,
    prefetch_products,
)
from schema.common import After, Before, Connection, First, Last
from schema.errors import PublicError
from schema.inputs import (
    CategoryCreateInput,
    ProductChannelListingInput,
    ProductCreateInput,
    ProductFilter,
    ProductSort,
    ProductUpdateInput,
    SortDirection,
    StockSetInput,
)
from schema.lookahead import selected_paths
from schema.payloads import CategoryPayload, ProductPayload, StockPayload

ID_OR = Annotated[strawberry.ID | None, strawberry.argument(
    description="Global id (it wins over slug); pass it or slug.")]
SLUG = Annotated[str | None, strawberry.argument(description="URL-safe unique name, at most 200 characters.")]


def _product_filter(flt: ProductFilter | None) -> listing.ProductFilter:
    if flt is None:
        return listing.ProductFilter()
    if flt.search is not None:
        query_text(flt.search, "search", max_length=listing.SEARCH_MAX)
    for name, value in (("minPrice", flt.min_price), ("maxPrice", flt.max_price)):
        if value is not None and (not value.is_finite() or value < 0 or value > Decimal("99999999.99")):
            raise PublicError(f"{name} must be a non-negative amount.", "INVALID")
    return listing.ProductFilter(
        search=flt.search if flt.search and flt.search.strip() else None,
        category_id=query_pk(flt.category_id, "Category", "categoryId") if flt.category_id else None,
        campaign_id=query_pk(flt.campaign_id, "Campaign", "campaignId") if flt.campaign_id else None,
        in_stock=flt.in_stock, min_price=flt.min_price, max_price=flt.max_price,
        statuses=tuple(DomainProductStatus(st.value) for st in flt.status or ()))


async def _readable_filter(info: Info, flt: listing.ProductFilter) -> listing.ProductFilter:
    """Shoppers see ACTIVE products published on their channel, whatever the filter asks (a status
    filter is for staff). Filtering by a campaign the viewer may not read (an unreleased one) finds
    nothing: its product scope is as secret as the campaign."""
    audience = info.context.catalog.audience
    flt = replace(flt, audience=audience, statuses=flt.statuses if audience.staff else ())
    if flt.campaign_id is None:
        return flt
    row = await info.context.catalog.campaign.load(flt.campaign_id)
    if row is None or not may_read_campaign(info.context.viewer, row.status):
        return replace(flt, impossible=True)
    return flt


def _listings(listings: list[ProductChannelListingInput] | None) -> list[catalog_service.ListingSpec] | None:
    if listings is None:
        return None
    return [catalog_service.ListingSpec(channel=li.channel, is_published=li.is_published,
                                        available_for_purchase_at=li.available_for_purchase_at) for li in listings]


def _product_sort(sort: ProductSort | None) -> listing.ProductSort:
    if sort is None:
        return listing.ProductSort()
    return listing.ProductSort(field=listing.ProductSortField(sort.field.value),
                               descending=sort.direction == SortDirection.DESC)


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Browse the catalog: filter, sort, and page with cursors.")
    async def products(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None,
        filter: Annotated[ProductFilter | None, strawberry.argument(
            description="Conditions the products must meet.")] = None,
        sort: Annotated[ProductSort | None, strawberry.argument(
            description="Order of the list; omitted: oldest first (createdAt ascending).")] = None,
    ) -> Connection[Product]:
        flt, order = await _readable_filter(info, _product_filter(filter)), _product_sort(sort)
        try:
            products = order.filtered(flt)
        except listing.SearchRequired:
            raise PublicError("Sorting by RELEVANCE ranks the products matching filter.search: pass a search, "
                              "or sort by another field.", "INVALID") from None
        request = products.request(first=first, after=after, last=last, before=before)
        db, currency = info.context.db, info.context.settings.currency
        connection = Connection.of(await products.page(db, request), products.cursor,
                                   lambda row: Product.from_row(row, currency), lambda: products.count(db))
        await prefetch_products(info, [edge.node for edge in connection.edges], selected_paths(info),
                                prefix="edges.node.")
        return connection

    @strawberry.field(description="One product, by id or slug.")
    async def product(self, info: Info, id: ID_OR = None, slug: SLUG = None) -> Product | None:
        loaders = info.context.catalog
        if id is not None:
            pk = decode_int_id(id, "Product")
            row = await loaders.product.load(pk) if pk is not None else None
        elif slug is not None:
            row = await loaders.product_by_slug.load(query_text(slug, "slug", max_length=SLUG_MAX))
        else:
            raise PublicError("Pass id or slug.", "INVALID")
        if row is None or not await loaders.may_see_product(row.id):
            return None
        return Product.from_row(row, info.context.settings.currency)

    @strawberry.field(description="Categories by name, optionally only the roots of the tree.")
    async def categories(
        self, info: Info, first: First = None, after: After = None,
        roots_only: Annotated[bool | None, strawberry.argument(
            description="Only the roots of the tree (categories without a parent).")] = None,
    ) -> Connection[Category]:
        request = CATEGORIES.request(first=first, after=after)
        db, categories = info.context.db, CATEGORIES.filtered(roots_only=bool(roots_only))
        return Connection.of(await categories.page(db, request), categories.cursor, Category.from_row,
                             lambda: categories.count(db))

    @strawberry.field(description="One category, by id or slug.")
    async def category(self, info: Info, id: ID_OR = None, slug: SLUG = None) -> Category | None:
        loaders = info.context.catalog
        if id is not None:
            pk = decode_int_id(id, "Category")
            row = await loaders.category.load(pk) if pk is not None else None
        elif slug is not None:
            row = await loaders.category_by_slug.load(query_text(slug, "slug", max_length=SLUG_MAX))
        else:
            raise PublicError("Pass id or slug.", "INVALID")
        return Category.from_row(row) if row else None


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(description="Create a category (MERCHANDISER, ADMIN).")
    async def category_create(
        self, info: Info,
        input: Annotated[CategoryCreateInput, strawberry.argument(
            description="The category to create.")],
    ) -> CategoryPayload:
        async def run(uow: Any) -> Any:
            return await catalog_service.create_category(
                uow=uow, name=input.name, slug=input.slug, description=input.description,
                parent_id=input_pk(input.parent_id, "Category", "parentId"))
        return await write(info, CategoryPayload, input, run,
                           lambda entity: {"category": Category.from_row(entity)})

    @strawberry.mutation(description="Create a product with variants and initial stock (MERCHANDISER, ADMIN).")
    async def product_create(
        self, info: Info,
        input: Annotated[ProductCreateInput, strawberry.argument(
            description="The product to create, with its variants.")],
    ) -> ProductPayload:
        async def run(uow: Any) -> Any:
            variants = [catalog_service.VariantSpec(
                sku=v.sku, name=v.name, price=v.price,
                stock=[catalog_service.StockLevel(
                    input_pk(s.warehouse_id, "Warehouse", "variants", str(i), "stock", str(j), "warehouseId"),
                    s.quantity) for j, s in enumerate(v.stock or [])])
                for i, v in enumerate(input.variants)]
            return await catalog_service.create_product(
                uow=uow, name=input.name, slug=input.slug, description=input.description,
                category_id=input_pk(input.category_id, "Category", "categoryId"), variants=variants,
                status=DomainProductStatus(input.status.value) if input.status else DomainProductStatus.ACTIVE,
                listings=_listings(input.channel_listings))
        return await write(info, ProductPayload, input, run,
                           lambda entity: {"product": Product.from_row(entity, currency(info))})

    @strawberry.mutation(description="Change a product's name, description or category (MERCHANDISER, ADMIN).")
    async def product_update(
        self, info: Info,
        input: Annotated[ProductUpdateInput, strawberry.argument(
            description="The product and the fields to change.")],
    ) -> ProductPayload:
        async def run(uow: Any) -> Any:
            return await catalog_service.update_product(
                uow=uow, product_id=input_pk(input.product_id, "Product", "productId"), name=input.name,
                description=input.description,
                category_id=input_pk(input.category_id, "Category", "categoryId"), slug=input.slug,
                status=DomainProductStatus(input.status.value) if input.status else None,
                listings=_listings(input.channel_listings))
        return await write(info, ProductPayload, input, run,
                           lambda entity: {"product": Product.from_row(entity, currency(info))})

    @strawberry.mutation(description="Set units on hand of a variant in a warehouse (FULFILLMENT, MERCHANDISER, ADMIN).")
    async def stock_set(
        self, info: Info,
        input: Annotated[StockSetInput, strawberry.argument(
            description="The variant, the warehouse, the units on hand and why.")],
    ) -> StockPayload:
        async def run(uow: Any) -> Any:
            return await catalog_service.set_stock(
                uow=uow, variant_id=input_pk(input.variant_id, "ProductVariant", "variantId"),
                warehouse_id=input_pk(input.warehouse_id, "Warehouse", "warehouseId"),
                quantity=input.quantity, reason=input.reason)
        return await write(info, StockPayload, input, run,
                           lambda entity: {"variant": ProductVariant.from_row(entity, currency(info))})
