"""salesReport for MERCHANDISER, MANAGER, ADMIN."""

from datetime import datetime, timedelta
from typing import Annotated

import strawberry

from app.policy.reads import Readable
from app.reports.sales import MAX_PERIODS, Dimension, Interval, periods, sales_report
from resolvers.base import Info, currency, query_moment, require_read
from schema.errors import PublicError
from schema.reports import KpiRow, ReportDimension, ReportInterval, SalesReport

MAX_SPAN = timedelta(days=20 * 366)


@strawberry.type
class ReportQuery:
    @strawberry.field(description="KPIs over [from, to) by channel and/or campaign, and with an interval by UTC "
                                  "period (MERCHANDISER, MANAGER, ADMIN).")
    async def sales_report(
            self, info: Info,
            from_: Annotated[datetime, strawberry.argument(
                name="from", description="Start of the period, inclusive.")],
            to: Annotated[datetime, strawberry.argument(
                description="End of the period, exclusive: after from, at most twenty years later.")],
            group_by: Annotated[list[ReportDimension] | None, strawberry.argument(  # type: ignore[valid-type]
                description="What to split the rows by; omitted or empty: one row.")] = None,
            interval: Annotated[ReportInterval | None, strawberry.argument(  # type: ignore[valid-type]
                description=f"Also split the rows by UTC day, ISO week or month: at most {MAX_PERIODS} "
                            "periods.")] = None) -> SalesReport:
        require_read(info, Readable.SALES_REPORT)
        start, end = query_moment(from_, "from"), query_moment(to, "to")
        if end <= start or end - start > MAX_SPAN:
            raise PublicError("'to' must be after 'from', at most twenty years later.", "INVALID")
        by = Interval(interval.value) if interval else None
        if by and len(periods(start, end, by)) > MAX_PERIODS:
            raise PublicError(f"A report holds at most {MAX_PERIODS} periods: shorten the range or choose a "
                              "longer interval.", "INVALID")
        report = await sales_report(info.context.db, start=start, end=end,
                                    group_by=[Dimension(d.value) for d in group_by or []], now=info.context.now,
                                    abandon_after=info.context.abandon_after, interval=by)
        return SalesReport(from_=start, to=end, group_by=list(report.group_by), interval=report.interval,
                           as_of=report.as_of, rows=[KpiRow.of(r, currency(info)) for r in report.rows],
                           total=KpiRow.of(report.total, currency(info)))
