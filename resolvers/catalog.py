"""Storefront catalog queries and the catalog back office (categories, products, collections, stock)."""

from dataclasses import replace
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from app.domain.states import ProductStatus as DomainProductStatus
from app.domain.validation import SLUG_MAX
from app.ids import decode_int_id
from app.loaders import products as listing
from app.loaders.catalog import CATEGORIES, COLLECTIONS
from app.policy.reads import may_read_campaign
from app.services import catalog as catalog_service
from app.services import collections as collection_service
from resolvers.base import Info, currency, input_pk, query_pk, query_text, write
from schema.catalog import (
    Category,
    Collection,
    Product,
    ProductConnection,
    ProductVariant,
    prefetch_products,
)
from schema.common import After, Before, Connection, First, Last
from schema.errors import PublicError
from schema.inputs import (
    CategoryCreateInput,
    CategoryUpdateInput,
    CollectionCreateInput,
    CollectionProductsSetInput,
    CollectionUpdateInput,
    OptionFilter,
    ProductChannelListingInput,
    ProductCreateInput,
    ProductFilter,
    ProductMediaInput,
    ProductSort,
    ProductUpdateInput,
    ProductVariantCreateInput,
    ProductVariantUpdateInput,
    SeoInput,
    SortDirection,
    StockSetInput,
    VariantOptionInput,
)
from schema.lookahead import selected_paths
from schema.payloads import (
    CategoryPayload,
    CollectionPayload,
    ProductPayload,
    ProductVariantPayload,
    StockPayload,
)

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
        collection_id=query_pk(flt.collection_id, "Collection", "collectionId") if flt.collection_id else None,
        in_stock=flt.in_stock, min_price=flt.min_price, max_price=flt.max_price,
        statuses=tuple(DomainProductStatus(st.value) for st in flt.status or ()),
        options=_option_filter(flt.options))


async def _readable_filter(info: Info, flt: listing.ProductFilter) -> listing.ProductFilter:
    """Shoppers see ACTIVE products published on their channel, whatever the filter asks (a status
    filter is for staff). Filtering by a campaign the viewer may not read (an unreleased one) finds
    nothing: its product scope is as secret as the campaign. So does filtering by a collection the
    audience may not see (the condition itself asks for a published one: app/loaders/products.py)."""
    audience = info.context.catalog.audience
    flt = replace(flt, audience=audience, statuses=flt.statuses if audience.staff else ())
    if flt.campaign_id is None:
        return flt
    row = await info.context.catalog.campaign.load(flt.campaign_id)
    if row is None or not may_read_campaign(info.context.viewer, row.status):
        return replace(flt, impossible=True)
    return flt


MAX_OPTION_FILTERS = 10


def _option_filter(options: list[OptionFilter] | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each option once, 1 to 50 values each, every text bounded (a malformed filter is INVALID)."""
    if not options:
        return ()
    if len(options) > MAX_OPTION_FILTERS:
        raise PublicError(f"Filter by at most {MAX_OPTION_FILTERS} options.", "INVALID")
    found: dict[str, tuple[str, ...]] = {}
    for option in options:
        name = query_text(option.name, "options.name", max_length=100).strip()
        if not option.values or len(option.values) > 50:
            raise PublicError(f"Option {name[:100]}: give 1 to 50 values.", "INVALID")
        if name in found:
            raise PublicError(f"Option {name[:100]} is given twice.", "INVALID")
        found[name] = tuple(query_text(v, "options.values", max_length=100).strip() for v in option.values)
    return tuple(found.items())


def _listings(listings: list[ProductChannelListingInput] | None) -> list[catalog_service.ListingSpec] | None:
    if listings is None:
        return None
    return [catalog_service.ListingSpec(channel=li.channel, is_published=li.is_published,
                                        available_for_purchase_at=li.available_for_purchase_at) for li in listings]


def _options(options: list[VariantOptionInput] | None) -> list[catalog_service.OptionSpec] | None:
    return None if options is None else [catalog_service.OptionSpec(o.name, o.value) for o in options]


def _media(media: list[ProductMediaInput] | None) -> list[catalog_service.MediaSpec] | None:
    return None if media is None else [catalog_service.MediaSpec(m.url, m.alt) for m in media]


def _seo(seo: SeoInput | None) -> catalog_service.SeoSpec | None:
    return None if seo is None else catalog_service.SeoSpec(seo.title, seo.description)


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
    ) -> ProductConnection:
        flt, order = await _readable_filter(info, _product_filter(filter)), _product_sort(sort)
        try:
            products = order.filtered(flt)
        except listing.SearchRequired:
            raise PublicError("Sorting by RELEVANCE ranks the products matching filter.search: pass a search, "
                              "or sort by another field.", "INVALID") from None
        request = products.request(first=first, after=after, last=last, before=before)
        db, currency = info.context.db, info.context.settings.currency
        connection = ProductConnection.of(await products.page(db, request), products.cursor,
                                          lambda row: Product.from_row(row, currency), lambda: products.count(db))
        connection.facet_filter = flt  # type: ignore[attr-defined]
        await prefetch_products(info, [edge.node for edge in connection.edges], selected_paths(info),
                                prefix="edges.node.")
        return connection  # type: ignore[return-value]

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

    @strawberry.field(description="Collections by name; shoppers see published ones only.")
    async def collections(self, info: Info, first: First = None, after: After = None) -> Connection[Collection]:
        request = COLLECTIONS.request(first=first, after=after)
        db, collections = info.context.db, COLLECTIONS.filtered(info.context.catalog.audience)
        return Connection.of(await collections.page(db, request), collections.cursor, Collection.from_row,
                             lambda: collections.count(db))

    @strawberry.field(description="One collection, by id or slug; null when unknown, or unpublished and the "
                                  "viewer is not staff.")
    async def collection(self, info: Info, id: ID_OR = None, slug: SLUG = None) -> Collection | None:
        loaders = info.context.catalog
        if id is not None:
            pk = decode_int_id(id, "Collection")
            row = await loaders.collection.load(pk) if pk is not None else None
        elif slug is not None:
            row = await loaders.collection_by_slug.load(query_text(slug, "slug", max_length=SLUG_MAX))
        else:
            raise PublicError("Pass id or slug.", "INVALID")
        return Collection.from_row(row) if row is not None and loaders.may_see_collection(row) else None


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

    @strawberry.mutation(description="Change a category, or move it with its subcategories (MERCHANDISER, ADMIN).")
    async def category_update(
        self, info: Info,
        input: Annotated[CategoryUpdateInput, strawberry.argument(description="The category and what to change.")],
    ) -> CategoryPayload:
        async def run(uow: Any) -> Any:
            return await catalog_service.update_category(
                uow=uow, category_id=input_pk(input.category_id, "Category", "categoryId"), name=input.name,
                slug=input.slug, description=input.description,
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
                    s.quantity) for j, s in enumerate(v.stock or [])],
                options=_options(v.options) or (), weight_grams=v.weight_grams)
                for i, v in enumerate(input.variants)]
            return await catalog_service.create_product(
                uow=uow, name=input.name, slug=input.slug, description=input.description,
                category_id=input_pk(input.category_id, "Category", "categoryId"), variants=variants,
                status=DomainProductStatus(input.status.value) if input.status else DomainProductStatus.ACTIVE,
                listings=_listings(input.channel_listings), media=_media(input.media), seo=_seo(input.seo))
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
                listings=_listings(input.channel_listings), media=_media(input.media), seo=_seo(input.seo))
        return await write(info, ProductPayload, input, run,
                           lambda entity: {"product": Product.from_row(entity, currency(info))})

    @strawberry.mutation(description="Add a variant to a product (MERCHANDISER, ADMIN).")
    async def product_variant_create(
        self, info: Info,
        input: Annotated[ProductVariantCreateInput, strawberry.argument(description="The variant to add.")],
    ) -> ProductVariantPayload:
        async def run(uow: Any) -> Any:
            spec = catalog_service.VariantSpec(
                sku=input.sku, name=input.name, price=input.price, options=_options(input.options) or (),
                weight_grams=input.weight_grams,
                stock=[catalog_service.StockLevel(input_pk(s.warehouse_id, "Warehouse", "stock", str(j), "warehouseId"),
                                                  s.quantity) for j, s in enumerate(input.stock or [])])
            return await catalog_service.create_variant(
                uow=uow, product_id=input_pk(input.product_id, "Product", "productId"), spec=spec)
        return await write(info, ProductVariantPayload, input, run,
                           lambda entity: {"variant": ProductVariant.from_row(entity, currency(info))})

    @strawberry.mutation(description="Change a variant: SKU, name, price, options, weight, archive (MERCHANDISER, "
                                     "ADMIN).")
    async def product_variant_update(
        self, info: Info,
        input: Annotated[ProductVariantUpdateInput, strawberry.argument(
            description="The variant and the fields to change.")],
    ) -> ProductVariantPayload:
        async def run(uow: Any) -> Any:
            return await catalog_service.update_variant(
                uow=uow, variant_id=input_pk(input.variant_id, "ProductVariant", "variantId"), sku=input.sku,
                name=input.name, price=input.price, options=_options(input.options),
                weight_grams=input.weight_grams, is_archived=input.is_archived)
        return await write(info, ProductVariantPayload, input, run,
                           lambda entity: {"variant": ProductVariant.from_row(entity, currency(info))})

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

    @strawberry.mutation(description="Create a collection, unpublished unless asked, with its products in order "
                                     "(MERCHANDISER, ADMIN).")
    async def collection_create(
        self, info: Info,
        input: Annotated[CollectionCreateInput, strawberry.argument(
            description="The collection to create.")],
    ) -> CollectionPayload:
        async def run(uow: Any) -> Any:
            return await collection_service.create_collection(
                uow=uow, name=input.name, slug=input.slug, description=input.description,
                is_published=input.is_published, product_ids=_product_pks(input.product_ids or []))
        return await write(info, CollectionPayload, input, run,
                           lambda entity: {"collection": Collection.from_row(entity)})

    @strawberry.mutation(description="Rename, describe, publish or hide a collection (MERCHANDISER, ADMIN).")
    async def collection_update(
        self, info: Info,
        input: Annotated[CollectionUpdateInput, strawberry.argument(
            description="The collection and the fields to change.")],
    ) -> CollectionPayload:
        async def run(uow: Any) -> Any:
            return await collection_service.update_collection(
                uow=uow, collection_id=_collection_pk(input.collection_id), name=input.name, slug=input.slug,
                description=input.description, is_published=input.is_published)
        return await write(info, CollectionPayload, input, run,
                           lambda entity: {"collection": Collection.from_row(entity)})

    @strawberry.mutation(description="Replace a collection's products and their order (MERCHANDISER, ADMIN).")
    async def collection_products_set(
        self, info: Info,
        input: Annotated[CollectionProductsSetInput, strawberry.argument(
            description="The collection and its whole membership, in display order.")],
    ) -> CollectionPayload:
        async def run(uow: Any) -> Any:
            return await collection_service.set_collection_products(
                uow=uow, collection_id=_collection_pk(input.collection_id),
                product_ids=_product_pks(input.product_ids))
        return await write(info, CollectionPayload, input, run,
                           lambda entity: {"collection": Collection.from_row(entity)})


def _collection_pk(global_id: str) -> int:
    return input_pk(global_id, "Collection", "collectionId") or 0


def _product_pks(global_ids: list[strawberry.ID]) -> list[int]:
    """Product keys in order; INVALID at the first id that is not a product's (["input", "productIds", i])."""
    return [input_pk(p, "Product", "productIds", str(i)) or 0 for i, p in enumerate(global_ids)]
