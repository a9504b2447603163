"""Build test data through the real services (so tests also exercise them), and users quickly."""

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from app.auth import Viewer, hash_password
from app.db import Database
from app.policy.permissions import Role
from app.services import campaigns, catalog, store
from app.services import collections as collection_service
from app.services.unit_of_work import Actor, UnitOfWork
from models import Customer, User

ADMIN = Viewer(user_id=0, email="factory@example.com", roles=frozenset({Role.ADMIN}))


@cache
def password_hash() -> str:
    return hash_password("correct-horse-battery")


def uow(db: Database, viewer: Viewer = ADMIN) -> UnitOfWork:
    return UnitOfWork(db, Actor(viewer=viewer, request_id="test"), datetime.now(UTC))


async def make_user(db: Database, email: str, *roles: Role) -> Viewer:
    """A user with these roles (password "correct-horse-battery"), customers with a customer record."""
    async with uow(db) as work:
        user = User(email=email, password_hash=password_hash(), roles=sorted(roles), created_at=work.now)
        work.session.add(user)
        await work.session.flush()
        customer_id = None
        if Role.CUSTOMER in roles:
            customer = Customer(user_id=user.id, email=email, created_at=work.now)
            work.session.add(customer)
            await work.session.flush()
            customer_id = customer.id
        await work.commit()
    return Viewer(user_id=user.id, email=email, roles=frozenset(roles), customer_id=customer_id)


async def make_channel(db: Database, slug: str = "web") -> int:
    async with uow(db) as work:
        return (await store.create_channel(uow=work, slug=slug, name=slug.title(), currency=None,
                                           default_currency="USD")).id


async def make_warehouse(db: Database, code: str = "MAIN") -> int:
    async with uow(db) as work:
        return (await store.create_warehouse(uow=work, code=code, name=f"Warehouse {code}")).id


async def make_category(db: Database, name: str, parent_id: int | None = None) -> int:
    async with uow(db) as work:
        return (await catalog.create_category(uow=work, name=name, slug=None, description=None,
                                              parent_id=parent_id)).id


async def make_product(db: Database, name: str, *, prices: tuple[str, ...] = ("10.00",),
                       category_id: int | None = None, stock: dict[int, int] | None = None) -> int:
    """A product with one variant per price; each variant gets `stock` {warehouse id: units}."""
    levels = [catalog.StockLevel(w, q) for w, q in (stock or {}).items()]
    specs = [catalog.VariantSpec(sku=f"{name.upper().replace(' ', '-')}-{i}", name=f"Variant {i}",
                                 price=Decimal(p), stock=levels) for i, p in enumerate(prices)]
    async with uow(db) as work:
        return (await catalog.create_product(uow=work, name=name, slug=None, description=f"About {name}",
                                             category_id=category_id, variants=specs)).id


async def make_collection(db: Database, name: str, *, published: bool = True,
                          product_ids: list[int] | None = None) -> int:
    async with uow(db) as work:
        return (await collection_service.create_collection(
            uow=work, name=name, slug=None, description=None, is_published=published,
            product_ids=product_ids or [])).id


async def make_campaign(db: Database, name: str, *, percent: str = "10", code: str | None = None,
                        status: str = "ACTIVE", product_ids: list[int] | None = None,
                        channels: list[str] | None = None, kind: str = "PERCENTAGE") -> int:
    """`percent` is the discount value: a percentage, or an amount for kind FIXED_AMOUNT."""
    from app.domain.campaigns import DiscountType
    from app.domain.states import CampaignStatus

    async with uow(db) as work:
        campaign_id = (await campaigns.create_campaign(
            uow=work, name=name, code=code, discount_type=DiscountType(kind),
            discount_value=Decimal(percent), starts_at=None, ends_at=None, min_subtotal=None,
            usage_limit=None, channels=channels, product_ids=product_ids)).id
    path = {"DRAFT": [], "ACTIVE": ["ACTIVE"], "SCHEDULED": ["SCHEDULED"], "PAUSED": ["ACTIVE", "PAUSED"],
            "ENDED": ["ACTIVE", "ENDED"]}[status]
    for step in path:
        async with uow(db) as work:
            await campaigns.update_campaign_status(uow=work, campaign_id=campaign_id,
                                                   status=CampaignStatus(step))
    return campaign_id
