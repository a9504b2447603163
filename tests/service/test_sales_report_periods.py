"""The report's period SQL (app.reports.sales.period_start_sql) against the calendar, on SQLite and
PostgreSQL: the instants either side of midnight, Monday and the first of the month, across years,
leap days and ISO weeks that straddle New Year, and a spread of random instants."""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Integer, MetaData, Table, insert, select

from app.db import Database
from app.reports.sales import Interval, period_start, period_start_sql, periods
from models.base import UTCDateTime

MICROSECOND = timedelta(microseconds=1)


def calendar_start(when: datetime, interval: Interval) -> datetime:
    day = datetime(when.year, when.month, when.day, tzinfo=UTC)
    if interval is Interval.WEEK:
        return day - timedelta(days=day.isoweekday() - 1)
    if interval is Interval.MONTH:
        return datetime(when.year, when.month, 1, tzinfo=UTC)
    return day


def edge_instants() -> list[datetime]:
    bounds = [datetime(1900, 1, 1, tzinfo=UTC), datetime(2024, 2, 29, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC),
              datetime(2024, 12, 30, tzinfo=UTC),  # the Monday of the ISO week holding 2025-01-01
              datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 27, tzinfo=UTC),  # a Monday
              datetime(2025, 2, 1, tzinfo=UTC), datetime(2026, 3, 29, tzinfo=UTC),  # a Sunday
              datetime(2027, 1, 4, tzinfo=UTC), datetime(2199, 12, 31, tzinfo=UTC)]
    near = [MICROSECOND, 500 * MICROSECOND, 999 * MICROSECOND]  # SQLite's date functions keep milliseconds
    instants = [b + d for b in bounds for d in (timedelta(0), *near, *(-d for d in near))]
    rng = random.Random(20250127)
    start = datetime(1901, 1, 1, tzinfo=UTC)
    instants += [start + timedelta(microseconds=rng.randrange(int(298 * 365.25 * 86400 * 1e6)))
                 for _ in range(300)]
    return [i for i in instants if i.year >= 1900]


async def test_period_starts_in_sql_are_the_calendars_on_both_databases(db: Database) -> None:
    moments = Table("report_period_moments", MetaData(), Column("id", Integer, primary_key=True),
                    Column("at", UTCDateTime, nullable=False))
    instants = edge_instants()
    async with db.write_engine.begin() as conn:
        await conn.run_sync(moments.metadata.create_all)
        await conn.execute(insert(moments), [{"id": n, "at": at} for n, at in enumerate(instants)])
    for interval in Interval:
        async with db.read() as conn:
            got = dict((await conn.execute(select(moments.c.id, period_start_sql(moments.c.at, interval)))).all())
        for n, at in enumerate(instants):
            wanted = calendar_start(at, interval)
            assert got[n] == wanted and got[n].utcoffset() == timedelta(0), (interval, at, got[n])
            assert period_start(at, interval) == wanted


def test_periods_are_every_period_the_range_touches() -> None:
    monday = datetime(2024, 12, 30, tzinfo=UTC)
    assert periods(monday, monday + timedelta(days=7), Interval.WEEK) == [monday]
    assert periods(monday - MICROSECOND, monday + MICROSECOND, Interval.WEEK) == [monday - timedelta(days=7), monday]
    assert periods(datetime(2024, 11, 15, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC), Interval.MONTH) == [
        datetime(2024, 11, 1, tzinfo=UTC), datetime(2024, 12, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)]
    assert len(periods(datetime(2024, 1, 1, 12, tzinfo=UTC), datetime(2025, 1, 1, 12, tzinfo=UTC), Interval.DAY)) == 367
