"""The floor for the storefront listing: the JSON of bench/run.py's GraphQL query, built straight from
SQLAlchemy Core rows with orjson and no GraphQL layer.

    uvicorn --factory bench.plain:create_app --port 8001
    curl -X POST localhost:8001/products -d '{"first": 20}'

Same database, engines, models and pricing rules as the API, so the two differ only by what sits
between the rows and the bytes. Reads COMMERCE_DATABASE_URL and COMMERCE_CURRENCY.
"""

import gc
import os
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.db import Database
from app.domain.campaigns import RUNNING_STATUSES, CampaignTerms, DiscountType, display_price
from app.domain.states import CampaignStatus
from app.ids import encode_id
from app.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from app.settings import Settings
from models import Campaign, Category, Product, ProductVariant, Stock, campaign_channels, campaign_products


async def shelf_campaigns(conn: AsyncConnection, now: datetime) -> list[CampaignTerms]:
    """Automatic campaigns running now that a shopper without a channel sees (no channel scope).
    `display_price` then keeps the percentage ones without minimum subtotal or exhausted usage."""
    product_scoped = exists().where(campaign_products.c.campaign_id == Campaign.id).label("product_scoped")
    rows = (await conn.execute(select(
        Campaign.id, Campaign.status, Campaign.discount_type, Campaign.discount_value, Campaign.starts_at,
        Campaign.ends_at, Campaign.min_subtotal, Campaign.usage_limit, Campaign.times_used, product_scoped,
    ).where(
        Campaign.code.is_(None),
        Campaign.status.in_(sorted(RUNNING_STATUSES)),
        or_(Campaign.starts_at.is_(None), Campaign.starts_at <= now),
        or_(Campaign.ends_at.is_(None), Campaign.ends_at > now),
        ~exists().where(campaign_channels.c.campaign_id == Campaign.id)))).all()
    return [CampaignTerms(
        id=r.id, code=None, status=CampaignStatus(r.status), discount_type=DiscountType(r.discount_type),
        discount_value=r.discount_value, starts_at=r.starts_at, ends_at=r.ends_at,
        min_subtotal=r.min_subtotal, usage_limit=r.usage_limit, times_used=r.times_used,
        channel_ids=frozenset(), product_scoped=bool(r.product_scoped)) for r in rows]


async def product_page(conn: AsyncConnection, first: int, currency: str,
                       now: datetime) -> list[dict[str, Any]]:
    products = (await conn.execute(
        select(Product.id, Product.category_id, Product.name, Product.slug, Product.min_price)
        .order_by(Product.created_at, Product.id).limit(first))).all()
    if not products:
        return []
    product_ids = [p.id for p in products]
    category_ids = sorted({p.category_id for p in products if p.category_id is not None})
    categories = {row.id: {"id": encode_id("Category", row.id), "name": row.name}
                  for row in await conn.execute(
                      select(Category.id, Category.name).where(Category.id.in_(category_ids)))}
    variants = (await conn.execute(
        select(ProductVariant.id, ProductVariant.product_id, ProductVariant.sku, ProductVariant.name,
               ProductVariant.price)
        .where(ProductVariant.product_id.in_(product_ids)).order_by(ProductVariant.id))).all()
    available: dict[int, int] = dict((await conn.execute(
        select(Stock.variant_id, func.sum(Stock.on_hand - Stock.allocated))
        .where(Stock.variant_id.in_([v.id for v in variants])).group_by(Stock.variant_id))).tuples().all())
    campaigns = await shelf_campaigns(conn, now)
    scoped_ids: dict[int, set[int]] = defaultdict(set)
    if any(c.product_scoped for c in campaigns):
        for campaign_id, product_id in (await conn.execute(
                select(campaign_products.c.campaign_id, campaign_products.c.product_id)
                .where(campaign_products.c.product_id.in_(product_ids)))).tuples():
            scoped_ids[product_id].add(campaign_id)

    variants_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for v in variants:
        variants_of[v.product_id].append({
            "id": encode_id("ProductVariant", v.id), "sku": v.sku, "name": v.name,
            "price": {"amount": _amount(v.price)}, "quantityAvailable": available.get(v.id, 0)})
    return [{"node": {
        "id": encode_id("Product", p.id),
        "name": p.name,
        "slug": p.slug,
        "price": {"amount": _amount(display_price(p.min_price, [
            c for c in campaigns if not c.product_scoped or c.id in scoped_ids[p.id]])),
            "currency": currency},
        "category": categories.get(p.category_id) if p.category_id is not None else None,
        "variants": variants_of[p.id],
    }} for p in products]


def _amount(value: Decimal) -> str:
    # Amounts come quantized to cents; str() is what Strawberry's Decimal scalar emits too.
    return str(value)


def _page_size(raw: object) -> int | None:
    if raw is None:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(str(raw))
    except ValueError:
        return None
    return size if 0 <= size <= MAX_PAGE_SIZE else None


def _error(message: str) -> Response:
    return Response(orjson.dumps({"data": None, "errors": [{"message": message}]}), status_code=400,
                    media_type="application/json")


def create_app(database_url: str | None = None) -> Starlette:
    """Factory for uvicorn (`--factory`): the database is opened in the lifespan, as in app.main."""
    database_url = database_url or os.environ.get("COMMERCE_DATABASE_URL")
    if not database_url:
        raise RuntimeError("Set COMMERCE_DATABASE_URL to the database the API serves.")
    currency = os.environ.get("COMMERCE_CURRENCY", "USD").upper()
    databases: list[Database] = []

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        databases.append(Database(database_url, audit_key=Settings().audit_key))
        # The same collector tuning as `commerce serve`, so that the comparison isolates the GraphQL layer.
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)
        try:
            yield
        finally:
            await databases.pop().dispose()

    async def products(request: Request) -> Response:
        raw: object = request.query_params.get("first")
        if request.method == "POST":
            try:
                body = orjson.loads(await request.body() or b"{}")
            except orjson.JSONDecodeError:
                return _error("The body is not JSON.")
            raw = body.get("first") if isinstance(body, dict) else None
        first = _page_size(raw)
        if first is None:
            return _error(f"first must be between 0 and {MAX_PAGE_SIZE}.")
        async with databases[0].read() as conn:
            edges = await product_page(conn, first, currency, datetime.now(UTC))
        return Response(orjson.dumps({"data": {"products": {"edges": edges}}}), media_type="application/json")

    return Starlette(routes=[Route("/products", products, methods=["GET", "POST"])], lifespan=lifespan)

