import { useMemo, useState } from "react";
import { useQuery } from "urql";
import { Loading, QueryError } from "../components";
import { count, dateTime, day, label, money, percent } from "../format";
import { graphql } from "../gql";
import { may } from "../permissions";
import type { Role } from "../session";
import { RevenueChart } from "./RevenueChart";

const SalesOverview = graphql(`
  query ConsoleSalesOverview($from: DateTime!, $to: DateTime!, $daily: [ReportDimension!]) {
    byChannel: salesReport(from: $from, to: $to, groupBy: [CHANNEL]) {
      asOf
      rows { ...KpiFigures channel { slug name } }
      total { ...KpiFigures }
    }
    daily: salesReport(from: $from, to: $to, groupBy: $daily, interval: DAY) {
      rows { periodStart orders revenue { amount currency } channel { slug } }
    }
    matrix: salesReport(from: $from, to: $to, groupBy: [CHANNEL, CAMPAIGN]) {
      rows { ...KpiFigures channel { slug name } campaign { id name } }
    }
    channels { slug name }
  }
  fragment KpiFigures on KpiRow {
    revenue { amount currency } orders averageOrderValue { amount currency }
    conversionRate cartAbandonmentRate returnRate
  }
`);

const Health = graphql(`
  query ConsoleSystemHealth {
    systemHealth { asOf outboxPending outboxLagSeconds webhookDeliveriesRetrying webhookDeliveriesFailed openExceptions }
  }
`);

function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A local calendar day's start as an instant (the report's period is [from, to)). */
function startOf(dayText: string, plusDays = 0): string {
  const [y, m, d] = dayText.split("-").map(Number);
  return new Date(y!, m! - 1, d! + plusDays).toISOString();
}

export function Overview({ roles }: { roles: Role[] }) {
  return (
    <>
      <h1>Overview</h1>
      {may(roles, "readReports") && <Sales />}
      {may(roles, "readOperations") && <SystemHealth />}
    </>
  );
}

function Sales() {
  const today = new Date();
  const [fromDay, setFromDay] = useState(isoDay(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 29)));
  const [toDay, setToDay] = useState(isoDay(today));
  const [channel, setChannel] = useState("");
  const valid = Boolean(fromDay && toDay && fromDay <= toDay);
  const [{ data, fetching, error }] = useQuery({
    query: SalesOverview,
    variables: { from: valid ? startOf(fromDay) : startOf(isoDay(today)), to: valid ? startOf(toDay, 1) : startOf(isoDay(today), 1),
                 daily: channel ? ["CHANNEL"] : null },
    pause: !valid,
    requestPolicy: "cache-and-network",
  });
  const figures = channel
    ? data?.byChannel.rows.find((row) => row.channel?.slug === channel)
    : data?.byChannel.total;
  const currency = figures?.revenue.currency ?? data?.byChannel.total.revenue.currency ?? "USD";
  const zero = { amount: "0", currency };
  const daily = useMemo(() => (data?.daily.rows ?? [])
    .filter((row) => !channel || row.channel?.slug === channel)
    .map((r) => ({ day: r.periodStart ?? "", revenue: Number(r.revenue.amount), revenueText: money(r.revenue),
                   orders: r.orders })), [data, channel]);

  return (
    <section aria-labelledby="sales-heading">
      <h2 id="sales-heading">Sales</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Report period">
        <div className="field">
          <label htmlFor="report-from">From</label>
          <input id="report-from" type="date" value={fromDay} max={toDay} onChange={(e) => setFromDay(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="report-to">To</label>
          <input id="report-to" type="date" value={toDay} min={fromDay} onChange={(e) => setToDay(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="report-channel">Channel</label>
          <select id="report-channel" value={channel} onChange={(e) => setChannel(e.target.value)}>
            <option value="">All channels</option>
            {data?.channels.map((c) => <option key={c.slug} value={c.slug}>{c.name}</option>)}
          </select>
        </div>
      </form>
      {!valid && <p role="alert" className="error">The period must start on or before its last day.</p>}
      <QueryError error={error} />
      {fetching && !data && <Loading what="the sales report" />}
      {data && (
        <>
          <p className="muted" aria-live="polite">Figures as of {dateTime(data.byChannel.asOf)}, {day(startOf(fromDay))} to {day(startOf(toDay))}.</p>
          <div className="tiles">
            <Tile name="Revenue" value={money(figures?.revenue ?? zero)} />
            <Tile name="Orders" value={count(figures?.orders ?? 0)} />
            <Tile name="Average order value" value={money(figures?.averageOrderValue ?? zero)} />
            <Tile name="Conversion rate" value={percent(figures?.conversionRate ?? 0)} />
            <Tile name="Cart abandonment rate" value={percent(figures?.cartAbandonmentRate ?? 0)} />
            <Tile name="Return rate" value={percent(figures?.returnRate ?? 0)} />
          </div>
          <RevenueChart rows={daily} />
          <h3>By channel and campaign</h3>
          <table aria-label="Sales by channel and campaign">
            <thead>
              <tr>
                <th scope="col">Channel</th><th scope="col">Campaign</th><th scope="col">Orders</th>
                <th scope="col">Revenue</th><th scope="col">Average order value</th>
                <th scope="col">Conversion rate</th><th scope="col">Return rate</th>
              </tr>
            </thead>
            <tbody>
              {data.matrix.rows.filter((r) => !channel || r.channel?.slug === channel).map((r) => (
                <tr key={`${r.channel?.slug}/${r.campaign?.id ?? ""}`}>
                  <td>{r.channel?.name ?? ""}</td>
                  <td>{r.campaign?.name ?? "No campaign"}</td>
                  <td className="num">{count(r.orders)}</td>
                  <td className="num">{money(r.revenue)}</td>
                  <td className="num">{money(r.averageOrderValue)}</td>
                  <td className="num">{percent(r.conversionRate)}</td>
                  <td className="num">{percent(r.returnRate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function Tile({ name, value }: { name: string; value: string }) {
  return (
    <section className="tile" aria-label={name}>
      <h3>{name}</h3>
      <p className="tile-value">{value}</p>
    </section>
  );
}

function SystemHealth() {
  const [{ data, error }] = useQuery({ query: Health, requestPolicy: "network-only" });
  const health = data?.systemHealth;
  return (
    <section aria-labelledby="health-heading">
      <h2 id="health-heading">System health</h2>
      <QueryError error={error} />
      {health && (
        <table>
          <caption className="muted">As of {dateTime(health.asOf)}</caption>
          <tbody>
            <tr><th scope="row">Outbox events waiting</th><td className="num">{count(health.outboxPending)}</td></tr>
            <tr><th scope="row">Outbox lag</th><td className="num">{health.outboxLagSeconds.toFixed(1)} s</td></tr>
            <tr><th scope="row">Webhook deliveries retrying</th><td className="num">{count(health.webhookDeliveriesRetrying)}</td></tr>
            <tr><th scope="row">Webhook deliveries failed</th><td className="num">{count(health.webhookDeliveriesFailed)}</td></tr>
            <tr><th scope="row">{label("OPEN_EXCEPTIONS")}</th><td className="num">{count(health.openExceptions)}</td></tr>
          </tbody>
        </table>
      )}
    </section>
  );
}
