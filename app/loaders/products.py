"""The product listing: filters, sorts and keyset pages, as Core statements (no ORM on reads)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, exists, func, literal, not_, or_, select

from app.db import Database
from app.pagination import Page, PageRequest, PaginationError, cut_page, encode_cursor, seek
from models import Campaign, Category, Product, ProductVariant, Stock, campaign_products

PRODUCT_COLUMNS = (Product.id, Product.category_id, Product.name, Product.slug, Product.description,
                   Product.min_price, Product.created_at)
SEARCH_MAX = 200


class ProductSortField(StrEnum):
    NAME = "NAME"
    PRICE = "PRICE"
    CREATED_AT = "CREATED_AT"


def _parse_decimal(text: str) -> Decimal:
    return Decimal(_parse_text(text))


def _parse_text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(value)
    return value


def _parse_moment(value: object) -> datetime:
    return datetime.fromisoformat(_parse_text(value))


SORT_KEYS: dict[ProductSortField, tuple[ColumnElement[Any], Callable[[str], Any]]] = {
    ProductSortField.NAME: (Product.name, _parse_text),
    ProductSortField.PRICE: (Product.min_price, _parse_decimal),
    ProductSortField.CREATED_AT: (Product.created_at, _parse_moment),
}


@dataclass(frozen=True, slots=True)
class ProductFilter:
    search: str | None = None
    category_id: int | None = None
    campaign_id: int | None = None
    in_stock: bool | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    # An id that decodes to nothing of the right type: the result is empty, not an error.
    impossible: bool = False


@dataclass(frozen=True, slots=True)
class ProductSort:
    field: ProductSortField = ProductSortField.CREATED_AT
    descending: bool = False

    @property
    def cursor_kind(self) -> str:
        return f"product:{self.field}:{'desc' if self.descending else 'asc'}"

    def cursor_for(self, row: Row[Any]) -> str:
        value = getattr(row, SORT_KEYS[self.field][0].key)
        text = value.isoformat() if isinstance(value, datetime) else str(value)
        return encode_cursor(self.cursor_kind, [text, row.id])

    def parse_cursor(self, page: PageRequest) -> PageRequest:
        if page.cursor is None:
            return page
        try:
            text, row_id = page.cursor
            value = SORT_KEYS[self.field][1](text)
            if not isinstance(row_id, int):
                raise ValueError(row_id)
        except (ValueError, TypeError, InvalidOperation) as exc:
            raise PaginationError("The cursor is not valid.") from exc
        return PageRequest(page.limit, (value, row_id), page.backward, page.has_cursor)


def in_stock_condition() -> ColumnElement[bool]:
    return exists().where(ProductVariant.product_id == Product.id, Stock.variant_id == ProductVariant.id,
                          Stock.on_hand - Stock.allocated > 0)


def subtree_product_condition(category_id: int) -> ColumnElement[bool]:
    """Products in the category or any of its descendants (materialised path prefix)."""
    root_path = select(Category.path).where(Category.id == category_id).scalar_subquery()
    return Product.category_id.in_(select(Category.id).where(Category.path.like(root_path + "%")))


def campaign_product_condition(campaign_id: int) -> ColumnElement[bool]:
    """Products a campaign covers: its product scope, or the whole catalog when it has none."""
    scoped = select(campaign_products.c.product_id).where(campaign_products.c.campaign_id == campaign_id)
    has_scope = exists().where(campaign_products.c.campaign_id == campaign_id)
    return and_(exists().where(Campaign.id == campaign_id),
                or_(not_(has_scope), Product.id.in_(scoped)))


def filtered(stmt: Select[Any], flt: ProductFilter) -> Select[Any]:
    if flt.impossible:
        return stmt.where(literal(False))
    if flt.search:
        needle = flt.search.strip().lower()
        stmt = stmt.where(or_(func.lower(Product.name).contains(needle, autoescape=True),
                              func.lower(Product.description).contains(needle, autoescape=True)))
    if flt.category_id is not None:
        stmt = stmt.where(subtree_product_condition(flt.category_id))
    if flt.campaign_id is not None:
        stmt = stmt.where(campaign_product_condition(flt.campaign_id))
    if flt.in_stock is not None:
        stmt = stmt.where(in_stock_condition() if flt.in_stock else not_(in_stock_condition()))
    if flt.min_price is not None:
        stmt = stmt.where(Product.min_price >= flt.min_price)
    if flt.max_price is not None:
        stmt = stmt.where(Product.min_price <= flt.max_price)
    return stmt


async def list_products(db: Database, *, flt: ProductFilter, sort: ProductSort,
                        page: PageRequest) -> Page[Row[Any]]:
    page = sort.parse_cursor(page)
    stmt = seek(filtered(select(*PRODUCT_COLUMNS), flt), [SORT_KEYS[sort.field][0], Product.id],
                descending=sort.descending, page=page)
    async with db.read() as conn:
        rows = (await conn.execute(stmt)).all()
    return cut_page(rows, page)


async def count_products(db: Database, *, flt: ProductFilter) -> int:
    async with db.read() as conn:
        return int(await conn.scalar(filtered(select(func.count()).select_from(Product), flt)) or 0)
