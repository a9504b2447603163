"""Per-request loaders for the catalog, the store structure, campaigns and collections."""

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, func, literal, or_, select

from app.db import Database
from app.domain.campaigns import CampaignTerms
from app.loaders.base import many_per_key, one_per_key, page_per_key, value_per_key
from app.loaders.products import PRODUCT_COLUMNS, STAFF, Audience, audience_conditions, collection_visible
from app.pagination import Listing
from app.services.campaign_offers import CAMPAIGN_COLUMNS, load_offers
from models import (
    Campaign,
    Category,
    Channel,
    Collection,
    DeliveryMethod,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductVariant,
    Stock,
    VariantOption,
    Warehouse,
    campaign_channels,
    campaign_products,
    collection_products,
    delivery_method_channels,
)

CATEGORY_COLUMNS = (Category.id, Category.parent_id, Category.name, Category.slug, Category.description,
                    Category.path)
COLLECTION_COLUMNS = (Collection.id, Collection.name, Collection.slug, Collection.description,
                      Collection.is_published, Collection.created_at, Collection.updated_at)
VARIANT_COLUMNS = (ProductVariant.id, ProductVariant.product_id, ProductVariant.sku, ProductVariant.name,
                   ProductVariant.weight_grams, ProductVariant.is_archived,
                   ProductVariant.price)


def _campaigns(status: str | None, readable: Iterable[str]) -> list[ColumnElement[bool]]:
    """Campaigns of one status (if given) among the statuses the viewer may read."""
    return [Campaign.status.in_(sorted(readable)), *([Campaign.status == status] if status else [])]


CATEGORIES = Listing("category:name", select(*CATEGORY_COLUMNS), (Category.name, Category.id),
                     where=lambda roots_only: [Category.parent_id.is_(None)] if roots_only else [])
CAMPAIGNS = Listing("campaign:id-desc", select(*CAMPAIGN_COLUMNS), (Campaign.id,), descending=True, where=_campaigns)
COLLECTIONS = Listing("collection:name", select(*COLLECTION_COLUMNS), (Collection.name, Collection.id),
                      where=collection_visible)

# Nested product connections, by name: a page per category (its subtree) or campaign (its scope, or
# the whole catalog without one); their rows carry owner_id.
_sub, _owner = Category.__table__.alias("sub"), Category.__table__.alias("owner")
_unscoped = ~select(campaign_products.c.campaign_id).where(campaign_products.c.campaign_id == Campaign.id).exists()
CATEGORY_PRODUCTS = Listing(
    "nested-product:name", select(_owner.c.id.label("owner_id"), *PRODUCT_COLUMNS).select_from(_owner)
    .join(_sub, _sub.c.path.like(_owner.c.path + "%")).join(Product, Product.category_id == _sub.c.id),
    (Product.name, Product.id), where=audience_conditions)
CAMPAIGN_PRODUCTS = Listing(
    "nested-product:name", select(Campaign.id.label("owner_id"), *PRODUCT_COLUMNS).select_from(Campaign)
    .join(Product, or_(_unscoped, Product.id.in_(
        select(campaign_products.c.product_id).where(campaign_products.c.campaign_id == Campaign.id)))),
    (Product.name, Product.id), where=audience_conditions)
# A collection's products in its own order (position, then product id), on the order index.
COLLECTION_PRODUCTS = Listing(
    "collection-product:position", select(collection_products.c.collection_id.label("owner_id"),
                                           collection_products.c.position, *PRODUCT_COLUMNS)
    .select_from(collection_products).join(Product, Product.id == collection_products.c.product_id),
    (collection_products.c.position, Product.id), where=audience_conditions)


class CatalogLoaders:
    def __init__(self, db: Database, now: datetime, audience: Audience = STAFF) -> None:
        self.db = db
        self.now = now
        self.audience = audience
        self.category = one_per_key(db, lambda ids: select(*CATEGORY_COLUMNS).where(Category.id.in_(ids)))
        self.category_children = many_per_key(
            db, lambda ids: select(*CATEGORY_COLUMNS).where(Category.parent_id.in_(ids))
            .order_by(Category.name, Category.id), key="parent_id")
        self.product = one_per_key(db, lambda ids: select(*PRODUCT_COLUMNS).where(Product.id.in_(ids)))
        self.product_by_slug = one_per_key(
            db, lambda slugs: select(*PRODUCT_COLUMNS).where(Product.slug.in_(slugs)), key="slug")
        self.category_by_slug = one_per_key(
            db, lambda slugs: select(*CATEGORY_COLUMNS).where(Category.slug.in_(slugs)), key="slug")
        self.variant = one_per_key(db, lambda ids: select(*VARIANT_COLUMNS).where(ProductVariant.id.in_(ids)))
        shown_variants = [] if audience.staff else [ProductVariant.is_archived.is_(False)]
        self.variants_by_product = many_per_key(
            db, lambda ids: select(*VARIANT_COLUMNS).where(ProductVariant.product_id.in_(ids), *shown_variants)
            .order_by(ProductVariant.id), key="product_id")
        self.options_by_variant = many_per_key(
            db, lambda ids: select(VariantOption.variant_id, VariantOption.name, VariantOption.value)
            .where(VariantOption.variant_id.in_(ids)).order_by(VariantOption.position), key="variant_id")
        # A product's options: the names and values its (shown) variants use, in variant order.
        self.options_by_product = many_per_key(
            db, lambda ids: select(ProductVariant.product_id, VariantOption.name, VariantOption.value)
            .join(VariantOption, VariantOption.variant_id == ProductVariant.id)
            .where(ProductVariant.product_id.in_(ids), *shown_variants)
            .order_by(ProductVariant.id, VariantOption.position), key="product_id")
        self.media_by_product = many_per_key(
            db, lambda ids: select(ProductMedia.product_id, ProductMedia.url, ProductMedia.alt, ProductMedia.sort_order)
            .where(ProductMedia.product_id.in_(ids)).order_by(ProductMedia.sort_order), key="product_id")
        self.stock_levels = many_per_key(
            db, lambda ids: select(Stock.variant_id, Stock.warehouse_id, Stock.on_hand, Stock.allocated)
            .where(Stock.variant_id.in_(ids)).order_by(Stock.warehouse_id), key="variant_id")
        self.quantity_available = value_per_key(
            db, lambda ids: select(Stock.variant_id, func.sum(Stock.on_hand - Stock.allocated))
            .where(Stock.variant_id.in_(ids)).group_by(Stock.variant_id), default=0)
        self.product_available = value_per_key(
            db, lambda ids: select(ProductVariant.product_id, func.count())
            .join(Stock, Stock.variant_id == ProductVariant.id)
            .where(ProductVariant.product_id.in_(ids), Stock.on_hand - Stock.allocated > 0)
            .group_by(ProductVariant.product_id), default=0)
        self.channel = one_per_key(db, lambda ids: select(*Channel.__table__.c).where(Channel.id.in_(ids)))
        self.warehouse = one_per_key(db, lambda ids: select(*Warehouse.__table__.c).where(Warehouse.id.in_(ids)))
        self.delivery_method = one_per_key(
            db, lambda ids: select(*DeliveryMethod.__table__.c).where(DeliveryMethod.id.in_(ids)))
        self.delivery_method_channel_ids = many_per_key(
            db, lambda ids: select(delivery_method_channels).where(
                delivery_method_channels.c.delivery_method_id.in_(ids)), key="delivery_method_id")
        self.campaign = one_per_key(db, lambda ids: select(*CAMPAIGN_COLUMNS).where(Campaign.id.in_(ids)))
        self.campaign_channels = many_per_key(
            db, lambda ids: select(Channel.id, Channel.slug, Channel.name, Channel.currency,
                                   campaign_channels.c.campaign_id)
            .join(campaign_channels, campaign_channels.c.channel_id == Channel.id)
            .where(campaign_channels.c.campaign_id.in_(ids)).order_by(Channel.id), key="campaign_id")
        self.scoped_campaign_ids = many_per_key(
            db, lambda ids: select(campaign_products).where(campaign_products.c.product_id.in_(ids)),
            key="product_id")
        category_products, campaign_products_ = CATEGORY_PRODUCTS.filtered(audience), CAMPAIGN_PRODUCTS.filtered(audience)
        self.category_products = page_per_key(db, category_products)
        self.category_product_count = value_per_key(db, category_products.owner_counts, default=0)
        self.campaign_products = page_per_key(db, campaign_products_)
        self.campaign_product_count = value_per_key(db, campaign_products_.owner_counts, default=0)
        self.collection = one_per_key(db, lambda ids: select(*COLLECTION_COLUMNS).where(Collection.id.in_(ids)))
        self.collection_by_slug = one_per_key(
            db, lambda slugs: select(*COLLECTION_COLUMNS).where(Collection.slug.in_(slugs)), key="slug")
        collection_products_ = COLLECTION_PRODUCTS.filtered(audience)
        self.collection_products = page_per_key(db, collection_products_)
        self.collection_product_count = value_per_key(db, collection_products_.owner_counts, default=0)
        visible = collection_visible(audience)
        self.collections_by_product = many_per_key(
            db, lambda ids: select(*COLLECTION_COLUMNS, collection_products.c.product_id)
            .join(collection_products, collection_products.c.collection_id == Collection.id)
            .where(collection_products.c.product_id.in_(ids), *visible)
            .order_by(Collection.name, Collection.id), key="product_id")
        self.listings_by_product = many_per_key(
            db, lambda ids: select(*ProductChannelListing.__table__.c)
            .where(ProductChannelListing.product_id.in_(ids)), key="product_id")
        self._channels: asyncio.Future[list[Row[Any]]] | None = None
        conditions = audience_conditions(audience)
        self._shopper_sees = value_per_key(
            db, lambda ids: select(Product.id, literal(True)).where(Product.id.in_(ids), *conditions), default=False)
        self._running: asyncio.Future[list[CampaignTerms]] | None = None
        self._channel_ids: dict[str, int | None] = {}

    # ---------------------------------------------------------------- running campaigns

    async def running_campaigns(self) -> list[CampaignTerms]:
        """Campaigns that apply now, loaded once per request."""
        if self._running is None:
            self._running = asyncio.ensure_future(self._load_running())
        return await self._running

    async def _load_running(self) -> list[CampaignTerms]:
        async with self.db.read() as conn:
            return [offer.terms for offer in await load_offers(conn, self.now)]

    async def all_channels(self) -> list[Row[Any]]:
        """Every channel, read once per request."""
        if self._channels is None:
            self._channels = asyncio.ensure_future(list_channels(self.db))
        return await self._channels

    async def may_see_product(self, product_id: int) -> bool:
        """Whether this request's audience sees the product (staff: always)."""
        return self.audience.staff or bool(await self._shopper_sees.load(product_id))

    def may_see_collection(self, row: Row[Any]) -> bool:
        """Whether this request's audience sees the collection (shoppers: a published one)."""
        return self.audience.staff or bool(row.is_published)

    async def channel_id(self, slug: str | None) -> int | None:
        if not slug:
            return None
        if slug not in self._channel_ids:
            async with self.db.read() as conn:
                self._channel_ids[slug] = await conn.scalar(select(Channel.id).where(Channel.slug == slug))
        return self._channel_ids[slug]


async def list_channels(db: Database) -> list[Row[Any]]:
    async with db.read() as conn:
        return list((await conn.execute(select(*Channel.__table__.c).order_by(Channel.id))).all())


async def list_warehouses(db: Database) -> list[Row[Any]]:
    async with db.read() as conn:
        return list((await conn.execute(select(*Warehouse.__table__.c).order_by(Warehouse.id))).all())
