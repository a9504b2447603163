"""Back office: the category tree, products with variants, and stock levels."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, update

from app.domain.errors import DomainError, ErrorCode, Problem
from app.domain.money import round_money
from app.domain.states import PRODUCT_TRANSITIONS, ProductStatus, transition
from app.domain.validation import CODE_MAX, NAME_MAX, TEXT_MAX, Checker, slugify
from app.policy.permissions import Permission
from app.search import reindex_products
from app.services.common import require, unique_guard
from app.services.unit_of_work import UnitOfWork
from models import Category, Channel, Product, ProductChannelListing, ProductVariant, Stock, Warehouse

MAX_STOCK = 1_000_000_000


async def _free_slug(uow: UnitOfWork, column: object, base: str) -> str:
    """`base`, or `base-2`, `base-3`... whichever is not taken yet (for slugs derived from names)."""
    taken = set((await uow.session.execute(
        select(column).where((column == base) | column.like(f"{base}-%"))  # type: ignore[attr-defined]
    )).scalars())
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


async def _category_or_error(uow: UnitOfWork, category_id: int | None, field: str) -> Category | None:
    if category_id is None:
        return None
    category = await uow.session.get(Category, category_id)
    if category is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That category does not exist.", "input", field)
    return category


async def create_category(*, uow: UnitOfWork, name: str, slug: str | None, description: str | None,
                          parent_id: int | None) -> Category:
    check = Checker()
    name_ = check.text(name, "name", label="Name", max_length=NAME_MAX, required=True)
    slug_ = check.slug(slug, "slug")
    description_ = check.text(description, "description", label="Description", max_length=TEXT_MAX, multiline=True)
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_CATALOG)
    parent = await _category_or_error(uow, parent_id, "parentId")
    message = f"A category with slug '{slug_}' already exists."
    if slug_ is None:
        slug_ = await _free_slug(uow, Category.slug, slugify(name_ or ""))
    elif await uow.session.scalar(select(Category.id).where(Category.slug == slug_)):
        raise DomainError.of(ErrorCode.INVALID, message, "input", "slug")
    category = Category(name=name_, slug=slug_, description=description_,
                        parent_id=parent.id if parent else None, path="", created_at=uow.now)
    async with unique_guard(message, "slug"):
        uow.session.add(category)
        await uow.session.flush()
    category.path = f"{parent.path if parent else '/'}{category.id}/"
    uow.audit(action="category.create", subject_type="Category", subject_id=category.id,
              data={"name": category.name, "slug": category.slug, "parentId": category.parent_id})
    await uow.commit(category)
    return category


@dataclass(frozen=True, slots=True)
class StockLevel:
    warehouse_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class VariantSpec:
    sku: str
    name: str
    price: Decimal
    stock: Sequence[StockLevel] = ()


@dataclass(frozen=True, slots=True)
class ListingSpec:
    channel: str  # slug
    is_published: bool
    available_for_purchase_at: datetime | None = None


async def _channel_listings(uow: UnitOfWork, check: Checker, listings: Sequence[ListingSpec]) -> dict[int, ListingSpec]:
    """Channel id -> listing, each channel named once and known (INVALID / NOT_FOUND otherwise)."""
    specs = check.items(listings, "channelListings", label="channel listing")
    slugs = [spec.channel.strip() for spec in specs]
    known = dict((await uow.session.execute(select(Channel.slug, Channel.id).where(Channel.slug.in_(slugs)))).all())
    found: dict[int, ListingSpec] = {}
    for i, (slug, spec) in enumerate(zip(slugs, specs, strict=True)):
        at = check.at("channelListings", i)
        if slug not in known:
            at.add(ErrorCode.NOT_FOUND, f"There is no channel '{slug[:64]}'.", "channel")
        elif known[slug] in found:
            at.add(ErrorCode.INVALID, f"Channel {slug} is named twice.", "channel")
        else:
            found[known[slug]] = spec
        if spec.available_for_purchase_at is not None:
            at.moment(spec.available_for_purchase_at, "availableForPurchaseAt", label="Available from")
    check.raise_if_any()
    return found


async def _set_listings(uow: UnitOfWork, product_id: int, listings: dict[int, ListingSpec]) -> None:
    if not listings:
        return
    await uow.session.execute(delete(ProductChannelListing).where(
        ProductChannelListing.product_id == product_id, ProductChannelListing.channel_id.in_(list(listings))))
    await uow.session.execute(insert(ProductChannelListing), [
        {"product_id": product_id, "channel_id": channel_id, "is_published": spec.is_published,
         "available_for_purchase_at": spec.available_for_purchase_at}
        for channel_id, spec in listings.items()])


def _listing_data(listings: dict[int, ListingSpec]) -> dict[str, Any]:
    return {spec.channel.strip(): {"isPublished": spec.is_published,
                                   "availableForPurchaseAt": spec.available_for_purchase_at.isoformat()
                                   if spec.available_for_purchase_at else None}
            for spec in listings.values()}


async def create_product(*, uow: UnitOfWork, name: str, slug: str | None, description: str | None,
                         category_id: int | None, variants: Sequence[VariantSpec],
                         status: ProductStatus = ProductStatus.ACTIVE,
                         listings: Sequence[ListingSpec] = ()) -> Product:
    check = Checker()
    name_ = check.text(name, "name", label="Name", max_length=NAME_MAX, required=True)
    slug_ = check.slug(slug, "slug")
    description_ = check.text(description, "description", label="Description", max_length=TEXT_MAX, multiline=True)
    specs = check.items(variants, "variants", label="variant", required=True)
    seen_skus: set[str] = set()
    for i, spec in enumerate(specs):
        at = check.at("variants", i)
        sku = at.text(spec.sku, "sku", label="SKU", max_length=CODE_MAX, required=True)
        if sku is not None:
            if sku in seen_skus:
                at.add(ErrorCode.INVALID, f"SKU {sku} appears twice in this product.", "sku")
            seen_skus.add(sku)
        at.text(spec.name, "name", label="Variant name", max_length=NAME_MAX, required=True)
        at.amount(spec.price, "price", label="Price", required=True)
        for j, level in enumerate(at.items(spec.stock, "stock", label="stock")):
            at.at("stock", j).count(level.quantity, "quantity", label="Stock quantity", maximum=MAX_STOCK)
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_CATALOG)
    session = uow.session
    channel_listings = await _channel_listings(uow, check, listings)
    category = await _category_or_error(uow, category_id, "categoryId")
    taken = set((await session.execute(
        select(ProductVariant.sku).where(ProductVariant.sku.in_(seen_skus)))).scalars())
    if taken:
        raise DomainError([
            Problem(ErrorCode.INVALID, f"SKU {spec.sku.strip()} is already in use.",
                    ("input", "variants", str(i), "sku"))
            for i, spec in enumerate(specs) if spec.sku.strip() in taken])
    warehouse_ids = {level.warehouse_id for spec in specs for level in spec.stock}
    known = set((await session.execute(
        select(Warehouse.id).where(Warehouse.id.in_(warehouse_ids)))).scalars())
    if warehouse_ids - known:
        raise DomainError([
            Problem(ErrorCode.NOT_FOUND, "That warehouse does not exist.",
                    ("input", "variants", str(i), "stock", str(j), "warehouseId"))
            for i, spec in enumerate(specs) for j, level in enumerate(spec.stock)
            if level.warehouse_id not in known])
    message = f"A product with slug '{slug_}' already exists."
    if slug_ is None:
        slug_ = await _free_slug(uow, Product.slug, slugify(name_ or ""))
    elif await session.scalar(select(Product.id).where(Product.slug == slug_)):
        raise DomainError.of(ErrorCode.INVALID, message, "input", "slug")
    product = Product(name=name_, slug=slug_, description=description_, status=status,
                      category_id=category.id if category else None,
                      min_price=round_money(min(spec.price for spec in specs)), created_at=uow.now, updated_at=uow.now)
    async with unique_guard(message, "slug"):
        session.add(product)
        await session.flush()
        for spec in specs:
            variant = ProductVariant(product_id=product.id, sku=spec.sku.strip(), name=spec.name.strip(),
                                     price=round_money(spec.price), created_at=uow.now)
            session.add(variant)
            await session.flush()
            if spec.stock:
                await session.execute(insert(Stock), [
                    {"variant_id": variant.id, "warehouse_id": level.warehouse_id,
                     "on_hand": level.quantity, "allocated": 0}
                    for level in _merge_levels(spec.stock)])
        await _set_listings(uow, product.id, channel_listings)
    await reindex_products(session, [product.id])
    uow.audit(action="product.create", subject_type="Product", subject_id=product.id, data={
        "name": product.name, "slug": product.slug, "categoryId": product.category_id, "status": product.status,
        "channelListings": _listing_data(channel_listings),
        "variants": [{"sku": s.sku, "price": str(s.price),
                      "stock": {str(lv.warehouse_id): lv.quantity for lv in s.stock}} for s in specs],
    })
    await uow.commit(product)
    return product


def _merge_levels(levels: Sequence[StockLevel]) -> list[StockLevel]:
    merged: dict[int, int] = {}
    for level in levels:
        merged[level.warehouse_id] = merged.get(level.warehouse_id, 0) + level.quantity
    return [StockLevel(w, q) for w, q in merged.items()]


async def update_product(*, uow: UnitOfWork, product_id: int, name: str | None, description: str | None,
                         category_id: int | None, slug: str | None = None, status: ProductStatus | None = None,
                         listings: Sequence[ListingSpec] | None = None) -> Product:
    """Change what is given; audited with the values before and after. The status moves by the
    product status table; listings are set for the channels named (others keep theirs)."""
    check = Checker()
    name_ = check.text(name, "name", label="Name", max_length=NAME_MAX) if name is not None else None
    if name is not None and not name.strip():
        check.add(ErrorCode.REQUIRED, "Name cannot be blank.", "name")
    description_ = check.text(description, "description", label="Description", max_length=TEXT_MAX, multiline=True)
    slug_ = check.slug(slug, "slug") if slug is not None else None
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_CATALOG)
    session = uow.session
    product = await session.get(Product, product_id, with_for_update=True)
    if product is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That product does not exist.", "input", "productId")
    channel_listings = await _channel_listings(uow, check, listings or ())
    category = await _category_or_error(uow, category_id, "categoryId")
    old_listings = {r.channel_id: r for r in (await session.execute(
        select(ProductChannelListing).where(ProductChannelListing.product_id == product.id))).scalars()}
    before = {"name": product.name, "slug": product.slug, "description": product.description,
              "categoryId": product.category_id, "status": product.status}
    if status is not None and status != product.status:
        product.status = transition(PRODUCT_TRANSITIONS, ProductStatus(product.status), status, subject="product")
    if name_ is not None:
        product.name = name_
    if description is not None:
        product.description = description_
    if category is not None:
        product.category_id = category.id
    message = f"A product with slug '{slug_}' already exists."
    if slug_ is not None and slug_ != product.slug:
        if await session.scalar(select(Product.id).where(Product.slug == slug_, Product.id != product.id)):
            raise DomainError.of(ErrorCode.INVALID, message, "input", "slug")
        product.slug = slug_
    product.updated_at = uow.now
    async with unique_guard(message, "slug"):
        await session.flush()
    await _set_listings(uow, product.id, channel_listings)
    if name_ is not None or description is not None:
        await reindex_products(session, [product.id])
    after = {"name": product.name, "slug": product.slug, "description": product.description,
             "categoryId": product.category_id, "status": product.status}
    if channel_listings:
        names = dict((await session.execute(select(Channel.id, Channel.slug)
                                            .where(Channel.id.in_(list(channel_listings))))).all())
        before["channelListings"] = {names[cid]: {"isPublished": old_listings[cid].is_published,
                                                  "availableForPurchaseAt": old_listings[cid].available_for_purchase_at
                                                  .isoformat() if old_listings[cid].available_for_purchase_at else None}
                                     if cid in old_listings else {"isPublished": True, "availableForPurchaseAt": None}
                                     for cid in channel_listings}
        after["channelListings"] = _listing_data(channel_listings)
    uow.audit(action="product.update", subject_type="Product", subject_id=product.id,
              data={"before": before, "after": after}, from_status=before["status"], to_status=product.status)
    await uow.commit(product)
    return product


async def set_stock(*, uow: UnitOfWork, variant_id: int, warehouse_id: int, quantity: int,
                    reason: str) -> ProductVariant:
    """Set units on hand in one warehouse. Never below what is allocated to placed orders."""
    check = Checker()
    check.count(quantity, "quantity", label="Quantity", maximum=MAX_STOCK)
    reason_ = check.text(reason, "reason", label="Reason", max_length=NAME_MAX, required=True, multiline=True)
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_STOCK)
    session = uow.session
    variant = await session.get(ProductVariant, variant_id)
    if variant is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That variant does not exist.", "input", "variantId")
    if await session.get(Warehouse, warehouse_id) is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That warehouse does not exist.", "input", "warehouseId")
    stock = await session.scalar(select(Stock).where(Stock.variant_id == variant_id,
                                                     Stock.warehouse_id == warehouse_id))
    before = stock.on_hand if stock else 0
    if stock is None:
        stock = Stock(variant_id=variant_id, warehouse_id=warehouse_id, on_hand=quantity, allocated=0)
        async with unique_guard("Stock for this variant and warehouse changed meanwhile; retry.",
                                "warehouseId"):
            session.add(stock)
            await session.flush()
    else:
        # Conditional update: a concurrent allocation between our read and this write cannot
        # leave allocated above on hand.
        result = await session.execute(
            update(Stock).where(Stock.id == stock.id, Stock.allocated <= quantity)
            .values(on_hand=quantity).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            allocated = await session.scalar(select(Stock.allocated).where(Stock.id == stock.id))
            raise DomainError.of(
                ErrorCode.INVALID,
                f"{allocated} units are allocated to placed orders; on hand cannot go below that.",
                "input", "quantity")
    uow.audit(action="stock.set", subject_type="ProductVariant", subject_id=variant_id,
              data={"warehouseId": warehouse_id, "onHand": {"before": before, "after": quantity},
                    "reason": reason_})
    await uow.commit(variant)
    return variant


