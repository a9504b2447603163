"""Migration 0015 on a catalog written before it, on both databases: existing products are indexed
(by name, SKU and description), with the same documents `reindex_products` writes, and a downgrade
drops the index."""

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from app.db import Database
from app.domain.states import ProductStatus
from app.loaders.products import Audience, ProductFilter, ProductSort, ProductSortField
from app.migrations import downgrade, upgrade
from app.search import reindex_products
from models import Product, ProductVariant
from tests.conftest import TEST_AUDIT_KEY

PRODUCTS = [(1, "Granite Lantern", "A lantern for the trail.", ["GL-1", "GL-2"]),
            (2, "Cedar Mug", None, ["CM-1"]),
            (3, "Harbor Vest", "Pairs with a granite lantern.", [])]


async def index_rows(conn: AsyncConnection) -> list[tuple[Any, ...]]:
    if conn.dialect.name == "sqlite":
        query = "SELECT rowid, name, codes, body FROM product_search ORDER BY rowid"
    else:
        query = "SELECT product_id, document::text FROM product_search ORDER BY product_id"
    return [tuple(row) for row in (await conn.execute(text(query))).all()]


async def found(db: Database, search: str) -> list[str]:
    listing = ProductSort(ProductSortField.RELEVANCE).filtered(ProductFilter(search=search, audience=Audience()))
    page = await listing.page(db, listing.request(first=10, after=None))
    return [row.name for row in page.items]


async def test_migration_0015_indexes_the_existing_catalog(unmigrated_url: str) -> None:
    await asyncio.to_thread(upgrade, unmigrated_url, "0014")
    now = datetime.now(UTC)
    engine = create_async_engine(unmigrated_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(Product.__table__), [
                {"id": pk, "name": name, "slug": f"p{pk}", "description": description, "min_price": Decimal(5),
                 "status": ProductStatus.ACTIVE, "created_at": now, "updated_at": now}
                for pk, name, description, _ in PRODUCTS])
            # Variant ids out of SKU order: documents list SKUs by variant id.
            variants = [(pk, sku) for pk, _, _, skus in PRODUCTS for sku in skus]
            await conn.execute(insert(ProductVariant.__table__), [
                {"id": 20 - n, "product_id": pk, "sku": sku, "name": sku, "price": Decimal(5), "created_at": now}
                for n, (pk, sku) in enumerate(variants)])
    finally:
        await engine.dispose()

    await asyncio.to_thread(upgrade, unmigrated_url, "head", audit_key=TEST_AUDIT_KEY)

    db = Database(unmigrated_url, audit_key=TEST_AUDIT_KEY)
    try:
        assert await found(db, "granite") == ["Granite Lantern", "Harbor Vest"]
        assert await found(db, "gl-2") == ["Granite Lantern"]
        assert await found(db, "mug") == ["Cedar Mug"]
        async with db.write_engine.begin() as conn:
            migrated = await index_rows(conn)
            await reindex_products(conn, [1, 2, 3])
            assert await index_rows(conn) == migrated
        assert len(migrated) == 3
    finally:
        await db.dispose()

    await asyncio.to_thread(downgrade, unmigrated_url, "0014", audit_key=TEST_AUDIT_KEY)
    engine = create_async_engine(unmigrated_url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    assert not [name for name in tables if name.startswith("product_search")]
    await asyncio.to_thread(upgrade, unmigrated_url, "head", audit_key=TEST_AUDIT_KEY)
