"""salesReport: conversion, cart abandonment, average order value and return rate, by channel
and/or campaign, and optionally by UTC day, week or month. Computed in SQL: one aggregate statement
for carts and one for orders, grouped by the chosen dimensions (and period); Python only divides,
fills in the periods without activity and adds up the groups."""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app.db import Database
from app.domain.carts import EXPIRES_AFTER
from app.domain.money import ZERO
from app.domain.states import CartStatus
from app.policy.order_lifecycle import NOT_A_SALE
from models import Cart, EcommerceOrder, OrderLine, ReturnLine, ReturnRequest
from models.base import UTCDateTime


class Dimension(StrEnum):
    CHANNEL = "CHANNEL"
    CAMPAIGN = "CAMPAIGN"


class Interval(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


# A report with an interval has a row for every period [from, to) touches (times every group):
# 400 periods are more than a year of days, seven years of weeks, and every month of the longest
# range a report may cover.
MAX_PERIODS = 400


def period_start(moment: datetime, interval: Interval) -> datetime:
    """The start of the UTC day, ISO week (Monday) or month holding `moment`, in UTC."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if interval is Interval.WEEK:
        return day - timedelta(days=day.weekday())
    if interval is Interval.MONTH:
        return day.replace(day=1)
    return day


def periods(start: datetime, end: datetime, interval: Interval) -> list[datetime]:
    """The starts of the periods that [start, end) touches, oldest first; the first and last may
    begin before `start` or end after `end` (the report counts only what falls inside)."""
    found = []
    at = period_start(start, interval)
    while at < end:
        found.append(at)
        if interval is Interval.MONTH:
            at = at.replace(year=at.year + at.month // 12, month=at.month % 12 + 1)
        else:
            at += timedelta(days=7 if interval is Interval.WEEK else 1)
    return found


class _PeriodStart(FunctionElement[datetime]):
    """SQL for `period_start` of a UTCDateTime column, giving the same instants on SQLite (which
    stores naive UTC text) and PostgreSQL (timestamptz)."""

    type = UTCDateTime()
    inherit_cache = True
    unit: ClassVar[str]


# One class per unit (rather than an attribute) so that the unit is part of the statement cache key.
class _DayStart(_PeriodStart):
    inherit_cache = True
    unit = "day"


class _WeekStart(_PeriodStart):
    inherit_cache = True
    unit = "week"


class _MonthStart(_PeriodStart):
    inherit_cache = True
    unit = "month"


@compiles(_PeriodStart, "sqlite")
def _sqlite_period_start(element: _PeriodStart, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTC as text, 'YYYY-MM-DD HH:MM:SS.ffffff'. The date is cut out of the text rather
    # than parsed whole: SQLite's date functions round to the millisecond, and with modifiers they
    # would move a Sunday's 23:59:59.9995 and later into the next week.
    text = compiler.process(element.clauses, **kw)
    if element.unit == "day":
        return f"(substr({text}, 1, 10) || ' 00:00:00')"
    if element.unit == "week":  # back six days, then forward to the first Monday: the ISO week's
        return f"(date(substr({text}, 1, 10), '-6 days', 'weekday 1') || ' 00:00:00')"
    return f"(substr({text}, 1, 7) || '-01 00:00:00')"


@compiles(_PeriodStart, "postgresql")
def _postgresql_period_start(element: _PeriodStart, compiler: SQLCompiler, **kw: Any) -> str:
    # date_trunc('week', ...) starts ISO weeks, on Monday. The unit is written inline, not bound: with
    # a parameter in SELECT ($1) and another in GROUP BY ($3), PostgreSQL would not see the same
    # expression in both.
    return f"date_trunc('{element.unit}', ({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC')"


_PERIOD_STARTS = {Interval.DAY: _DayStart, Interval.WEEK: _WeekStart, Interval.MONTH: _MonthStart}


def period_start_sql(moment: Any, interval: Interval) -> _PeriodStart:
    return _PERIOD_STARTS[interval](moment)


@dataclass(frozen=True, slots=True)
class Kpis:
    channel_id: int | None = None
    campaign_id: int | None = None
    period_start: datetime | None = None
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
    as_of: datetime
    interval: Interval | None = None
    rows: list[Kpis] = field(default_factory=list)
    total: Kpis = field(default_factory=Kpis)


Key = tuple[datetime | None, int | None, int | None]  # (period start, channel, campaign)


def _keys(group_by: Sequence[Dimension], interval: Interval | None, channel: Any, campaign: Any,
          period: Any) -> list[Any]:
    keys = []
    if interval is not None:
        keys.append(period.label("period_start"))
    if Dimension.CHANNEL in group_by:
        keys.append(channel.label("channel_id"))
    if Dimension.CAMPAIGN in group_by:
        keys.append(campaign.label("campaign_id"))
    return keys


def _one(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _key(row: Any) -> Key:
    return (getattr(row, "period_start", None), getattr(row, "channel_id", None), getattr(row, "campaign_id", None))


async def sales_report(db: Database, *, start: datetime, end: datetime, group_by: Sequence[Dimension],
                       now: datetime, abandon_after: timedelta, interval: Interval | None = None) -> SalesReport:
    """The report over [start, end) as of `now` (carts are judged abandoned then). With an interval,
    a row for every period [start, end) touches and every group with activity anywhere in the range
    (zeros where a period has none); ungrouped, one row per period."""
    group_by = tuple(d for d in Dimension if d in group_by)
    cart_period = period_start_sql(Cart.created_at, interval) if interval else None
    cart_keys = _keys(group_by, interval, Cart.channel_id, Cart.attributed_campaign_id, cart_period)
    idle_since = now - abandon_after
    carts = (select(*cart_keys,
                    _one((Cart.line_count > 0) | (Cart.status == CartStatus.CONVERTED)).label("created"),
                    _one(Cart.status == CartStatus.CONVERTED).label("converted"),
                    _one(and_(Cart.status == CartStatus.ACTIVE, Cart.line_count > 0, Cart.updated_at <= idle_since,
                              Cart.updated_at > now - EXPIRES_AFTER)).label("abandoned"))
             .where(Cart.created_at >= start, Cart.created_at < end).group_by(*cart_keys))
    # Orders of the period first, so that lines and returns are summed for those orders only.
    order_columns = [EcommerceOrder.id, EcommerceOrder.channel_id, EcommerceOrder.campaign_id, EcommerceOrder.total]
    if interval is not None:
        order_columns.append(period_start_sql(EcommerceOrder.created_at, interval).label("period_start"))
    period = (select(*order_columns)
              .where(EcommerceOrder.created_at >= start, EcommerceOrder.created_at < end,
                     EcommerceOrder.status.not_in(NOT_A_SALE)).subquery())
    units = (select(OrderLine.order_id, func.sum(OrderLine.quantity).label("units"))
             .join(period, period.c.id == OrderLine.order_id).group_by(OrderLine.order_id).subquery())
    returned = (select(ReturnRequest.order_id, func.sum(ReturnLine.quantity).label("units"))
                .join(ReturnLine, ReturnLine.return_request_id == ReturnRequest.id)
                .join(period, period.c.id == ReturnRequest.order_id)
                .where(ReturnRequest.received_at.isnot(None)).group_by(ReturnRequest.order_id).subquery())
    order_keys = _keys(group_by, interval, period.c.channel_id, period.c.campaign_id,
                       period.c.period_start if interval is not None else None)
    orders = (select(*order_keys, func.count().label("orders"), func.sum(period.c.total).label("revenue"),
                     func.sum(units.c.units).label("sold"), func.sum(func.coalesce(returned.c.units, 0)).label("returned"))
              .select_from(period)
              .join(units, units.c.order_id == period.c.id)
              .outerjoin(returned, returned.c.order_id == period.c.id)
              .group_by(*order_keys))
    groups: dict[Key, Kpis] = {}

    def group(row: Any) -> tuple[Key, Kpis]:
        key = _key(row)
        return key, groups.get(key, Kpis(period_start=key[0], channel_id=key[1], campaign_id=key[2]))

    async with db.read() as conn:
        for row in (await conn.execute(carts)).all():
            key, kpis = group(row)
            groups[key] = replace(kpis, carts_created=int(row.created or 0), carts_converted=int(row.converted or 0),
                                  carts_abandoned=int(row.abandoned or 0))
        for row in (await conn.execute(orders)).all():
            key, kpis = group(row)
            groups[key] = replace(kpis, orders=int(row.orders), revenue=row.revenue or ZERO,
                                  units_sold=int(row.sold or 0), units_returned=int(row.returned or 0))
    total = Kpis()
    for kpis in groups.values():
        total = total + kpis
    if interval is None:
        rows = sorted(groups.values(), key=lambda k: (k.channel_id or 0, k.campaign_id or 0))
        if not group_by and not rows:
            rows = [Kpis()]  # ungrouped: one row, the same as the total
    else:
        rows = _every_period(groups, periods(start, end, interval), grouped=bool(group_by))
    return SalesReport(start=start, end=end, group_by=group_by, as_of=now, interval=interval, rows=rows,
                       total=total)


def _every_period(groups: dict[Key, Kpis], starts: list[datetime], *, grouped: bool) -> list[Kpis]:
    """A row for each period and each group seen (ungrouped: the one group), zeros where the
    statements found nothing; by period, then channel and campaign."""
    seen = {(channel, campaign) for _, channel, campaign in groups}
    if not grouped:
        seen = {(None, None)}
    # The statements' periods are the same as `starts`; a union all the same, so that a row found
    # can never be dropped.
    every = sorted(set(starts) | {period for period, _, _ in groups if period is not None})
    order = sorted(seen, key=lambda g: (g[0] or 0, g[1] or 0))
    return [groups.get((period, *g), Kpis(period_start=period, channel_id=g[0], campaign_id=g[1]))
            for period in every for g in order]
