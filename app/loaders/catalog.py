"""Per-request loaders for the catalog, the store structure and campaigns."""

import asyncio
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import Row, and_, func, or_, select

from app.db import Database
from app.domain.campaigns import CampaignTerms
from app.loaders.base import many_per_key, one_per_key, value_per_key
from app.loaders.products import PRODUCT_COLUMNS
from app.pagination import Page, PageRequest, PaginationError, cut_page, encode_cursor, seek
from app.services.campaign_offers import CAMPAIGN_COLUMNS, load_offers
from models import (
    Campaign,
    Category,
    Channel,
    DeliveryMethod,
    Product,
    ProductVariant,
    Stock,
    Warehouse,
    campaign_channels,
    campaign_products,
    delivery_method_channels,
)

CATEGORY_COLUMNS = (Category.id, Category.parent_id, Category.name, Category.slug, Category.description,
                    Category.path)
VARIANT_COLUMNS = (ProductVariant.id, ProductVariant.product_id, ProductVariant.sku, ProductVariant.name,
                   ProductVariant.price)
NESTED_PRODUCT_CURSOR = "nested-product:name"
CATEGORY_CURSOR = "category:name"
CAMPAIGN_CURSOR = "campaign:id-desc"


def nested_product_cursor(row: Row[Any]) -> str:
    return encode_cursor(NESTED_PRODUCT_CURSOR, [row.name, row.id])


class CatalogLoaders:
    def __init__(self, db: Database, now: datetime) -> None:
        self.db = db
        self.now = now
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
        self.variants_by_product = many_per_key(
            db, lambda ids: select(*VARIANT_COLUMNS).where(ProductVariant.product_id.in_(ids))
            .order_by(ProductVariant.id), key="product_id")
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
        self.category_products = DataLoader(self._category_products, max_batch_size=500)
        self.category_product_count = DataLoader(self._category_product_counts, max_batch_size=500)
        self.campaign_products = DataLoader(self._campaign_products, max_batch_size=500)
        self.campaign_product_count = DataLoader(self._campaign_product_counts, max_batch_size=500)
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

    async def channel_id(self, slug: str | None) -> int | None:
        if not slug:
            return None
        if slug not in self._channel_ids:
            async with self.db.read() as conn:
                self._channel_ids[slug] = await conn.scalar(select(Channel.id).where(Channel.slug == slug))
        return self._channel_ids[slug]

    # ---------------------------------------------------------------- nested product connections

    async def _category_products(self, keys: Sequence[tuple[int, PageRequest]]) -> list[Page[Row[Any]]]:
        sub = Category.__table__.alias("sub")
        owner = Category.__table__.alias("owner")
        return await self._nested_pages(
            keys, lambda ids: select(owner.c.id.label("owner_id"), *PRODUCT_COLUMNS)
            .select_from(owner).join(sub, sub.c.path.like(owner.c.path + "%"))
            .join(Product, Product.category_id == sub.c.id).where(owner.c.id.in_(ids)))

    async def _category_product_counts(self, ids: Sequence[int]) -> list[int]:
        sub = Category.__table__.alias("sub")
        owner = Category.__table__.alias("owner")
        stmt = (select(owner.c.id, func.count(Product.id)).select_from(owner)
                .join(sub, sub.c.path.like(owner.c.path + "%"))
                .join(Product, Product.category_id == sub.c.id)
                .where(owner.c.id.in_(ids)).group_by(owner.c.id))
        async with self.db.read() as conn:
            found = dict((await conn.execute(stmt)).all())
        return [found.get(i, 0) for i in ids]

    async def _campaign_products(self, keys: Sequence[tuple[int, PageRequest]]) -> list[Page[Row[Any]]]:
        # A campaign without product scope covers the whole catalog.
        unscoped = ~select(campaign_products.c.campaign_id).where(
            campaign_products.c.campaign_id == Campaign.id).exists()
        return await self._nested_pages(
            keys, lambda ids: select(Campaign.id.label("owner_id"), *PRODUCT_COLUMNS)
            .select_from(Campaign)
            .join(Product, or_(unscoped, Product.id.in_(
                select(campaign_products.c.product_id).where(campaign_products.c.campaign_id == Campaign.id))))
            .where(Campaign.id.in_(ids)))

    async def _campaign_product_counts(self, ids: Sequence[int]) -> list[int]:
        unscoped = ~select(campaign_products.c.campaign_id).where(
            campaign_products.c.campaign_id == Campaign.id).exists()
        stmt = (select(Campaign.id, func.count(Product.id)).select_from(Campaign)
                .join(Product, or_(unscoped, Product.id.in_(
                    select(campaign_products.c.product_id)
                    .where(campaign_products.c.campaign_id == Campaign.id))))
                .where(Campaign.id.in_(ids)).group_by(Campaign.id))
        async with self.db.read() as conn:
            found = dict((await conn.execute(stmt)).all())
        return [found.get(i, 0) for i in ids]

    async def _nested_pages(self, keys: Sequence[tuple[int, PageRequest]], base: Any) -> list[Page[Row[Any]]]:
        """One windowed statement per distinct page request: ROW_NUMBER() per owner cuts each
        owner's page, sorted by (name, id)."""
        by_request: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        requests: dict[tuple[Any, ...], PageRequest] = {}
        for owner_id, page in keys:
            by_request[page.key].append(owner_id)
            requests[page.key] = page
        pages: dict[tuple[int, tuple[Any, ...]], Page[Row[Any]]] = {}
        for request_key, owner_ids in by_request.items():
            page = requests[request_key]
            stmt = base(owner_ids)
            if page.cursor is not None:
                name, row_id = _nested_cursor(page)
                after = or_(Product.name > name, and_(Product.name == name, Product.id > row_id))
                before = or_(Product.name < name, and_(Product.name == name, Product.id < row_id))
                stmt = stmt.where(before if page.backward else after)
            order = ((Product.name.desc(), Product.id.desc()) if page.backward
                     else (Product.name.asc(), Product.id.asc()))
            ranked = stmt.add_columns(func.row_number().over(
                partition_by=stmt.selected_columns.owner_id, order_by=order).label("rn")).subquery()
            final = (select(ranked).where(ranked.c.rn <= page.limit + 1)
                     .order_by(ranked.c.owner_id, ranked.c.rn))
            async with self.db.read() as conn:
                rows = (await conn.execute(final)).all()
            grouped: dict[int, list[Row[Any]]] = defaultdict(list)
            for row in rows:
                grouped[row.owner_id].append(row)
            for owner_id in owner_ids:
                pages[(owner_id, request_key)] = cut_page(grouped.get(owner_id, []), page)
        return [pages[(owner_id, page.key)] for owner_id, page in keys]


def _nested_cursor(page: PageRequest) -> tuple[str, int]:
    cursor = page.cursor or ()
    if (len(cursor) != 2 or not isinstance(cursor[0], str) or "\x00" in cursor[0]
            or not isinstance(cursor[1], int) or not 0 <= cursor[1] <= 2**31 - 1):
        raise PaginationError("The cursor is not valid.")
    return cursor[0], cursor[1]


def category_cursor(row: Row[Any]) -> str:
    return encode_cursor(CATEGORY_CURSOR, [row.name, row.id])


def _categories(stmt: Any, roots_only: bool) -> Any:
    return stmt.where(Category.parent_id.is_(None)) if roots_only else stmt


async def list_categories(db: Database, *, page: PageRequest, roots_only: bool) -> Page[Row[Any]]:
    stmt = seek(_categories(select(*CATEGORY_COLUMNS), roots_only), [Category.name, Category.id],
                descending=False, page=page)
    async with db.read() as conn:
        return cut_page((await conn.execute(stmt)).all(), page)


async def count_categories(db: Database, *, roots_only: bool) -> int:
    async with db.read() as conn:
        return int(await conn.scalar(_categories(select(func.count()).select_from(Category), roots_only)) or 0)


def campaign_cursor(row: Row[Any]) -> str:
    return encode_cursor(CAMPAIGN_CURSOR, [row.id])


def _campaigns(stmt: Any, status: str | None, readable: Collection[str]) -> Any:
    """Campaigns of one status (if given) among the statuses the viewer may read."""
    stmt = stmt.where(Campaign.status.in_(sorted(readable)))
    return stmt.where(Campaign.status == status) if status else stmt


async def list_campaigns(db: Database, *, page: PageRequest, status: str | None,
                         readable: Collection[str]) -> Page[Row[Any]]:
    stmt = seek(_campaigns(select(*CAMPAIGN_COLUMNS), status, readable), [Campaign.id], descending=True, page=page)
    async with db.read() as conn:
        return cut_page((await conn.execute(stmt)).all(), page)


async def count_campaigns(db: Database, *, status: str | None, readable: Collection[str]) -> int:
    async with db.read() as conn:
        return int(await conn.scalar(
            _campaigns(select(func.count()).select_from(Campaign), status, readable)) or 0)


async def list_channels(db: Database) -> list[Row[Any]]:
    async with db.read() as conn:
        return list((await conn.execute(select(*Channel.__table__.c).order_by(Channel.id))).all())


async def list_warehouses(db: Database) -> list[Row[Any]]:
    async with db.read() as conn:
        return list((await conn.execute(select(*Warehouse.__table__.c).order_by(Warehouse.id))).all())
