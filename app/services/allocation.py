"""Stock allocation without oversell.

One conditional UPDATE per stock row, never read-then-write: the row is taken only if
`on_hand - allocated >= q` still holds when the update runs, and its rowcount says whether it did.
Variants and stock rows are visited in id order so that concurrent checkouts lock rows in the same
order. This does not rely on SELECT ... FOR UPDATE, which SQLite ignores.
"""

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Stock


@dataclass(frozen=True, slots=True)
class Taken:
    stock_id: int
    warehouse_id: int
    quantity: int


async def _take(session: AsyncSession, stock_id: int, quantity: int) -> bool:
    result = await session.execute(
        update(Stock).where(Stock.id == stock_id, Stock.on_hand - Stock.allocated >= quantity)
        .values(allocated=Stock.allocated + quantity).execution_options(synchronize_session=False))
    return result.rowcount == 1


async def allocate(session: AsyncSession, *, variant_id: int, quantity: int,
                   stock_ids: list[int] | None = None) -> list[Taken] | None:
    """Hold `quantity` units of a variant across warehouses (in stock-row order), or None when there
    are not enough; the caller's transaction then rolls back whatever was taken."""
    stmt = (select(Stock.id, Stock.warehouse_id, (Stock.on_hand - Stock.allocated).label("free"))
            .where(Stock.variant_id == variant_id).order_by(Stock.id))
    if stock_ids is not None:
        stmt = stmt.where(Stock.id.in_(stock_ids))
    rows = (await session.execute(stmt)).all()
    taken: list[Taken] = []
    needed = quantity
    for row in rows:
        want = min(needed, row.free)
        # A concurrent checkout may have taken units since the read: retry with less until it fits.
        while want > 0 and not await _take(session, row.id, want):
            free = await session.scalar(select(Stock.on_hand - Stock.allocated).where(Stock.id == row.id))
            want = min(needed, max(0, int(free or 0)))
        if want > 0:
            taken.append(Taken(row.id, row.warehouse_id, want))
            needed -= want
        if needed == 0:
            return taken
    return None


async def release(session: AsyncSession, stock_id: int, quantity: int) -> None:
    await session.execute(update(Stock).where(Stock.id == stock_id)
                          .values(allocated=Stock.allocated - quantity)
                          .execution_options(synchronize_session=False))
