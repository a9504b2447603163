"""salesReport: conversion, cart abandonment, average order value and return rate, by channel
and/or campaign. Computed in SQL: one aggregate statement for carts and one for
orders, grouped by the chosen dimensions; Python only divides and adds up the groups."""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, func, select

from app.db import Database
from app.domain.carts import EXPIRES_AFTER
from app.domain.money import ZERO
from app.domain.states import CartStatus
from app.policy.order_lifecycle import NOT_A_SALE
from models import Cart, EcommerceOrder, OrderLine, ReturnLine, ReturnRequest


class Dimension(StrEnum):
    CHANNEL = "CHANNEL"
    CAMPAIGN = "CAMPAIGN"


@dataclass(frozen=True, slots=True)
class Kpis:
    channel_id: int | None = None
    campaign_id: int | None = None
    carts_created: int = 0
    carts_converted: int = 0
    carts_abandoned: int = 0
    orders: int = 0
    revenue: Decimal = ZERO
    units_sold: int = 0
    units_returned: int = 0

    @property
    def conversion_rate(self) -> float:
        return self.carts_converted / self.carts_created if self.carts_created else 0.0

    @property
    def cart_abandonment_rate(self) -> float:
        return self.carts_abandoned / self.carts_created if self.carts_created else 0.0

    @property
    def average_order_value(self) -> Decimal:
        if not self.orders:
            return ZERO
        return (self.revenue / self.orders).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def return_rate(self) -> float:
        return self.units_returned / self.units_sold if self.units_sold else 0.0

    def __add__(self, other: "Kpis") -> "Kpis":
        return replace(self, carts_created=self.carts_created + other.carts_created,
                       carts_converted=self.carts_converted + other.carts_converted,
                       carts_abandoned=self.carts_abandoned + other.carts_abandoned,
                       orders=self.orders + other.orders, revenue=self.revenue + other.revenue,
                       units_sold=self.units_sold + other.units_sold,
                       units_returned=self.units_returned + other.units_returned)


@dataclass(frozen=True, slots=True)
class SalesReport:
    start: datetime
    end: datetime
    group_by: tuple[Dimension, ...]
    rows: list[Kpis] = field(default_factory=list)
    total: Kpis = field(default_factory=Kpis)


def _keys(group_by: Sequence[Dimension], channel: Any, campaign: Any) -> list[Any]:
    keys = []
    if Dimension.CHANNEL in group_by:
        keys.append(channel.label("channel_id"))
    if Dimension.CAMPAIGN in group_by:
        keys.append(campaign.label("campaign_id"))
    return keys


def _one(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


async def sales_report(db: Database, *, start: datetime, end: datetime, group_by: Sequence[Dimension],
                       now: datetime, abandon_after: timedelta) -> SalesReport:
    group_by = tuple(d for d in Dimension if d in group_by)
    cart_keys = _keys(group_by, Cart.channel_id, Cart.attributed_campaign_id)
    idle_since = now - abandon_after
    carts = (select(*cart_keys,
                    _one((Cart.line_count > 0) | (Cart.status == CartStatus.CONVERTED)).label("created"),
                    _one(Cart.status == CartStatus.CONVERTED).label("converted"),
                    _one(and_(Cart.status == CartStatus.ACTIVE, Cart.line_count > 0, Cart.updated_at <= idle_since,
                              Cart.updated_at > now - EXPIRES_AFTER)).label("abandoned"))
             .where(Cart.created_at >= start, Cart.created_at < end).group_by(*cart_keys))
    # Orders of the period first, so that lines and returns are summed for those orders only.
    period = (select(EcommerceOrder.id, EcommerceOrder.channel_id, EcommerceOrder.campaign_id, EcommerceOrder.total)
              .where(EcommerceOrder.created_at >= start, EcommerceOrder.created_at < end,
                     EcommerceOrder.status.not_in(NOT_A_SALE)).subquery())
    units = (select(OrderLine.order_id, func.sum(OrderLine.quantity).label("units"))
             .join(period, period.c.id == OrderLine.order_id).group_by(OrderLine.order_id).subquery())
    returned = (select(ReturnRequest.order_id, func.sum(ReturnLine.quantity).label("units"))
                .join(ReturnLine, ReturnLine.return_request_id == ReturnRequest.id)
                .join(period, period.c.id == ReturnRequest.order_id)
                .where(ReturnRequest.received_at.isnot(None)).group_by(ReturnRequest.order_id).subquery())
    order_keys = _keys(group_by, period.c.channel_id, period.c.campaign_id)
    orders = (select(*order_keys, func.count().label("orders"), func.sum(period.c.total).label("revenue"),
                     func.sum(units.c.units).label("sold"), func.sum(func.coalesce(returned.c.units, 0)).label("returned"))
              .select_from(period)
              .join(units, units.c.order_id == period.c.id)
              .outerjoin(returned, returned.c.order_id == period.c.id)
              .group_by(*order_keys))
    groups: dict[tuple[Any, Any], Kpis] = {}

    def group(row: Any) -> tuple[tuple[Any, Any], Kpis]:
        key = (getattr(row, "channel_id", None), getattr(row, "campaign_id", None))
        return key, groups.get(key, Kpis(channel_id=key[0], campaign_id=key[1]))

    async with db.read() as conn:
        for row in (await conn.execute(carts)).all():
            key, kpis = group(row)
            groups[key] = replace(kpis, carts_created=int(row.created or 0), carts_converted=int(row.converted or 0),
                                  carts_abandoned=int(row.abandoned or 0))
        for row in (await conn.execute(orders)).all():
            key, kpis = group(row)
            groups[key] = replace(kpis, orders=int(row.orders), revenue=row.revenue or ZERO,
                                  units_sold=int(row.sold or 0), units_returned=int(row.returned or 0))
    rows = sorted(groups.values(), key=lambda k: (k.channel_id or 0, k.campaign_id or 0))
    total = Kpis()
    for row in rows:
        total = total + row
    if not group_by and not rows:
        rows = [Kpis()]  # ungrouped: one row, the same as the total
    return SalesReport(start=start, end=end, group_by=group_by, rows=rows, total=total)
