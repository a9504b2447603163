"""A realistic demo store: channels, a category tree, products with variants and stock in two
warehouses, delivery methods, campaigns, and demo accounts. Bulk Core inserts keep
`commerce seed --products 10000` well under a minute on SQLite."""

import random
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text

from app.auth import hash_password
from app.db import Database
from app.domain.campaigns import DiscountType
from app.domain.states import CampaignStatus, ProductStatus
from app.policy.permissions import Role
from app.search import reindex_products
from app.services.unit_of_work import Actor, UnitOfWork
from models import (
    Campaign,
    Category,
    Channel,
    Customer,
    DeliveryMethod,
    Product,
    ProductVariant,
    Stock,
    User,
    VariantOption,
    Warehouse,
    campaign_channels,
    campaign_products,
)

DEMO_PASSWORD = "commerce-demo"
DEMO_USERS: list[tuple[str, list[Role]]] = [
    ("admin@example.com", [Role.ADMIN]),
    ("manager@example.com", [Role.MANAGER]),
    ("support@example.com", [Role.SUPPORT]),
    ("merchandiser@example.com", [Role.MERCHANDISER]),
    ("fulfillment@example.com", [Role.FULFILLMENT]),
    ("shopper@example.com", [Role.CUSTOMER]),
]

CATEGORY_TREE: dict[str, dict[str, list[str]]] = {
    "Apparel": {"Tops": ["T-Shirts", "Hoodies"], "Bottoms": ["Jeans", "Shorts"]},
    "Footwear": {"Running": [], "Hiking": [], "Casual": []},
    "Outdoor": {"Camping": ["Tents", "Sleeping Bags"], "Climbing": []},
    "Home": {"Kitchen": [], "Decor": []},
}
ADJECTIVES = ["Trail", "Urban", "Classic", "Alpine", "Coastal", "Summit", "Everyday", "Nordic", "Desert",
              "Canyon", "Harbor", "Meadow", "Granite", "Cedar", "Aurora", "Sierra"]
NOUNS = ["Runner", "Jacket", "Tee", "Hoodie", "Boot", "Tent", "Mug", "Backpack", "Short", "Jean",
         "Sneaker", "Lantern", "Blanket", "Cap", "Vest", "Sock"]
VARIANT_SETS = [["S", "M", "L", "XL"], ["Black", "Blue", "Sand"], ["40", "42", "44"], ["One size"],
                ["Regular", "Large"]]
# The option each set of variants differs by (the demo's facets).
OPTION_NAMES = ["Size", "Colour", "Size", "Size", "Fit"]
BATCH = 2000


def _progress(label: str, total: int) -> Callable[[int], None]:
    """A small progress bar on stderr (only drawn for big runs on a terminal-ish stream)."""
    width = 30

    def update(done: int) -> None:
        if total < 500:
            return
        filled = width * done // total
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return update


async def seed(db: Database, *, products: int = 200, rng_seed: int = 7) -> dict[str, int]:
    """Fill an empty database with the demo store. Refuses a database that has products already."""
    rng = random.Random(rng_seed)
    now = datetime.now(UTC).replace(microsecond=0)
    async with UnitOfWork(db, Actor(viewer=None, request_id="seed"), now) as uow:
        session = uow.session
        if await session.scalar(select(func.count()).select_from(Product)):
            raise RuntimeError("the database already has products; seed only an empty store")
        conn = await session.connection()

        channels = [Channel(slug="web", name="Web shop", currency="USD", created_at=now),
                    Channel(slug="mobile", name="Mobile app", currency="USD", created_at=now)]
        warehouses = [Warehouse(code="EAST", name="East Coast DC", created_at=now),
                      Warehouse(code="WEST", name="West Coast DC", created_at=now)]
        session.add_all(channels + warehouses)
        session.add_all([DeliveryMethod(name="Standard (3-5 days)", price=Decimal("4.90"), created_at=now),
                         DeliveryMethod(name="Express (next day)", price=Decimal("14.90"), created_at=now)])
        await session.flush()

        leaves: list[Category] = []
        for root_name, subtree in CATEGORY_TREE.items():
            root = await _category(session, root_name, None, now)
            for child_name, grandchildren in subtree.items():
                child = await _category(session, child_name, root, now)
                if not grandchildren:
                    leaves.append(child)
                for grandchild_name in grandchildren:
                    leaves.append(await _category(session, grandchild_name, child, now))

        password_hash = hash_password(DEMO_PASSWORD)
        for email, roles in DEMO_USERS:
            user = User(email=email, password_hash=password_hash, roles=sorted(roles), created_at=now)
            session.add(user)
            await session.flush()
            if Role.CUSTOMER in roles:
                session.add(Customer(user_id=user.id, email=email, name="Demo Shopper", created_at=now))

        first_product_id = (await session.scalar(select(func.max(Product.id))) or 0) + 1
        first_variant_id = (await session.scalar(select(func.max(ProductVariant.id))) or 0) + 1
        show = _progress("seeding products", products)
        variant_id = first_variant_id
        for start in range(0, products, BATCH):
            product_rows: list[dict[str, Any]] = []
            variant_rows: list[dict[str, Any]] = []
            stock_rows: list[dict[str, Any]] = []
            option_rows: list[dict[str, Any]] = []
            for n in range(start, min(start + BATCH, products)):
                product_id = first_product_id + n
                name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {n + 1}"
                base = Decimal(rng.randrange(500, 25000)) / 100
                chosen = rng.choice(VARIANT_SETS)
                sizes = chosen[: rng.randint(1, 4)]
                option = OPTION_NAMES[VARIANT_SETS.index(chosen)]
                prices = [base + Decimal(5 * i) for i in range(len(sizes))]
                product_rows.append({
                    "id": product_id, "category_id": rng.choice(leaves).id, "name": name,
                    "slug": f"{name.lower().replace(' ', '-')}", "description": f"The {name}, built to last.",
                    "min_price": min(prices), "status": ProductStatus.ACTIVE,
                    "created_at": now - timedelta(minutes=products - n), "updated_at": now})
                for size, price in zip(sizes, prices, strict=True):
                    variant_rows.append({"id": variant_id, "product_id": product_id,
                                         "sku": f"SKU-{product_id:06d}-{size.upper().replace(' ', '')}",
                                         "name": size, "price": price, "created_at": now})
                    option_rows.append({"variant_id": variant_id, "name": option, "value": size, "position": 0})
                    for warehouse in warehouses:
                        stock_rows.append({"variant_id": variant_id, "warehouse_id": warehouse.id,
                                           "on_hand": rng.choice([0, 3, 10, 25, 60]), "allocated": 0})
                    variant_id += 1
            await conn.execute(insert(Product), product_rows)
            await conn.execute(insert(ProductVariant), variant_rows)
            await conn.execute(insert(VariantOption), option_rows)
            await conn.execute(insert(Stock), stock_rows)
            await reindex_products(conn, [row["id"] for row in product_rows])
            show(min(start + BATCH, products))
        if conn.dialect.name == "postgresql":  # ids were given: move the sequences past them
            for table in ("products", "product_variants"):
                await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))

        campaigns = [
            Campaign(name="Spring sale: 10% off everything", code=None, status=CampaignStatus.ACTIVE,
                     discount_type=DiscountType.PERCENTAGE, discount_value=Decimal(10), times_used=0,
                     created_at=now),
            Campaign(name="WELCOME5: $5 off orders over $50", code="WELCOME5", status=CampaignStatus.ACTIVE,
                     discount_type=DiscountType.FIXED_AMOUNT, discount_value=Decimal(5),
                     min_subtotal=Decimal(50), times_used=0, created_at=now),
            Campaign(name="Free shipping on the app", code="APPSHIP", status=CampaignStatus.ACTIVE,
                     discount_type=DiscountType.FREE_SHIPPING, discount_value=Decimal(0), times_used=0,
                     created_at=now),
            Campaign(name="Footwear week: 20% off", code="SHOES20", status=CampaignStatus.SCHEDULED,
                     discount_type=DiscountType.PERCENTAGE, discount_value=Decimal(20), usage_limit=100,
                     starts_at=now + timedelta(days=7), ends_at=now + timedelta(days=14), times_used=0,
                     created_at=now),
        ]
        session.add_all(campaigns)
        await session.flush()
        await conn.execute(insert(campaign_channels), [
            {"campaign_id": campaigns[2].id, "channel_id": channels[1].id}])
        footwear = (await session.execute(
            select(Product.id).join(Category, Category.id == Product.category_id)
            .where(Category.path.like(f"/{(await _root_id(session, 'Footwear'))}/%")).limit(100))).scalars().all()
        if footwear:
            await conn.execute(insert(campaign_products), [
                {"campaign_id": campaigns[3].id, "product_id": pid} for pid in footwear])
        uow.audit(action="store.seed", subject_type="Store", subject_id="demo",
                  data={"products": products, "variants": variant_id - first_variant_id})
        await uow.commit()
    return {"products": products, "variants": variant_id - first_variant_id}


async def _category(session: Any, name: str, parent: Category | None, now: datetime) -> Category:
    category = Category(name=name, slug=name.lower().replace(" ", "-"), parent_id=parent.id if parent else None,
                        path="", description=f"Everything {name.lower()}.", created_at=now)
    session.add(category)
    await session.flush()
    category.path = f"{parent.path if parent else '/'}{category.id}/"
    await session.flush()
    return category


async def _root_id(session: Any, name: str) -> int:
    return int(await session.scalar(select(Category.id).where(Category.name == name, Category.parent_id.is_(None))))
