import { useMemo } from "react";
import { useQuery, useSubscription } from "urql";
import { Link } from "wouter";
import { Loading, Pager, QueryError, usePager } from "../components";
import { dateTime, label, money } from "../format";
import { graphql } from "../gql";
import type { ConsoleOrderRowFragment } from "../gql/graphql";

const OrderRow = graphql(`
  fragment ConsoleOrderRow on EcommerceOrder {
    id number status paymentStatus email createdAt total { amount currency } channel { slug name }
  }
`);

const Orders = graphql(`
  query ConsoleOrders($first: Int!, $after: String) {
    orders(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...ConsoleOrderRow } }
    }
  }
`);

const OrderFeed = graphql(`
  subscription ConsoleOrderFeed {
    orderUpdated { toStatus occurredAt order { ...ConsoleOrderRow } }
  }
`);

type Row = ConsoleOrderRowFragment;
void OrderRow;

/** Newest orders first. New orders and status changes arrive over the subscription and show at once. */
export function LiveOrders() {
  const pager = usePager();
  const [{ data, fetching, error }] = useQuery({ query: Orders, variables: { first: 20, after: pager.after } });
  const [feed] = useSubscription({ query: OrderFeed }, (seen: Row[] = [], event) => {
    const order = event.orderUpdated.order;
    return [order, ...seen.filter((o) => o.id !== order.id)].slice(0, 200);
  });
  const rows = useMemo(() => {
    const listed = (data?.orders.edges ?? []).map((e) => e.node);
    const updates = new Map((feed.data ?? []).map((o) => [o.id, o]));
    const merged = listed.map((o) => updates.get(o.id) ?? o);
    // Orders placed since the first page was read go on top of it.
    const fresh = pager.page === 1 ? (feed.data ?? []).filter((o) => !listed.some((l) => l.id === o.id)) : [];
    return [...fresh.sort((a, b) => b.createdAt.localeCompare(a.createdAt)), ...merged];
  }, [data, feed.data, pager.page]);

  return (
    <>
      <h1>Orders</h1>
      <p className="muted" role="status">
        {feed.error ? "Live updates are paused; reconnecting…" : "Live: new orders and status changes appear here as they happen."}
      </p>
      <QueryError error={error} />
      {fetching && !data && <Loading what="orders" />}
      {data && (
        <>
          <table aria-label="Orders">
            <thead>
              <tr>
                <th scope="col">Order</th><th scope="col">Placed</th><th scope="col">Customer</th>
                <th scope="col">Channel</th><th scope="col">Status</th><th scope="col">Payment</th>
                <th scope="col">Total</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((o) => (
                <tr key={o.id}>
                  <td><Link href={`/orders/${encodeURIComponent(o.id)}`}>{o.number}</Link></td>
                  <td>{dateTime(o.createdAt)}</td>
                  <td>{o.email}</td>
                  <td>{o.channel.name}</td>
                  <td><span className={`status status-${o.status.toLowerCase()}`}>{label(o.status)}</span></td>
                  <td>{label(o.paymentStatus)}</td>
                  <td className="num">{money(o.total)}</td>
                </tr>
              ))}
              {rows.length === 0 && <tr><td colSpan={7}>No orders yet.</td></tr>}
            </tbody>
          </table>
          <Pager pager={pager} pageInfo={data.orders.pageInfo} total={data.orders.totalCount} />
        </>
      )}
    </>
  );
}
