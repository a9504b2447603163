import { useState } from "react";
import { useQuery } from "urql";
import { Link } from "wouter";
import { Loading, Pager, QueryError, usePager } from "../components";
import { graphql } from "../gql";
import type { ReturnStatus } from "../gql/graphql";
import type { Role } from "../session";
import { ReturnCard } from "./OrderDetail";

const ReturnsList = graphql(`
  query ConsoleReturns($status: ReturnStatus, $first: Int!, $after: String) {
    returnRequests(status: $status, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id status reason note createdAt refundAmount { amount currency }
          order { id number }
          lines { quantity orderLine { sku } }
        }
      }
    }
  }
`);

const STATUSES: ReturnStatus[] = ["REQUESTED", "APPROVED", "RECEIVED", "REFUNDED", "REJECTED", "CLOSED"];

export function Returns({ roles }: { roles: Role[] }) {
  const [status, setStatus] = useState<ReturnStatus | "">("REQUESTED");
  const pager = usePager();
  const [{ data, fetching, error }, refetch] = useQuery({
    query: ReturnsList, variables: { status: status || null, first: 20, after: pager.after },
  });
  return (
    <>
      <h1>Returns</h1>
      <div className="filters">
        <div className="field">
          <label htmlFor="return-status">Status</label>
          <select id="return-status" value={status} onChange={(e) => { setStatus(e.target.value as ReturnStatus | ""); pager.reset(); }}>
            {STATUSES.map((s) => <option key={s} value={s}>{s.charAt(0) + s.slice(1).toLowerCase()}</option>)}
            <option value="">All</option>
          </select>
        </div>
      </div>
      <QueryError error={error} />
      {fetching && !data && <Loading what="returns" />}
      {data && (
        <>
          {data.returnRequests.edges.length === 0 && <p>No returns here.</p>}
          {data.returnRequests.edges.map(({ node }, i) => (
            <div key={node.id}>
              <p>Order <Link href={`/orders/${encodeURIComponent(node.order.id)}`}>{node.order.number}</Link></p>
              <ReturnCard request={node} index={i + 1} roles={roles} onDone={() => refetch({ requestPolicy: "network-only" })} />
            </div>
          ))}
          <Pager pager={pager} pageInfo={data.returnRequests.pageInfo} total={data.returnRequests.totalCount} />
        </>
      )}
    </>
  );
}

