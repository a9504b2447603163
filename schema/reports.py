"""KPI report types."""

from datetime import datetime

import strawberry

from app.context import Context
from app.reports.sales import Dimension, Interval, Kpis
from schema.campaign import Campaign, readable_campaign
from schema.common import Money
from schema.store import Channel

Info = strawberry.Info[Context, None]

ReportDimension = strawberry.enum(Dimension, name="ReportDimension", description="What a report is split by.")
ReportInterval = strawberry.enum(
    Interval, name="ReportInterval",
    description="The periods a report is split into, in UTC: DAY from midnight, WEEK from Monday midnight "
                "(ISO weeks), MONTH from midnight on the first.")


@strawberry.type(description="KPIs of one group of carts and orders (definitions: README, KPIs).")
class KpiRow:
    carts_created: int = strawberry.field(description="Carts created in the period with at least one line, or converted.")
    carts_converted: int = strawberry.field(description="Of those, carts that became orders.")
    carts_abandoned: int = strawberry.field(description="Of those, abandoned at report time.")
    conversion_rate: float = strawberry.field(description="cartsConverted / cartsCreated, 0 when no carts.")
    cart_abandonment_rate: float = strawberry.field(description="cartsAbandoned / cartsCreated, 0 when no carts.")
    orders: int = strawberry.field(description="Orders created in the period, cancelled ones excluded.")
    revenue: Money = strawberry.field(description="Sum of order totals: shipping in, discounts out, refunds not deducted.")
    average_order_value: Money = strawberry.field(description="revenue / orders.")
    units_sold: int = strawberry.field(description="Units ordered in those orders.")
    units_returned: int = strawberry.field(description="Units of those orders in returns that reached RECEIVED.")
    return_rate: float = strawberry.field(description="unitsReturned / unitsSold, 0 when nothing sold.")
    period_start: datetime | None = strawberry.field(
        description="Start of the row's period when the report has an interval; null otherwise and on the "
                    "total row.")
    channel_id: strawberry.Private[int | None]
    campaign_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, kpis: Kpis, currency: str) -> "KpiRow":
        return cls(carts_created=kpis.carts_created, carts_converted=kpis.carts_converted,
                   carts_abandoned=kpis.carts_abandoned, conversion_rate=kpis.conversion_rate,
                   cart_abandonment_rate=kpis.cart_abandonment_rate, orders=kpis.orders,
                   revenue=Money(amount=kpis.revenue, currency=currency),
                   average_order_value=Money(amount=kpis.average_order_value, currency=currency),
                   units_sold=kpis.units_sold, units_returned=kpis.units_returned, return_rate=kpis.return_rate,
                   period_start=kpis.period_start, channel_id=kpis.channel_id, campaign_id=kpis.campaign_id)

    @strawberry.field(description="Null where the report is not split by channel, or for the total row.")
    async def channel(self, info: Info) -> Channel | None:
        row = await info.context.catalog.channel.load(self.channel_id) if self.channel_id else None
        return Channel.from_row(row) if row else None

    @strawberry.field(description="Null where not split by campaign, or for carts and orders with no campaign.")
    async def campaign(self, info: Info) -> Campaign | None:
        return readable_campaign(info, await info.context.catalog.campaign.load(self.campaign_id)
                                 if self.campaign_id else None)


@strawberry.type(description="KPIs over [from, to), split by channel and/or campaign and, with an interval, "
                               "by period, with a total row.")
class SalesReport:
    from_: datetime = strawberry.field(name="from", description="Start of the period, inclusive.")
    to: datetime = strawberry.field(description="End of the period, exclusive.")
    group_by: list[ReportDimension] = strawberry.field(  # type: ignore[valid-type]
        description="What the rows are split by, CHANNEL before CAMPAIGN; empty: one row.")
    interval: ReportInterval | None = strawberry.field(  # type: ignore[valid-type]
        description="The periods the rows are split into; null when the report has no interval.")
    as_of: datetime = strawberry.field(
        description="The instant the figures describe: everything committed before it is counted. It is "
                    "the request's clock, read before the report's statements run (a write committing while "
                    "they run may be counted too); carts are judged abandoned as of it.")
    rows: list[KpiRow] = strawberry.field(
        description="One row per group, ordered by channel then campaign. With an interval, one row per "
                    "period and group, ordered by periodStart then group: every period that [from, to) "
                    "touches, each counting only what falls inside [from, to), and every group with "
                    "activity anywhere in the range (zeros in periods where it has none); ungrouped, one "
                    "row per period.")
    total: KpiRow = strawberry.field(description="The whole range in one row, whatever the grouping or interval.")
