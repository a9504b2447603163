"""Back office: the category tree, products with variants, and stock levels."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, insert, literal, select, update

from app.domain.errors import DomainError, ErrorCode, Problem
from app.domain.money import round_money
from app.domain.states import PRODUCT_TRANSITIONS, ProductStatus, transition
from app.domain.validation import CODE_MAX, NAME_MAX, TEXT_MAX, Checker, slugify
from app.policy.permissions import Permission
from app.search import reindex_products
from app.services.common import require, unique_guard
from app.services.unit_of_work import UnitOfWork
from models import (
    Category,
    Channel,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductVariant,
    Stock,
    VariantOption,
    Warehouse,
)

MAX_STOCK = 1_000_000_000


async def free_slug(uow: UnitOfWork, column: object, base: str) -> str:
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


async def product_for_update(uow: UnitOfWork, product_id: int) -> Product:
    """The product, locked for this transaction; NOT_FOUND on productId when there is none."""
    product = await uow.session.get(Product, product_id, with_for_update=True)
    if product is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That product does not exist.", "input", "productId")
    return product


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
        slug_ = await free_slug(uow, Category.slug, slugify(name_ or ""))
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
    options: Sequence["OptionSpec"] = ()
    weight_grams: int | None = None


@dataclass(frozen=True, slots=True)
class OptionSpec:
    name: str  # Size
    value: str  # M


@dataclass(frozen=True, slots=True)
class MediaSpec:
    url: str
    alt: str | None = None


@dataclass(frozen=True, slots=True)
class SeoSpec:
    title: str | None = None
    description: str | None = None


MAX_OPTIONS = 10
OPTION_MAX = 100
URL_MAX = 2000
ALT_MAX = 500
SEO_TITLE_MAX = 200
SEO_DESCRIPTION_MAX = 1000
MAX_WEIGHT_GRAMS = 10_000_000


def _check_options(at: Checker, options: Sequence[OptionSpec]) -> list[OptionSpec]:
    """Trimmed option values, each option name once per variant (compared without case)."""
    if len(options) > MAX_OPTIONS:
        at.add(ErrorCode.INVALID, f"A variant has at most {MAX_OPTIONS} options.", "options")
        return []
    names: set[str] = set()
    checked: list[OptionSpec] = []
    for k, option in enumerate(options):
        here = at.at("options", k)
        name = here.text(option.name, "name", label="Option name", max_length=OPTION_MAX, required=True)
        value = here.text(option.value, "value", label="Option value", max_length=OPTION_MAX, required=True)
        if name is not None and name.casefold() in names:
            here.add(ErrorCode.INVALID, f"Option {name} is given twice.", "name")
        elif name is not None and value is not None:
            names.add(name.casefold())
            checked.append(OptionSpec(name, value))
    return checked


def _check_media(check: Checker, media: Sequence[MediaSpec] | None) -> list[MediaSpec] | None:
    """http(s) URLs with optional alt text, in order; None when not given."""
    if media is None:
        return None
    checked: list[MediaSpec] = []
    for i, item in enumerate(check.items(media, "media", label="media")):
        here = check.at("media", i)
        url = here.text(item.url, "url", label="Media URL", max_length=URL_MAX, required=True)
        alt = here.text(item.alt, "alt", label="Alt text", max_length=ALT_MAX)
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
                here.add(ErrorCode.INVALID, "Media URL must be an http or https URL.", "url")
                continue
            checked.append(MediaSpec(url, alt))
    return checked


def _check_seo(check: Checker, seo: SeoSpec | None) -> SeoSpec | None:
    if seo is None:
        return None
    here = check.at("seo")
    return SeoSpec(here.text(seo.title, "title", label="SEO title", max_length=SEO_TITLE_MAX),
                   here.text(seo.description, "description", label="SEO description",
                             max_length=SEO_DESCRIPTION_MAX, multiline=True))


async def _write_options(uow: UnitOfWork, variant_id: int, options: Sequence[OptionSpec]) -> None:
    await uow.session.execute(delete(VariantOption).where(VariantOption.variant_id == variant_id))
    if options:
        await uow.session.execute(insert(VariantOption), [
            {"variant_id": variant_id, "name": o.name, "value": o.value, "position": k}
            for k, o in enumerate(options)])


async def _write_media(uow: UnitOfWork, product_id: int, media: Sequence[MediaSpec]) -> None:
    await uow.session.execute(delete(ProductMedia).where(ProductMedia.product_id == product_id))
    if media:
        await uow.session.execute(insert(ProductMedia), [
            {"product_id": product_id, "url": m.url, "alt": m.alt, "sort_order": k} for k, m in enumerate(media)])


async def _refresh_min_price(uow: UnitOfWork, product_id: int) -> None:
    """Product.min_price: the lowest list price of its variants on sale (all of them when every
    variant is archived, so the product keeps a price for staff and reports)."""
    session = uow.session
    on_sale = await session.scalar(select(func.min(ProductVariant.price)).where(
        ProductVariant.product_id == product_id, ProductVariant.is_archived.is_(False)))
    lowest = on_sale if on_sale is not None else await session.scalar(
        select(func.min(ProductVariant.price)).where(ProductVariant.product_id == product_id))
    if lowest is not None:
        await session.execute(update(Product).where(Product.id == product_id).values(min_price=lowest)
                              .execution_options(synchronize_session=False))


@dataclass(frozen=True, slots=True)
class ListingSpec:
    channel: str  # slug
    is_published: bool
    available_for_purchase_at: datetime | None = None


async def _channel_listings(uow: UnitOfWork, check: Checker, listings: Sequence[ListingSpec]) -> dict[int, ListingSpec]:
    """Channel id -> listing, each channel named once and known (INVALID / NOT_FOUND otherwise)."""
    specs = check.items(listings, "channelListings", label="channel listing")
    slugs = [check.at("channelListings", i).slug(spec.channel, "channel", label="Channel", required=True) or ""
             for i, spec in enumerate(specs)]
    check.raise_if_any()
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
                         listings: Sequence[ListingSpec] = (), media: Sequence[MediaSpec] | None = None,
                         seo: SeoSpec | None = None) -> Product:
    check = Checker()
    name_ = check.text(name, "name", label="Name", max_length=NAME_MAX, required=True)
    slug_ = check.slug(slug, "slug")
    description_ = check.text(description, "description", label="Description", max_length=TEXT_MAX, multiline=True)
    specs = check.items(variants, "variants", label="variant", required=True)
    seen_skus: set[str] = set()
    checked_options: list[list[OptionSpec]] = []
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
        checked_options.append(_check_options(at, spec.options))
        at.count(spec.weight_grams, "weightGrams", label="Weight", maximum=MAX_WEIGHT_GRAMS)
    media_ = _check_media(check, media)
    seo_ = _check_seo(check, seo)
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
        slug_ = await free_slug(uow, Product.slug, slugify(name_ or ""))
    elif await session.scalar(select(Product.id).where(Product.slug == slug_)):
        raise DomainError.of(ErrorCode.INVALID, message, "input", "slug")
    product = Product(name=name_, slug=slug_, description=description_, status=status,
                      seo_title=seo_.title if seo_ else None, seo_description=seo_.description if seo_ else None,
                      category_id=category.id if category else None,
                      min_price=round_money(min(spec.price for spec in specs)), created_at=uow.now, updated_at=uow.now)
    async with unique_guard(message, "slug"):
        session.add(product)
        await session.flush()
        for spec, options in zip(specs, checked_options, strict=True):
            variant = ProductVariant(product_id=product.id, sku=spec.sku.strip(), name=spec.name.strip(),
                                     price=round_money(spec.price), weight_grams=spec.weight_grams,
                                     is_archived=False, created_at=uow.now)
            session.add(variant)
            await session.flush()
            await _write_options(uow, variant.id, options)
            if spec.stock:
                await session.execute(insert(Stock), [
                    {"variant_id": variant.id, "warehouse_id": level.warehouse_id,
                     "on_hand": level.quantity, "allocated": 0}
                    for level in _merge_levels(spec.stock)])
        await _set_listings(uow, product.id, channel_listings)
        await _write_media(uow, product.id, media_ or [])
    await reindex_products(session, [product.id])
    uow.audit(action="product.create", subject_type="Product", subject_id=product.id, data={
        "name": product.name, "slug": product.slug, "categoryId": product.category_id, "status": product.status,
        "channelListings": _listing_data(channel_listings),
        "variants": [{"sku": s.sku, "price": str(s.price), "options": {o.name: o.value for o in s.options},
                      "weightGrams": s.weight_grams,
                      "stock": {str(lv.warehouse_id): lv.quantity for lv in s.stock}} for s in specs],
        "media": [m.url for m in media_ or []], "seo": {"title": product.seo_title, "description": product.seo_description},
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
                         listings: Sequence[ListingSpec] | None = None, media: Sequence[MediaSpec] | None = None,
                         seo: SeoSpec | None = None) -> Product:
    """Change what is given; audited with the values before and after. The status moves by the
    product status table; listings are set for the channels named (others keep theirs)."""
    check = Checker()
    name_ = check.text(name, "name", label="Name", max_length=NAME_MAX) if name is not None else None
    if name is not None and not name.strip():
        check.add(ErrorCode.REQUIRED, "Name cannot be blank.", "name")
    description_ = check.text(description, "description", label="Description", max_length=TEXT_MAX, multiline=True)
    slug_ = check.slug(slug, "slug") if slug is not None else None
    media_ = _check_media(check, media)
    seo_ = _check_seo(check, seo)
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_CATALOG)
    session = uow.session
    product = await product_for_update(uow, product_id)
    channel_listings = await _channel_listings(uow, check, listings or ())
    category = await _category_or_error(uow, category_id, "categoryId")
    old_listings = {r.channel_id: r for r in (await session.execute(
        select(ProductChannelListing).where(ProductChannelListing.product_id == product.id))).scalars()}
    before: dict[str, Any] = {"name": product.name, "slug": product.slug, "description": product.description,
                              "categoryId": product.category_id, "status": product.status}
    if media_ is not None:
        before["media"] = list((await session.execute(select(ProductMedia.url).where(
            ProductMedia.product_id == product.id).order_by(ProductMedia.sort_order))).scalars())
    if seo_ is not None:
        before["seo"] = {"title": product.seo_title, "description": product.seo_description}
        product.seo_title, product.seo_description = seo_.title, seo_.description
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
    after: dict[str, Any] = {"name": product.name, "slug": product.slug, "description": product.description,
                             "categoryId": product.category_id, "status": product.status}
    if media_ is not None:
        await _write_media(uow, product.id, media_)
        after["media"] = [m.url for m in media_]
    if seo_ is not None:
        after["seo"] = {"title": product.seo_title, "description": product.seo_description}
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




async def _variant_or_error(uow: UnitOfWork, variant_id: int) -> ProductVariant:
    variant = await uow.session.get(ProductVariant, variant_id, with_for_update=True)
    if variant is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That variant does not exist.", "input", "variantId")
    return variant


async def _sku_free(uow: UnitOfWork, sku: str, *, other_than: int | None = None) -> None:
    taken = select(ProductVariant.id).where(ProductVariant.sku == sku)
    if other_than is not None:
        taken = taken.where(ProductVariant.id != other_than)
    if await uow.session.scalar(taken):
        raise DomainError.of(ErrorCode.INVALID, f"SKU {sku} is already in use.", "input", "sku")


async def _variant_options(uow: UnitOfWork, variant_id: int) -> dict[str, str]:
    rows = await uow.session.execute(select(VariantOption.name, VariantOption.value)
                                     .where(VariantOption.variant_id == variant_id).order_by(VariantOption.position))
    return dict(rows.all())


async def create_variant(*, uow: UnitOfWork, product_id: int, spec: VariantSpec) -> ProductVariant:
    """Add a variant to a product (MERCHANDISER, ADMIN); the product's lowest price follows."""
    check = Checker()
    sku = check.text(spec.sku, "sku", label="SKU", max_length=CODE_MAX, required=True)
    name = check.text(spec.name, "name", label="Variant name", max_length=NAME_MAX, required=True)
    check.amount(spec.price, "price", label="Price", required=True)
    options = _check_options(check, spec.options)
    check.count(spec.weight_grams, "weightGrams", label="Weight", maximum=MAX_WEIGHT_GRAMS)
    for j, level in enumerate(check.items(spec.stock, "stock", label="stock")):
        check.at("stock", j).count(level.quantity, "quantity", label="Stock quantity", maximum=MAX_STOCK)
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_CATALOG)
    session = uow.session
    product = await product_for_update(uow, product_id)
    assert sku is not None and name is not None
    await _sku_free(uow, sku)
    warehouse_ids = {level.warehouse_id for level in spec.stock}
    known = set((await session.execute(select(Warehouse.id).where(Warehouse.id.in_(warehouse_ids)))).scalars())
    if warehouse_ids - known:
        raise DomainError([Problem(ErrorCode.NOT_FOUND, "That warehouse does not exist.",
                                   ("input", "stock", str(j), "warehouseId"))
                           for j, level in enumerate(spec.stock) if level.warehouse_id not in known])
    variant = ProductVariant(product_id=product.id, sku=sku, name=name, price=round_money(spec.price),
                             weight_grams=spec.weight_grams, is_archived=False, created_at=uow.now)
    async with unique_guard(f"SKU {sku} is already in use.", "sku"):
        session.add(variant)
        await session.flush()
    await _write_options(uow, variant.id, options)
    if spec.stock:
        await session.execute(insert(Stock), [
            {"variant_id": variant.id, "warehouse_id": level.warehouse_id, "on_hand": level.quantity, "allocated": 0}
            for level in _merge_levels(spec.stock)])
    await _refresh_min_price(uow, product.id)
    await reindex_products(session, [product.id])
    product.updated_at = uow.now
    uow.audit(action="variant.create", subject_type="ProductVariant", subject_id=variant.id, data={
        "productId": product.id, "sku": sku, "name": name, "price": str(variant.price),
        "options": {o.name: o.value for o in options}, "weightGrams": spec.weight_grams,
        "stock": {str(lv.warehouse_id): lv.quantity for lv in spec.stock}})
    await uow.commit(variant)
    return variant


async def update_variant(*, uow: UnitOfWork, variant_id: int, sku: str | None = None, name: str | None = None,
                         price: Decimal | None = None, options: Sequence[OptionSpec] | None = None,
                         weight_grams: int | None = None, is_archived: bool | None = None) -> ProductVariant:
    """Change a variant (MERCHANDISER, ADMIN). A new price re-prices open carts on their next read
    (carts read list prices live); placed orders keep the prices they were placed at. Archiving
    hides the variant from shoppers and from new cart lines; carts holding it show a problem."""
    check = Checker()
    sku_ = check.text(sku, "sku", label="SKU", max_length=CODE_MAX, required=True) if sku is not None else None
    name_ = check.text(name, "name", label="Variant name", max_length=NAME_MAX, required=True) \
        if name is not None else None
    if price is not None:
        check.amount(price, "price", label="Price", required=True)
    options_ = _check_options(check, options) if options is not None else None
    check.count(weight_grams, "weightGrams", label="Weight", maximum=MAX_WEIGHT_GRAMS)
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_CATALOG)
    variant = await _variant_or_error(uow, variant_id)
    before: dict[str, Any] = {"sku": variant.sku, "name": variant.name, "price": str(variant.price),
                              "weightGrams": variant.weight_grams, "isArchived": variant.is_archived,
                              "options": await _variant_options(uow, variant.id)}
    if sku_ is not None and sku_ != variant.sku:
        await _sku_free(uow, sku_, other_than=variant.id)
        variant.sku = sku_
    if name_ is not None:
        variant.name = name_
    if price is not None:
        variant.price = round_money(price)
    if weight_grams is not None:
        variant.weight_grams = weight_grams
    if is_archived is not None:
        variant.is_archived = is_archived
    async with unique_guard(f"SKU {variant.sku} is already in use.", "sku"):
        await uow.session.flush()
    if options_ is not None:
        await _write_options(uow, variant.id, options_)
    await _refresh_min_price(uow, variant.product_id)
    await reindex_products(uow.session, [variant.product_id])
    await uow.session.execute(update(Product).where(Product.id == variant.product_id).values(updated_at=uow.now)
                              .execution_options(synchronize_session=False))
    after: dict[str, Any] = {"sku": variant.sku, "name": variant.name, "price": str(variant.price),
                             "weightGrams": variant.weight_grams, "isArchived": variant.is_archived,
                             "options": await _variant_options(uow, variant.id)}
    uow.audit(action="variant.update", subject_type="ProductVariant", subject_id=variant.id,
              data={"before": before, "after": after})
    await uow.commit(variant)
    return variant


async def update_category(*, uow: UnitOfWork, category_id: int, name: str | None = None, slug: str | None = None,
                          description: str | None = None, parent_id: int | None = None) -> Category:
    """Change a category (MERCHANDISER, ADMIN); moving it under another moves its whole subtree.
    A category never goes under itself or one of its descendants (INVALID on parentId)."""
    check = Checker()
    name_ = check.text(name, "name", label="Name", max_length=NAME_MAX, required=True) if name is not None else None
    slug_ = check.slug(slug, "slug") if slug is not None else None
    description_ = check.text(description, "description", label="Description", max_length=TEXT_MAX, multiline=True)
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_CATALOG)
    session = uow.session
    # Both rows locked in id order: two moves racing (A under B, B under A) run one after the
    # other, and the second sees the first's paths.
    ids = sorted({category_id} | ({parent_id} if parent_id is not None else set()))
    locked = {c.id: c for c in (await session.execute(
        select(Category).where(Category.id.in_(ids)).order_by(Category.id).with_for_update())).scalars()}
    category = locked.get(category_id)
    if category is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That category does not exist.", "input", "categoryId")
    before = {"name": category.name, "slug": category.slug, "description": category.description,
              "parentId": category.parent_id}
    if parent_id is not None and parent_id != category.parent_id:
        parent = locked.get(parent_id)
        if parent is None:
            raise DomainError.of(ErrorCode.NOT_FOUND, "That category does not exist.", "input", "parentId")
        if parent.path.startswith(category.path):
            raise DomainError.of(ErrorCode.INVALID, "A category cannot go under itself or one of its subcategories.",
                                 "input", "parentId")
        old_path, new_path = category.path, f"{parent.path}{category.id}/"
        await session.execute(
            update(Category).where(Category.path.startswith(old_path, autoescape=True))
            .values(path=literal(new_path) + func.substr(Category.path, len(old_path) + 1))
            .execution_options(synchronize_session=False))
        category.parent_id = parent.id
        category.path = new_path
    if name_ is not None:
        category.name = name_
    if description is not None:
        category.description = description_
    message = f"A category with slug '{slug_}' already exists."
    if slug_ is not None and slug_ != category.slug:
        if await session.scalar(select(Category.id).where(Category.slug == slug_, Category.id != category.id)):
            raise DomainError.of(ErrorCode.INVALID, message, "input", "slug")
        category.slug = slug_
    async with unique_guard(message, "slug"):
        await session.flush()
    after = {"name": category.name, "slug": category.slug, "description": category.description,
             "parentId": category.parent_id}
    uow.audit(action="category.update", subject_type="Category", subject_id=category.id,
              data={"before": before, "after": after})
    await uow.commit(category)
    return category
