"""Back office: channels, warehouses and delivery methods (ADMIN)."""

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import insert, select

from app.domain.errors import DomainError, ErrorCode
from app.domain.validation import CODE_MAX, NAME_MAX, SLUG_RE, Checker
from app.policy.permissions import Permission
from app.services.common import require, unique_guard
from app.services.unit_of_work import UnitOfWork
from models import Channel, DeliveryMethod, Warehouse, delivery_method_channels


async def create_channel(*, uow: UnitOfWork, slug: str, name: str, currency: str | None,
                         default_currency: str) -> Channel:
    check = Checker()
    slug_ = check.slug(slug, "slug", required=True, max_length=CODE_MAX)
    name_ = check.text(name, "name", label="Name", max_length=NAME_MAX, required=True)
    currency_ = check.currency(currency, "currency") if currency is not None else default_currency
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_STORE)
    session = uow.session
    if await session.scalar(select(Channel.id).where(Channel.slug == slug_)):
        raise DomainError.of(ErrorCode.INVALID, f"A channel with slug '{slug_}' already exists.",
                             "input", "slug")
    channel = Channel(slug=slug_, name=name_, currency=currency_, created_at=uow.now)
    async with unique_guard(f"A channel with slug '{slug_}' already exists.", "slug"):
        session.add(channel)
        await session.flush()
    uow.audit(action="channel.create", subject_type="Channel", subject_id=channel.id,
              data={"slug": channel.slug, "name": channel.name, "currency": channel.currency})
    await uow.commit(channel)
    return channel


async def create_warehouse(*, uow: UnitOfWork, code: str, name: str) -> Warehouse:
    check = Checker()
    code_ = check.text(code, "code", label="Code", max_length=CODE_MAX, required=True)
    name_ = check.text(name, "name", label="Name", max_length=NAME_MAX, required=True)
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_STORE)
    session = uow.session
    message = f"A warehouse with code '{code_}' already exists."
    if await session.scalar(select(Warehouse.id).where(Warehouse.code == code_)):
        raise DomainError.of(ErrorCode.INVALID, message, "input", "code")
    warehouse = Warehouse(code=code_, name=name_, created_at=uow.now)
    async with unique_guard(message, "code"):
        session.add(warehouse)
        await session.flush()
    uow.audit(action="warehouse.create", subject_type="Warehouse", subject_id=warehouse.id,
              data={"code": warehouse.code, "name": warehouse.name})
    await uow.commit(warehouse)
    return warehouse


async def channel_ids_for_slugs(uow: UnitOfWork, slugs: Sequence[str], field: str) -> list[int]:
    """Ids of the named channels; NOT_FOUND naming each unknown slug."""
    wanted = list(dict.fromkeys(slugs))
    if not all(len(slug) <= CODE_MAX and SLUG_RE.fullmatch(slug) for slug in wanted):
        raise DomainError.of(ErrorCode.INVALID, "Channel slugs hold lower-case letters, digits and single hyphens.",
                             "input", field)
    rows = (await uow.session.execute(select(Channel.slug, Channel.id).where(Channel.slug.in_(wanted))))
    found = dict(rows.all())
    missing = [slug for slug in wanted if slug not in found]
    if missing:
        raise DomainError.of(ErrorCode.NOT_FOUND, f"No channel with slug {', '.join(missing)}.",
                             "input", field)
    return [found[slug] for slug in wanted]


async def create_delivery_method(*, uow: UnitOfWork, name: str, price: Decimal,
                                 channels: Sequence[str] | None) -> DeliveryMethod:
    check = Checker()
    name_ = check.text(name, "name", label="Name", max_length=NAME_MAX, required=True)
    price_ = check.amount(price, "price", label="Price", required=True)
    slugs = check.items(channels, "channels", label="channel")
    check.raise_if_any()
    require(uow.actor, Permission.MANAGE_STORE)
    channel_ids = await channel_ids_for_slugs(uow, slugs, "channels")
    method = DeliveryMethod(name=name_, price=price_, created_at=uow.now)
    uow.session.add(method)
    await uow.session.flush()
    if channel_ids:
        await uow.session.execute(insert(delivery_method_channels), [
            {"delivery_method_id": method.id, "channel_id": cid} for cid in channel_ids])
    uow.audit(action="delivery_method.create", subject_type="DeliveryMethod", subject_id=method.id,
              data={"name": method.name, "price": str(method.price), "channels": list(slugs)})
    await uow.commit(method)
    return method


