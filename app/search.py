"""Full-text product search: the indexed document, the one function that writes the index, and
the SQL that queries it on each database.

The index (models/search.py, migration 0015) holds one document per product with three weighted
parts: the name (weight A), the variants' SKUs and option values (B) and the description (C). SQLite keeps it in an
FTS5 table ranked by bm25 with column weights; PostgreSQL in a tsvector with setweight, a GIN index
and ts_rank. Both use plain word splitting, lower-cased (the 'simple' configuration, no stemming),
so an SKU matches as the whole run of its parts.

Every writer of a product's name, description or SKUs calls `reindex_products` in the transaction
that changes them: a search sees a change exactly when the change is committed.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    Float,
    Integer,
    String,
    bindparam,
    column,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import CTE
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator

from app.domain.search import SearchQuery, parse_search
from models import Product, ProductVariant, VariantOption
from models.search import SEARCH_TABLE

# bm25 column weights on SQLite (name, codes, body), in the ratio of ts_rank's default weights of
# A, B and C on PostgreSQL (1.0, 0.4, 0.2).
SQLITE_WEIGHTS = (5.0, 2.0, 1.0)
WRITE_BATCH = 500


# ---------------------------------------------------------------- the document

@dataclass(frozen=True, slots=True)
class SearchDocument:
    """What search finds a product by, in three parts of decreasing weight."""

    product_id: int
    name: str  # weight A
    codes: str  # weight B: the variants' SKUs
    body: str  # weight C: the description


async def search_documents(conn: AsyncConnection, product_ids: Sequence[int]) -> list[SearchDocument]:
    """The documents of these products (those that exist). The one place that decides what is
    searchable: to search another field (option values, a brand), load it here and add it to the
    part of its weight."""
    products = (await conn.execute(select(Product.id, Product.name, Product.description)
                                   .where(Product.id.in_(product_ids)))).all()
    skus: dict[int, list[str]] = {}
    for product_id, sku in (await conn.execute(
            select(ProductVariant.product_id, ProductVariant.sku)
            .where(ProductVariant.product_id.in_(product_ids))
            .order_by(ProductVariant.product_id, ProductVariant.id))).all():
        skus.setdefault(product_id, []).append(sku)
    # Option values (Blue, XL) weigh as the SKUs: words that name a variant.
    for product_id, value in (await conn.execute(
            select(ProductVariant.product_id, VariantOption.value).distinct()
            .join(VariantOption, VariantOption.variant_id == ProductVariant.id)
            .where(ProductVariant.product_id.in_(product_ids)))).all():
        skus.setdefault(product_id, []).append(value)
    return [SearchDocument(product_id=row.id, name=row.name, codes=" ".join(skus.get(row.id, [])),
                           body=row.description or "")
            for row in products]


# ---------------------------------------------------------------- writing the index

_fts = table(SEARCH_TABLE, column("rowid", Integer), column("name", String), column("codes", String),
             column("body", String))
_tsv = table(SEARCH_TABLE, column("product_id", Integer), column("document", postgresql.TSVECTOR))


def _weighted(param: str, weight: str) -> ColumnElement[Any]:
    """setweight(to_tsvector('simple', :param), 'weight')"""
    vector = func.to_tsvector(literal_column("'simple'::regconfig"), bindparam(param, type_=String))
    return func.setweight(vector, literal_column(f"'{weight}'"), type_=postgresql.TSVECTOR)


async def reindex_products(target: AsyncSession | AsyncConnection, product_ids: Iterable[int]) -> None:
    """Bring the search index of these products up to date with their rows, in the caller's
    transaction (a session is flushed first, so its pending changes are indexed). Products that no
    longer exist leave the index. Call it after every change to a product's name, description or
    variant SKUs, with the ids of the products changed; bulk writers pass them all at once."""
    if isinstance(target, AsyncSession):
        await target.flush()
        conn = await target.connection()
    else:
        conn = target
    ids = sorted(set(product_ids))
    sqlite = conn.dialect.name == "sqlite"
    for start in range(0, len(ids), WRITE_BATCH):
        chunk = ids[start:start + WRITE_BATCH]
        documents = await search_documents(conn, chunk)
        if sqlite:
            # Writes on SQLite are serialised (BEGIN IMMEDIATE): delete and insert cannot interleave.
            await conn.execute(delete(_fts).where(_fts.c.rowid.in_(chunk)))
            if documents:
                await conn.execute(insert(_fts), [
                    {"rowid": d.product_id, "name": d.name, "codes": d.codes, "body": d.body} for d in documents])
            continue
        # The rows of deleted products go with them (ON DELETE CASCADE); an upsert lets two
        # transactions reindex one product at once.
        if documents:
            upsert = postgresql.insert(_tsv).values(
                product_id=bindparam("product_id", type_=Integer),
                document=_weighted("name", "A").op("||")(_weighted("codes", "B")).op("||")(_weighted("body", "C")))
            await conn.execute(upsert.on_conflict_do_update(index_elements=["product_id"],
                                                            set_={"document": upsert.excluded.document}), [
                {"product_id": d.product_id, "name": d.name, "codes": d.codes, "body": d.body} for d in documents])


# ---------------------------------------------------------------- querying it

class SearchText(TypeDecorator[str]):
    """A search text as typed, bound as the query syntax of the database it runs on (FTS5 MATCH
    expression or tsquery). Only texts that `parse_search` reads as a query are bound."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        query = parse_search(value)
        if query is None:
            raise ValueError("a search text without a word to look for is never bound")
        return query.fts5() if dialect.name == "sqlite" else query.tsquery()


class _SearchElement(ColumnElement[Any]):
    """A piece of the search SQL that is written differently on each database (compiled below).
    The search text is a bound parameter, so statements are cached whatever is searched."""

    inherit_cache = True
    _traverse_internals: ClassVar[list[tuple[str, InternalTraversal]]] = [("text", InternalTraversal.dp_clauseelement)]

    def __init__(self, text: BindParameter[str] | None = None) -> None:
        self.text = text


class SearchKey(_SearchElement):
    """The product id of an index row."""

    inherit_cache = True
    type = Integer()


class SearchMatch(_SearchElement):
    """The index row matches the search."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition as it is, not "... = 1" where booleans are integers


class SearchRank(_SearchElement):
    """How well the index row matches: higher is better (a float; ties are frequent)."""

    inherit_cache = True
    type = Float()


@compiles(SearchKey, "sqlite")
def _key_sqlite(element: SearchKey, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SEARCH_TABLE}.rowid"


@compiles(SearchKey)
def _key_postgresql(element: SearchKey, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SEARCH_TABLE}.product_id"


def _tsquery(element: _SearchElement, compiler: SQLCompiler, **kw: Any) -> str:
    """The tsquery, as an uncorrelated subquery (an InitPlan): parsed once per execution. Written as
    a plain function call, a prepared statement's generic plan (asyncpg prepares every statement,
    and PostgreSQL moves to a generic plan after five runs) parses it again for every row."""
    return f"(SELECT to_tsquery('simple', {compiler.process(element.text, **kw)}))"


@compiles(SearchMatch, "sqlite")
def _match_sqlite(element: SearchMatch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SEARCH_TABLE} MATCH {compiler.process(element.text, **kw)}"


@compiles(SearchMatch)
def _match_postgresql(element: SearchMatch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SEARCH_TABLE}.document @@ {_tsquery(element, compiler, **kw)}"


@compiles(SearchRank, "sqlite")
def _rank_sqlite(element: SearchRank, compiler: SQLCompiler, **kw: Any) -> str:
    # bm25 is lower for better matches: negated, so that higher is better on both databases.
    return f"-bm25({SEARCH_TABLE}, {', '.join(map(str, SQLITE_WEIGHTS))})"


@compiles(SearchRank)
def _rank_postgresql(element: SearchRank, compiler: SQLCompiler, **kw: Any) -> str:
    return f"ts_rank({SEARCH_TABLE}.document, {_tsquery(element, compiler, **kw)})"


def search_query(text: str | None) -> SearchQuery | None:
    """The query a search text asks for; None when it asks for nothing a product could match."""
    return parse_search(text) if text else None


def search_hits(text: str) -> CTE:
    """(product_id, rank) of every product whose document matches `text`, which must hold a word
    to look for (`search_query(text)` is not None).

    On SQLite the hits are materialised first: joined as a plain subquery, the planner may walk the
    products and run the full-text query once per product (with bm25's statistics each time)."""
    bound = literal(text, SearchText())
    return (select(SearchKey().label("product_id"), SearchRank(bound).label("rank"))
            .select_from(table(SEARCH_TABLE)).where(SearchMatch(bound))
            .cte("search_hits").prefix_with("MATERIALIZED", dialect="sqlite"))


def matching_product_ids(text: str) -> Any:
    """SELECT of the ids of the products whose document matches `text` (for `Product.id IN ...`)."""
    return select(SearchKey()).select_from(table(SEARCH_TABLE)).where(SearchMatch(literal(text, SearchText())))
