"""Bulk catalog export and import (`commerce catalog export` / `commerce catalog import`).

Export streams every variant with its product, ordered by product slug then SKU, as the CSV of
app/domain/catalog_file.py. Import upserts by SKU, all or nothing: every row is checked first
(the file's own rules, then against the database: categories exist, a SKU stays with its product),
and only a file without problems is written, in one unit of work, with one audit event. The SQL
is batched: existing SKUs, products and categories are loaded with a few IN queries, and rows are
written with executemany, so a 10,000-row file takes a few dozen statements, not thousands.

Both are operator commands: they run with the database's credentials, as `commerce seed` does,
and check no role.
"""

import csv
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TextIO, TypeVar

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import Database
from app.domain import catalog_file as cf
from app.domain.catalog_file import CatalogFile, Row, RowProblem
from app.domain.money import round_money
from app.domain.states import ProductStatus
from app.search import reindex_products
from app.services.unit_of_work import Actor, UnitOfWork
from models import Category, Product, ProductVariant

T = TypeVar("T")

EXPORT_PAGE = 1000
# Bound parameters per IN list or multi-row statement: far below SQLite's and asyncpg's limits.
CHUNK = 1000
AUDIT_ACTION = "catalog.import"

Progress = Callable[[str, int, int], None]  # phase, done, total


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _export_query(db: Database) -> Any:
    slug, sku = Product.slug, ProductVariant.sku
    if not db.is_sqlite:
        # Byte order, as SQLite's BINARY collation: the same catalog exports alike on both backends.
        slug, sku = slug.collate("C"), sku.collate("C")  # type: ignore[assignment]
    return (select(ProductVariant.sku, Product.slug, Product.name, Product.description, Category.slug,
                   ProductVariant.name, ProductVariant.price)
            .join(Product, ProductVariant.product_id == Product.id)
            .outerjoin(Category, Product.category_id == Category.id)
            .order_by(slug, sku))


async def count_variants(db: Database) -> int:
    async with db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(ProductVariant)) or 0)


async def export_catalog(db: Database, out: TextIO, progress: Callable[[int], None] | None = None) -> int:
    """Write the catalog to `out` (opened with newline=""); the number of rows written. One query
    in one read transaction (a consistent snapshot), fetched EXPORT_PAGE rows at a time."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(cf.COLUMN_NAMES)
    written = 0
    async with db.read() as conn:
        result = await conn.stream(_export_query(db).execution_options(yield_per=EXPORT_PAGE))
        async for page in result.partitions():
            writer.writerows(cf.export_cells(*row) for row in page)
            written += len(page)
            if progress is not None:
                progress(written)
    return written


class CatalogFileRejected(Exception):
    """The file has problems; nothing was changed."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.order)
        super().__init__(f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}")


@dataclass(frozen=True, slots=True)
class ImportSummary:
    rows: int
    created: int             # rows whose SKU was new: a variant created
    updated: int             # rows whose variant, or whose product, changed
    unchanged: int
    products_created: int
    products_updated: int
    sha256: str
    dry_run: bool

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def audit_data(self) -> dict[str, Any]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "productsCreated": self.products_created,
                "productsUpdated": self.products_updated, "sha256": self.sha256}


@dataclass(frozen=True, slots=True)
class _Variant:
    id: int
    product_id: int
    product_slug: str
    name: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class _Product:
    id: int
    name: str
    description: str | None
    category_id: int | None


@dataclass
class _Plan:
    new_products: list[dict[str, Any]] = field(default_factory=list)
    product_updates: list[dict[str, Any]] = field(default_factory=list)
    new_variants: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (product slug, row)
    variant_updates: list[dict[str, Any]] = field(default_factory=list)
    # Existing products whose lowest variant price may have moved (a price changed, a variant added).
    reprice: set[int] = field(default_factory=set)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


async def _load(conn: AsyncConnection, parsed: CatalogFile) -> tuple[
        dict[str, _Variant], dict[str, _Product], dict[str, int]]:
    skus = sorted({row.sku for row in parsed.keys if row.sku})
    slugs = sorted({row.product_slug for row in parsed.rows})
    category_slugs = sorted({row.category_slug for row in parsed.keys if row.category_slug})
    variants: dict[str, _Variant] = {}
    for chunk in _chunks(skus):
        for sku, vid, pid, pslug, name, price in await conn.execute(
                select(ProductVariant.sku, ProductVariant.id, Product.id, Product.slug, ProductVariant.name,
                       ProductVariant.price)
                .join(Product, ProductVariant.product_id == Product.id).where(ProductVariant.sku.in_(chunk))):
            variants[sku] = _Variant(vid, pid, pslug, name, price)
    products: dict[str, _Product] = {}
    for chunk in _chunks(slugs):
        for pid, slug, name, description, category_id in await conn.execute(
                select(Product.id, Product.slug, Product.name, Product.description, Product.category_id)
                .where(Product.slug.in_(chunk))):
            products[slug] = _Product(pid, name, description, category_id)
    categories: dict[str, int] = {}
    for chunk in _chunks(category_slugs):
        for cid, slug in await conn.execute(select(Category.id, Category.slug).where(Category.slug.in_(chunk))):
            categories[slug] = cid
    return variants, products, categories


def _check_against(parsed: CatalogFile, variants: dict[str, _Variant],
                   categories: dict[str, int]) -> list[RowProblem]:
    problems: list[RowProblem] = []
    for row in parsed.keys:
        if row.category_slug is not None and row.category_slug not in categories:
            problems.append(RowProblem(row.line, cf.CATEGORY_SLUG,
                                       f"No category has the slug '{row.category_slug}'."))
        variant = variants.get(row.sku) if row.sku else None
        if variant is not None and row.product_slug is not None and variant.product_slug != row.product_slug:
            problems.append(RowProblem(
                row.line, cf.PRODUCT_SLUG,
                f"SKU {row.sku} belongs to product '{variant.product_slug}'; moving a variant to another "
                f"product is refused."))
    return problems


def _plan(parsed: CatalogFile, variants: dict[str, _Variant], products: dict[str, _Product],
          categories: dict[str, int], now: datetime) -> _Plan:
    plan = _Plan()
    has_description = parsed.has(cf.PRODUCT_DESCRIPTION)
    has_category = parsed.has(cf.CATEGORY_SLUG)
    by_product: dict[str, list[Row]] = {}
    for row in parsed.rows:
        by_product.setdefault(row.product_slug, []).append(row)
    for slug, rows in by_product.items():
        first = rows[0]
        category_id = categories[first.category_slug] if first.category_slug else None
        product = products.get(slug)
        product_changed = False
        if product is None:
            plan.new_products.append({
                "slug": slug, "name": first.product_name, "description": first.description,
                "category_id": category_id, "min_price": round_money(min(row.price for row in rows)),
                "status": ProductStatus.ACTIVE, "created_at": now, "updated_at": now})
        else:
            after = _Product(product.id, first.product_name,
                             first.description if has_description else product.description,
                             category_id if has_category else product.category_id)
            if after != product:
                product_changed = True
                plan.product_updates.append({
                    "b_id": product.id, "b_name": after.name, "b_description": after.description,
                    "b_category_id": after.category_id, "b_updated_at": now})
        for row in rows:
            variant = variants.get(row.sku)
            if variant is None:
                plan.created += 1
                plan.new_variants.append((slug, {"sku": row.sku, "name": row.variant_name, "price": row.price,
                                                 "created_at": now}))
                if product is not None:
                    plan.reprice.add(product.id)
            elif variant.name != row.variant_name or variant.price != row.price:
                plan.updated += 1
                plan.variant_updates.append({"b_id": variant.id, "b_name": row.variant_name,
                                             "b_price": row.price})
                if variant.price != row.price:
                    plan.reprice.add(variant.product_id)
            elif product_changed:
                plan.updated += 1
            else:
                plan.unchanged += 1
    return plan


async def _write(conn: AsyncConnection, plan: _Plan, now: datetime, progress: Progress | None) -> None:
    steps = (len(plan.new_products) + len(plan.product_updates) + len(plan.new_variants)
             + len(plan.variant_updates) + len(plan.reprice))
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress("writing", done, steps)

    product_ids: dict[str, int] = {}
    for chunk in _chunks(plan.new_products):
        for pid, slug in await conn.execute(insert(Product).returning(Product.id, Product.slug), list(chunk)):
            product_ids[slug] = pid
        advance(len(chunk))
    for chunk in _chunks(plan.product_updates):
        await conn.execute(
            update(Product).where(Product.id == bindparam("b_id")).values(
                name=bindparam("b_name"), description=bindparam("b_description"),
                category_id=bindparam("b_category_id"), updated_at=bindparam("b_updated_at")),
            list(chunk))
        advance(len(chunk))
    if plan.new_variants:
        existing = await _product_ids(conn, sorted({slug for slug, _ in plan.new_variants} - product_ids.keys()))
        product_ids.update(existing)
        rows = [{**row, "product_id": product_ids[slug]} for slug, row in plan.new_variants]
        for chunk in _chunks(rows):
            await conn.execute(insert(ProductVariant), list(chunk))
            advance(len(chunk))
    for chunk in _chunks(plan.variant_updates):
        await conn.execute(
            update(ProductVariant).where(ProductVariant.id == bindparam("b_id")).values(
                name=bindparam("b_name"), price=bindparam("b_price")),
            list(chunk))
        advance(len(chunk))
    # Product.min_price is the lowest price of all the product's variants, those the file did not
    # name included (as create_product sets it): recomputed in SQL for every product touched.
    lowest = (select(func.min(ProductVariant.price)).where(ProductVariant.product_id == Product.id)
              .scalar_subquery())
    for ids in _chunks(sorted(plan.reprice)):
        await conn.execute(update(Product).where(Product.id.in_(ids)).values(min_price=lowest, updated_at=now))
        advance(len(ids))
    # Names, descriptions and SKUs changed: the search index follows in the same transaction.
    touched = set(product_ids.values()) | {row["b_id"] for row in plan.product_updates} | set(plan.reprice)
    await reindex_products(conn, sorted(touched))


async def _product_ids(conn: AsyncConnection, slugs: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(slugs):
        for pid, slug in await conn.execute(select(Product.id, Product.slug).where(Product.slug.in_(chunk))):
            found[slug] = pid
    return found


async def import_catalog(db: Database, data: bytes, *, now: datetime, dry_run: bool = False,
                         request_id: str = "cli:catalog-import",
                         progress: Progress | None = None) -> ImportSummary:
    """Upsert the file's rows by SKU in one unit of work, audited as one `catalog.import` event;
    CatalogFileRejected (every problem, nothing changed) when any row is bad. A dry run checks and
    counts alike and writes nothing; so does a file that changes nothing (no audit event either)."""
    sha256 = hashlib.sha256(data).hexdigest()
    lines = data.count(b"\n")  # about the number of rows (a quoted line break makes it more)

    def on_record(count: int) -> None:
        if progress is not None:
            progress("checking", count, max(lines, count))

    parsed = cf.read_catalog_file(data, on_record)
    if progress is not None:
        progress("checking", parsed.records, parsed.records)
    if parsed.problems and not parsed.columns:
        raise CatalogFileRejected(parsed.problems)
    async with UnitOfWork(db, Actor(viewer=None, request_id=request_id), now) as uow:
        conn = await uow.session.connection()
        variants, products, categories = await _load(conn, parsed)
        problems = parsed.problems + _check_against(parsed, variants, categories)
        if problems:
            raise CatalogFileRejected(problems)
        plan = _plan(parsed, variants, products, categories, now)
        summary = ImportSummary(
            rows=parsed.records, created=plan.created, updated=plan.updated, unchanged=plan.unchanged,
            products_created=len(plan.new_products), products_updated=len(plan.product_updates),
            sha256=sha256, dry_run=dry_run)
        if dry_run or not summary.changed:
            return summary  # the unit of work rolls back
        await _write(conn, plan, now, progress)
        uow.audit(action=AUDIT_ACTION, subject_type="Catalog", subject_id=sha256, data=summary.audit_data())
        await uow.commit()
    return summary
