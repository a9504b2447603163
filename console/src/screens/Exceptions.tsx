import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import { newIdempotencyKey } from "../api";
import { Field, FormErrors, Loading, Pager, QueryError, settle, usePager, type UserErrorView } from "../components";
import { dateTime, label } from "../format";
import { graphql } from "../gql";
import type { ConsoleExceptionsQuery, ExceptionStatus } from "../gql/graphql";

const ExceptionsList = graphql(`
  query ConsoleExceptions($status: ExceptionStatus, $first: Int!, $after: String) {
    operationalExceptions(status: $status, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id kind status subjectId summary detectedAt resolvedAt resolvedBy resolution } }
    }
  }
`);

const ExceptionFeed = graphql(`
  subscription ConsoleExceptionFeed { operationalExceptionChanged { id status } }
`);

const Resolve = graphql(`
  mutation ConsoleExceptionResolve($input: OperationalExceptionResolveInput!) {
    operationalExceptionResolve(input: $input) { exception { id status } userErrors { code message field } }
  }
`);

type ExceptionView = ConsoleExceptionsQuery["operationalExceptions"]["edges"][number]["node"];

/** What needs a person: open first, live (a new or cleared exception reloads the list). */
export function Exceptions() {
  const [status, setStatus] = useState<ExceptionStatus | "">("OPEN");
  const pager = usePager();
  const [{ data, fetching, error }, refetch] = useQuery({
    query: ExceptionsList, variables: { status: status || null, first: 20, after: pager.after },
  });
  useSubscription({ query: ExceptionFeed }, () => {
    refetch({ requestPolicy: "network-only" });
    return null;
  });
  return (
    <>
      <h1>Exceptions</h1>
      <div className="filters">
        <div className="field">
          <label htmlFor="exception-status">Show</label>
          <select id="exception-status" value={status} onChange={(e) => { setStatus(e.target.value as ExceptionStatus | ""); pager.reset(); }}>
            <option value="OPEN">Open</option>
            <option value="RESOLVED">Resolved</option>
            <option value="">All</option>
          </select>
        </div>
      </div>
      <QueryError error={error} />
      {fetching && !data && <Loading what="exceptions" />}
      {data && (
        <>
          <table aria-label="Exceptions">
            <thead>
              <tr><th scope="col">Detected</th><th scope="col">Kind</th><th scope="col">Summary</th>
                  <th scope="col">Status</th><th scope="col">Resolution</th></tr>
            </thead>
            <tbody>
              {data.operationalExceptions.edges.map(({ node }) => (
                <ExceptionRow key={node.id} exception={node} onResolved={() => refetch({ requestPolicy: "network-only" })} />
              ))}
              {data.operationalExceptions.edges.length === 0 && <tr><td colSpan={5}>Nothing here.</td></tr>}
            </tbody>
          </table>
          <Pager pager={pager} pageInfo={data.operationalExceptions.pageInfo} total={data.operationalExceptions.totalCount} />
        </>
      )}
    </>
  );
}


function ExceptionRow({ exception: x, onResolved }: { exception: ExceptionView; onResolved: () => void }) {
  const [note, setNote] = useState("");
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [state, resolve] = useMutation(Resolve);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await resolve({ input: { exceptionId: x.id, resolution: note, idempotencyKey: newIdempotencyKey() } });
    const payload = result.data?.operationalExceptionResolve;
    if (settle(payload, setErrors)) onResolved();
  }

  return (
    <tr>
      <td>{dateTime(x.detectedAt)}</td>
      <td>{label(x.kind)}</td>
      <td>{x.summary}</td>
      <td>{label(x.status)}</td>
      <td>
        {x.status === "OPEN" ? (
          <form onSubmit={submit} aria-label={`Resolve: ${x.summary}`} className="inline-form">
            <Field label="Resolution note" name="resolution" errors={errors}>
              {(props) => <input {...props} value={note} onChange={(e) => setNote(e.target.value)} />}
            </Field>
            <button type="submit" disabled={state.fetching}>Resolve</button>
            <FormErrors errors={errors} fields={["resolution"]} />
          </form>
        ) : (
          <>{x.resolution} {x.resolvedBy && <span className="muted">({x.resolvedBy}, {dateTime(x.resolvedAt)})</span>}</>
        )}
      </td>
    </tr>
  );
}
