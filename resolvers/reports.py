"""salesReport for MERCHANDISER, MANAGER, ADMIN."""

from datetime import datetime, timedelta
from typing import Annotated

import strawberry

from app.policy.reads import Readable
from app.reports.sales import Dimension, sales_report
from resolvers.base import Info, currency, query_moment, require_read
from schema.errors import PublicError
from schema.reports import KpiRow, ReportDimension, SalesReport

MAX_SPAN = timedelta(days=20 * 366)


@strawberry.type
class ReportQuery:
    @strawberry.field(description="KPIs over [from, to) by channel and/or campaign (MERCHANDISER, MANAGER, ADMIN).")
    async def sales_report(
            self, info: Info,
            from_: Annotated[datetime, strawberry.argument(
                name="from", description="Start of the period, inclusive.")],
            to: Annotated[datetime, strawberry.argument(
                description="End of the period, exclusive: after from, at most twenty years later.")],
            group_by: Annotated[list[ReportDimension] | None, strawberry.argument(  # type: ignore[valid-type]
                description="What to split the rows by; omitted or empty: one row.")] = None) -> SalesReport:
        require_read(info, Readable.SALES_REPORT)
        start, end = query_moment(from_, "from"), query_moment(to, "to")
        if end <= start or end - start > MAX_SPAN:
            raise PublicError("'to' must be after 'from', at most twenty years later.", "INVALID")
        report = await sales_report(info.context.db, start=start, end=end,
                                    group_by=[Dimension(d.value) for d in group_by or []], now=info.context.now,
                                    abandon_after=info.context.abandon_after)
        return SalesReport(from_=start, to=end, group_by=list(report.group_by),
                           rows=[KpiRow.of(r, currency(info)) for r in report.rows],
                           total=KpiRow.of(report.total, currency(info)))
