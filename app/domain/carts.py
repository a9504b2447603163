"""Cart status as the shopper sees it: ABANDONED and age-based expiry are computed from
`updatedAt`, so they never lag behind a job. Pure."""

from datetime import datetime, timedelta

from app.domain.states import CartStatus

MAX_LINE_QUANTITY = 999
EXPIRES_AFTER = timedelta(days=30)
CHANGEABLE = frozenset({CartStatus.ACTIVE, CartStatus.ABANDONED})


def effective_status(stored: str, *, updated_at: datetime, line_count: int, now: datetime,
                     abandon_after: timedelta) -> CartStatus:
    status = CartStatus(stored)
    if status != CartStatus.ACTIVE:
        return status
    idle = now - updated_at
    if idle >= EXPIRES_AFTER:
        return CartStatus.EXPIRED
    if line_count > 0 and idle >= abandon_after:
        return CartStatus.ABANDONED
    return CartStatus.ACTIVE
