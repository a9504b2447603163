"""Account reads."""

from typing import Any

from sqlalchemy import Row, select

from app.db import Database
from models import Customer


async def customer_by_id(db: Database, customer_id: int) -> Row[Any] | None:
    async with db.read() as conn:
        return (await conn.execute(select(*Customer.__table__.c).where(Customer.id == customer_id))).first()
