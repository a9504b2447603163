"""The product listing: filters, sorts and keyset pages, as Core statements (no ORM on reads)."""

import hashlib
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, distinct, exists, func, literal, not_, or_, select

from app.domain.states import ProductStatus
from app.pagination import Listing
from app.search import matching_product_ids, search_hits, search_query
from models import (
    Campaign,
    Category,
    Channel,
    Collection,
    Product,
    ProductChannelListing,
    ProductVariant,
    Stock,
    VariantOption,
    campaign_products,
    collection_products,
)

PRODUCT_COLUMNS = (Product.id, Product.category_id, Product.name, Product.slug, Product.description,
                   Product.min_price, Product.status, Product.seo_title, Product.seo_description,
                   Product.created_at, Product.updated_at)
SEARCH_MAX = 200


class ProductSortField(StrEnum):
    NAME = "NAME"
    PRICE = "PRICE"
    CREATED_AT = "CREATED_AT"
    RELEVANCE = "RELEVANCE"  # how well the product matches the search; needs a search


class SearchRequired(ValueError):
    """RELEVANCE asked for without a search to rank by."""


SORT_KEYS: dict[ProductSortField, ColumnElement[Any]] = {
    ProductSortField.NAME: Product.name,
    ProductSortField.PRICE: Product.min_price,
    ProductSortField.CREATED_AT: Product.created_at,
}


@dataclass(frozen=True, slots=True)
class Audience:
    """Who is looking at the catalog: staff see every product and collection; shoppers (anyone
    else) see ACTIVE products published on their channel (X-Channel; without one, the first
    channel), and published collections."""

    staff: bool = False
    channel: str | None = None


STAFF = Audience(staff=True)


def shopper_visible(channel: str | None) -> list[ColumnElement[bool]]:
    """Conditions on Product for a shopper on `channel`: ACTIVE, and not unpublished there."""
    channel_id = (select(Channel.id).where(Channel.slug == channel).scalar_subquery() if channel
                  else select(func.min(Channel.id)).scalar_subquery())
    unpublished = exists().where(ProductChannelListing.product_id == Product.id,
                                 ProductChannelListing.channel_id == channel_id,
                                 ProductChannelListing.is_published.is_(False))
    return [Product.status == ProductStatus.ACTIVE, not_(unpublished)]


def audience_conditions(audience: Audience) -> list[ColumnElement[bool]]:
    return [] if audience.staff else shopper_visible(audience.channel)


def collection_visible(audience: Audience) -> list[ColumnElement[bool]]:
    """Conditions on Collection for the audience: shoppers see published collections only."""
    return [] if audience.staff else [Collection.is_published.is_(True)]


@dataclass(frozen=True, slots=True)
class ProductFilter:
    search: str | None = None
    category_id: int | None = None
    campaign_id: int | None = None
    collection_id: int | None = None
    in_stock: bool | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    statuses: tuple[ProductStatus, ...] = ()  # staff only; shoppers see ACTIVE products
    # (option name, values): AND across options, OR within one option's values
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    audience: Audience = STAFF
    # An id that decodes to nothing of the right type: the result is empty, not an error.
    impossible: bool = False


@dataclass(frozen=True, slots=True)
class ProductSort:
    field: ProductSortField = ProductSortField.CREATED_AT
    descending: bool = False

    @property
    def kind(self) -> str:
        return f"product:{self.field}:{'desc' if self.descending else 'asc'}"

    @property
    def listing(self) -> Listing:
        """The list in this order, not yet filtered (any field but RELEVANCE, which needs a search)."""
        if self.field == ProductSortField.RELEVANCE:
            raise SearchRequired(self.field)
        return Listing(self.kind, select(*PRODUCT_COLUMNS), (SORT_KEYS[self.field], Product.id),
                       descending=self.descending, where=conditions)

    def filtered(self, flt: "ProductFilter") -> Listing:
        """The list in this order filtered by `flt`. RELEVANCE lists the products matching
        `flt.search` (SearchRequired without one) best match first, whatever the direction: rank,
        then id, descending. Its cursors hold the rank and are bound to the search text."""
        if self.field != ProductSortField.RELEVANCE:
            return self.listing.filtered(flt)
        if flt.search is None:
            raise SearchRequired(self.field)
        kind = f"product:{self.field}:{hashlib.sha256(flt.search.encode()).hexdigest()[:16]}"
        if search_query(flt.search) is None:  # nothing to look for: conditions() finds nothing
            return Listing(kind, select(*PRODUCT_COLUMNS), (Product.id,), where=conditions).filtered(flt)
        hits = search_hits(flt.search)
        rows = select(*PRODUCT_COLUMNS, hits.c.rank).join_from(Product, hits, hits.c.product_id == Product.id)
        return Listing(kind, rows, (hits.c.rank, Product.id), descending=True, where=matched_conditions,
                       counted=select(Product.id).where(Product.id.in_(matching_product_ids(flt.search)))
                       ).filtered(flt)


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


def option_condition(name: str, values: tuple[str, ...]) -> ColumnElement[bool]:
    """Products with a variant on sale whose option `name` has one of `values`."""
    # Uncorrelated, so it runs once: as a correlated EXISTS, SQLite walked the (name, value) index
    # for every product (seconds on 10,000 products).
    return Product.id.in_(
        select(ProductVariant.product_id).join(VariantOption, VariantOption.variant_id == ProductVariant.id)
        .where(ProductVariant.is_archived.is_(False), VariantOption.name == name, VariantOption.value.in_(values)))


def facet_counts(flt: ProductFilter) -> list[Select[Any]]:
    """Statements giving (name, value, products, first variant id) for the facets of a filtered
    list: over every product matching the filter, each selected option's values counted as if that
    option were not selected (so its other values show what choosing them would give). One
    statement for the options not selected, one per selected option."""
    selected = [name for name, _ in flt.options]

    def counts(matching: ProductFilter, names: ColumnElement[bool]) -> Select[Any]:
        # The matching products first, once (MATERIALIZED): left to itself, SQLite's planner drives
        # the count from variant_options and re-runs the filter per option row (seconds on 10,000
        # products).
        products = select(Product.id.label("product_id")).where(*conditions(matching)).cte("matching")
        products = products.prefix_with("MATERIALIZED")
        return (select(VariantOption.name, VariantOption.value,
                       func.count(distinct(ProductVariant.product_id)).label("products"),
                       func.min(ProductVariant.id).label("first_variant"))
                .select_from(products)
                .join(ProductVariant, ProductVariant.product_id == products.c.product_id)
                .join(VariantOption, VariantOption.variant_id == ProductVariant.id)
                .where(ProductVariant.is_archived.is_(False), names)
                .group_by(VariantOption.name, VariantOption.value))

    statements = [counts(flt, VariantOption.name.not_in(selected) if selected else literal(True))]
    for name in selected:
        others = replace(flt, options=tuple(o for o in flt.options if o[0] != name))
        statements.append(counts(others, VariantOption.name == name))
    return statements


def collection_product_condition(collection_id: int, audience: Audience) -> ColumnElement[bool]:
    """Products that are members of a collection the audience may see (shoppers: a published one;
    an unpublished collection's membership is as hidden as the collection)."""
    return Product.id.in_(
        select(collection_products.c.product_id)
        .join(Collection, Collection.id == collection_products.c.collection_id)
        .where(collection_products.c.collection_id == collection_id, *collection_visible(audience)))


def conditions(flt: ProductFilter) -> list[ColumnElement[bool]]:
    if flt.impossible:
        return [literal(False)]
    found: list[ColumnElement[bool]] = []
    if flt.search is not None:
        # Full-text: the index of name, SKUs and description (app/search.py), never a scan.
        if search_query(flt.search) is None:
            return [literal(False)]
        found.append(Product.id.in_(matching_product_ids(flt.search)))
    if flt.category_id is not None:
        found.append(subtree_product_condition(flt.category_id))
    if flt.campaign_id is not None:
        found.append(campaign_product_condition(flt.campaign_id))
    if flt.collection_id is not None:
        found.append(collection_product_condition(flt.collection_id, flt.audience))
    if flt.in_stock is not None:
        found.append(in_stock_condition() if flt.in_stock else not_(in_stock_condition()))
    if flt.min_price is not None:
        found.append(Product.min_price >= flt.min_price)
    if flt.max_price is not None:
        found.append(Product.min_price <= flt.max_price)
    if flt.statuses:
        found.append(Product.status.in_(flt.statuses))
    for name, values in flt.options:
        found.append(option_condition(name, values))
    return found + audience_conditions(flt.audience)


def matched_conditions(flt: ProductFilter) -> list[ColumnElement[bool]]:
    """The conditions of a list already joined to the products matching `flt.search`."""
    return conditions(replace(flt, search=None))
