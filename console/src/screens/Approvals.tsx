import { useState } from "react";
import { useMutation, useQuery } from "urql";
import { newIdempotencyKey } from "../api";
import { Field, FormErrors, Loading, QueryError, settle, type UserErrorView } from "../components";
import { dateTime, label } from "../format";
import { graphql } from "../gql";
import type { ApprovalStatus, ConsoleApprovalsQuery } from "../gql/graphql";

const ApprovalsList = graphql(`
  query ConsoleApprovals($status: ApprovalStatus) {
    approvalRequests(status: $status) {
      id action subjectId status reason requestedBy decidedBy evidence createdAt decidedAt consumedAt
    }
  }
`);

const Decide = graphql(`
  mutation ConsoleApprovalDecide($input: ApprovalRequestDecideInput!) {
    approvalRequestDecide(input: $input) { approvalRequest { id status } userErrors { code message field } }
  }
`);

type ApprovalView = ConsoleApprovalsQuery["approvalRequests"][number];

/** Four eyes: decide with evidence; one's own requests wait for someone else. */
export function Approvals({ email }: { email: string }) {
  const [status, setStatus] = useState<ApprovalStatus | "">("PENDING");
  const [{ data, fetching, error }, refetch] = useQuery({ query: ApprovalsList, variables: { status: status || null } });
  return (
    <>
      <h1>Approvals</h1>
      <div className="filters">
        <div className="field">
          <label htmlFor="approval-status">Show</label>
          <select id="approval-status" value={status} onChange={(e) => setStatus(e.target.value as ApprovalStatus | "")}>
            <option value="PENDING">Waiting for a decision</option>
            <option value="APPROVED">Approved</option>
            <option value="REJECTED">Rejected</option>
            <option value="">All</option>
          </select>
        </div>
      </div>
      <QueryError error={error} />
      {fetching && !data && <Loading what="approvals" />}
      {data && data.approvalRequests.length === 0 && <p>Nothing waiting.</p>}
      {data?.approvalRequests.map((a) => (
        <ApprovalCard key={a.id} approval={a} mine={a.requestedBy === email}
                      onDecided={() => refetch({ requestPolicy: "network-only" })} />
      ))}
    </>
  );
}


function ApprovalCard({ approval: a, mine, onDecided }: { approval: ApprovalView; mine: boolean; onDecided: () => void }) {
  const [evidence, setEvidence] = useState("");
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [state, decide] = useMutation(Decide);

  async function submit(decision: "APPROVE" | "REJECT") {
    const result = await decide({ input: { approvalId: a.id, decision, evidence, idempotencyKey: newIdempotencyKey() } });
    const payload = result.data?.approvalRequestDecide;
    if (settle(payload, setErrors)) onDecided();
  }

  return (
    <article className="card" aria-label={`${label(a.action)} requested by ${a.requestedBy}`}>
      <h2>{label(a.action)} <span className={`status status-${a.status.toLowerCase()}`}>{label(a.status)}</span></h2>
      <p>{a.reason}</p>
      <p className="muted">Asked by {a.requestedBy} on {dateTime(a.createdAt)} · subject {a.subjectId} · approval {a.id}</p>
      {a.decidedBy && <p className="muted">Decided by {a.decidedBy} on {dateTime(a.decidedAt)}: {a.evidence}</p>}
      {a.status === "PENDING" && mine && <p className="notice">Your own request: another manager decides it.</p>}
      {a.status === "PENDING" && !mine && (
        <form className="inline-form" onSubmit={(e) => e.preventDefault()} aria-label={`Decide ${label(a.action)}`}>
          <Field label="Evidence" name="evidence" errors={errors}>
            {(props) => <textarea {...props} value={evidence} onChange={(e) => setEvidence(e.target.value)} />}
          </Field>
          <div className="buttons">
            <button type="button" disabled={state.fetching} onClick={() => submit("APPROVE")}>Approve</button>
            <button type="button" disabled={state.fetching} onClick={() => submit("REJECT")}>Reject</button>
          </div>
          <FormErrors errors={errors} fields={["evidence"]} />
        </form>
      )}
    </article>
  );
}
