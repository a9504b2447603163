"""Account reads."""

from typing import Any

from sqlalchemy import Row, select

from app.auth import Viewer, known_roles
from app.db import Database
from models import Customer, User


async def customer_by_id(db: Database, customer_id: int) -> Row[Any] | None:
    async with db.read() as conn:
        return (await conn.execute(select(*Customer.__table__.c).where(Customer.id == customer_id))).first()


async def active_viewer(db: Database, user_id: int) -> Viewer | None:
    """Who a bearer of an access token for `user_id` is now: roles and customer record as stored,
    or None when the user is deleted or deactivated. One statement, by primary key."""
    async with db.read() as conn:
        row = (await conn.execute(
            select(User.email, User.roles, User.is_active, Customer.id.label("customer_id"))
            .outerjoin(Customer, Customer.user_id == User.id)
            .where(User.id == user_id))).first()
    if row is None or not row.is_active:
        return None
    return Viewer(user_id=user_id, email=row.email, roles=known_roles(row.roles), customer_id=row.customer_id)
