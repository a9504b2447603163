"""Back office: collections, curated and ordered product lists that shoppers see once published."""

from collections.abc import Sequence

from sqlalchemy import delete, insert, select

from app.domain.errors import DomainError, ErrorCode, Problem
from app.domain.validation import NAME_MAX, TEXT_MAX, Checker, slugify
from app.policy.permissions import Permission
from app.services.catalog import free_slug
from app.services.common import require, unique_guard
from app.services.unit_of_work import UnitOfWork
from models import Collection, Product, collection_products

MAX_COLLECTION_PRODUCTS = 500


def _check_product_ids(check: Checker, product_ids: Sequence[int]) -> list[int]:
    """The ids in display order: at most MAX_COLLECTION_PRODUCTS, each named once (INVALID at the
    repeated one otherwise)."""
    if len(product_ids) > MAX_COLLECTION_PRODUCTS:
        check.add(ErrorCode.INVALID, f"A collection holds at most {MAX_COLLECTION_PRODUCTS} products.", "productIds")
        return []
    seen: set[int] = set()
    for i, product_id in enumerate(product_ids):
        if product_id in seen:
            check.at("productIds", i).add(ErrorCode.INVALID, "This product is already listed above.")
        seen.add(product_id)
    return list(product_ids)


async def _require_products(uow: UnitOfWork, product_ids: Sequence[int]) -> None:
    """NOT_FOUND at each position whose product does not exist."""
    if not product_ids:
        return
    known = set((await uow.session.execute(select(Product.id).where(Product.id.in_(set(product_ids))))).scalars())
    missing = [Problem(ErrorCode.NOT_FOUND, "That product does not exist.", ("input", "productIds", str(i)))
               for i, product_id in enumerate(product_ids) if product_id not in known]
    if missing:
        raise DomainError(missing)


async def _slug_taken(uow: UnitOfWork, slug: str, but: int | None = None) -> bool:
    stmt = select(Collection.id).where(Collection.slug == slug)
    if but is not None:
        stmt = stmt.where(Collection.id != but)
    return bool(await uow.session.scalar(stmt))


async def _put_members(uow: UnitOfWork, collection_id: int, product_ids: Sequence[int]) -> None:
    if product_ids:
        await uow.session.execute(insert(collection_products), [
            {"collection_id": collection_id, "product_id": product_id, "position": position}
            for position, product_id in enumerate(product_ids)])


def _fields(collection: Collection) -> dict[str, object]:
    return {"name": collection.name, "slug": collection.slug, "description": collection.description,
            "isPublished": collection.is_published}


async def create_collection(*, uow: UnitOfWork, name: str, slug: str | None, description: str | None,
                            is_published: bool | None, product_ids: Sequence[int]) -> Collection:
    """A new collection (unpublished unless asked), with its products in the order given."""
    check = Checker()
    name_ = check.text(name, "name", label="Name", max_length=NAME_MAX, required=True)
    slug_ = check.slug(slug, "slug")
    description_ = check.text(description, "description", label="Description", max_length=TEXT_MAX, multiline=True)
    members = _check_product_ids(check, product_ids)
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_CATALOG)
    await _require_products(uow, members)
    message = f"A collection with slug '{slug_}' already exists."
    if slug_ is None:
        slug_ = await free_slug(uow, Collection.slug, slugify(name_ or ""))
    elif await _slug_taken(uow, slug_):
        raise DomainError.of(ErrorCode.INVALID, message, "input", "slug")
    collection = Collection(name=name_, slug=slug_, description=description_, is_published=bool(is_published),
                            created_at=uow.now, updated_at=uow.now)
    async with unique_guard(message, "slug"):
        uow.session.add(collection)
        await uow.session.flush()
    await _put_members(uow, collection.id, members)
    uow.audit(action="collection.create", subject_type="Collection", subject_id=collection.id,
              data={**_fields(collection), "productIds": members})
    await uow.commit(collection)
    return collection


async def update_collection(*, uow: UnitOfWork, collection_id: int, name: str | None, slug: str | None,
                            description: str | None, is_published: bool | None) -> Collection:
    """Change what is given; audited with the values before and after."""
    check = Checker()
    name_ = check.text(name, "name", label="Name", max_length=NAME_MAX) if name is not None else None
    if name is not None and not name.strip():
        check.add(ErrorCode.REQUIRED, "Name cannot be blank.", "name")
    slug_ = check.slug(slug, "slug") if slug is not None else None
    description_ = check.text(description, "description", label="Description", max_length=TEXT_MAX, multiline=True)
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_CATALOG)
    collection = await uow.session.get(Collection, collection_id, with_for_update=True)
    if collection is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That collection does not exist.", "input", "collectionId")
    before = _fields(collection)
    message = f"A collection with slug '{slug_}' already exists."
    if slug_ is not None and slug_ != collection.slug:
        if await _slug_taken(uow, slug_, but=collection.id):
            raise DomainError.of(ErrorCode.INVALID, message, "input", "slug")
        collection.slug = slug_
    if name_ is not None:
        collection.name = name_
    if description is not None:
        collection.description = description_
    if is_published is not None:
        collection.is_published = is_published
    collection.updated_at = uow.now
    async with unique_guard(message, "slug"):
        await uow.session.flush()
    uow.audit(action="collection.update", subject_type="Collection", subject_id=collection.id,
              data={"before": before, "after": _fields(collection)})
    await uow.commit(collection)
    return collection


async def set_collection_products(*, uow: UnitOfWork, collection_id: int, product_ids: Sequence[int]) -> Collection:
    """Replace the whole membership with `product_ids`, in that order; audited with the ids before
    and after."""
    check = Checker()
    members = _check_product_ids(check, product_ids)
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_CATALOG)
    session = uow.session
    collection = await session.get(Collection, collection_id, with_for_update=True)
    if collection is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That collection does not exist.", "input", "collectionId")
    await _require_products(uow, members)
    before = list((await session.execute(
        select(collection_products.c.product_id).where(collection_products.c.collection_id == collection.id)
        .order_by(collection_products.c.position, collection_products.c.product_id))).scalars())
    await session.execute(delete(collection_products).where(collection_products.c.collection_id == collection.id))
    await _put_members(uow, collection.id, members)
    collection.updated_at = uow.now
    uow.audit(action="collection.products_set", subject_type="Collection", subject_id=collection.id,
              data={"before": before, "after": members})
    await uow.commit(collection)
    return collection
