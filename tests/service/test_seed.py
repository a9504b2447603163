"""The demo seed: a store to try, after which the catalog still takes new products."""

from decimal import Decimal

from sqlalchemy import func, select

from app.db import Database
from app.seed import seed
from app.services import catalog
from models import Product
from tests.conftest import TEST_AUDIT_KEY
from tests.support.factory import uow


async def test_products_created_after_the_seed_get_fresh_ids(database_url: str) -> None:
    db = Database(database_url, audit_key=TEST_AUDIT_KEY)
    try:
        await seed(db, products=3)
        async with uow(db) as work:
            created = await catalog.create_product(
                uow=work, name="After the seed", slug=None, description=None, category_id=None,
                variants=[catalog.VariantSpec(sku="AFTER-1", name="One", price=Decimal("9.99"), stock=[])])
        async with db.read() as conn:
            assert await conn.scalar(select(func.count()).select_from(Product)) == 4
            assert created.id == await conn.scalar(select(func.max(Product.id)))
    finally:
        await db.dispose()
