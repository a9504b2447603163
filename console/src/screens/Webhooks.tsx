import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { newIdempotencyKey } from "../api";
import { Field, FormErrors, Loading, Pager, QueryError, settle, usePager, type UserErrorView } from "../components";
import { dateTime, label } from "../format";
import { graphql } from "../gql";
import type { WebhookDeliveryStatus } from "../gql/graphql";

const Endpoints = graphql(`
  query ConsoleWebhookEndpoints { webhookEndpoints { id url eventTypes description isActive createdAt } }
`);

const Deliveries = graphql(`
  query ConsoleWebhookDeliveries($status: WebhookDeliveryStatus, $first: Int!, $after: String) {
    webhookDeliveries(status: $status, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id eventId topic status attempts lastStatusCode lastError nextAttemptAt deliveredAt createdAt } }
    }
  }
`);

const EndpointCreate = graphql(`
  mutation ConsoleWebhookEndpointCreate($input: WebhookEndpointCreateInput!) {
    webhookEndpointCreate(input: $input) { endpoint { id } secret userErrors { code message field } }
  }
`);

const EndpointDeactivate = graphql(`
  mutation ConsoleWebhookEndpointDeactivate($input: WebhookEndpointDeactivateInput!) {
    webhookEndpointDeactivate(input: $input) { endpoint { id isActive } userErrors { code message field } }
  }
`);

const Retry = graphql(`
  mutation ConsoleWebhookDeliveryRetry($input: WebhookDeliveryRetryInput!) {
    webhookDeliveryRetry(input: $input) { delivery { id status } userErrors { code message field } }
  }
`);

export function Webhooks() {
  const [endpoints, refetchEndpoints] = useQuery({ query: Endpoints });
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [createState, create] = useMutation(EndpointCreate);
  const [, deactivate] = useMutation(EndpointDeactivate);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await create({ input: { url, description: description || null, idempotencyKey: newIdempotencyKey() } });
    const payload = result.data?.webhookEndpointCreate;
    if (settle(payload, setErrors)) {
      setSecret(payload.secret ?? null);
      setUrl(""); setDescription("");
      refetchEndpoints({ requestPolicy: "network-only" });
    }
  }

  async function stop(endpointId: string) {
    const result = await deactivate({ input: { endpointId, idempotencyKey: newIdempotencyKey() } });
    setErrors(result.data?.webhookEndpointDeactivate.userErrors ?? []);
    refetchEndpoints({ requestPolicy: "network-only" });
  }

  return (
    <>
      <h1>Webhooks</h1>
      <section aria-labelledby="endpoints-heading">
        <h2 id="endpoints-heading">Endpoints</h2>
        <QueryError error={endpoints.error} />
        {endpoints.fetching && !endpoints.data && <Loading what="endpoints" />}
        {endpoints.data && (
          <table aria-label="Endpoints">
            <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Description</th>
                       <th scope="col">Since</th><th scope="col">Active</th></tr></thead>
            <tbody>
              {endpoints.data.webhookEndpoints.map((e) => (
                <tr key={e.id}>
                  <td>{e.url}</td><td>{e.eventTypes.join(", ") || "All"}</td><td>{e.description}</td>
                  <td>{dateTime(e.createdAt)}</td>
                  <td>{e.isActive ? <button type="button" onClick={() => stop(e.id)}>Deactivate {e.url}</button> : "No"}</td>
                </tr>
              ))}
              {endpoints.data.webhookEndpoints.length === 0 && <tr><td colSpan={5}>No endpoints.</td></tr>}
            </tbody>
          </table>
        )}
        <form onSubmit={submit} aria-label="New endpoint" className="inline-form">
          <Field label="Endpoint URL" name="url" errors={errors}>
            {(props) => <input {...props} type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />}
          </Field>
          <Field label="Endpoint description" name="description" errors={errors}>
            {(props) => <input {...props} value={description} onChange={(e) => setDescription(e.target.value)} />}
          </Field>
          <button type="submit" disabled={createState.fetching}>Add endpoint</button>
          <FormErrors errors={errors} fields={["url", "description"]} />
        </form>
        {secret && <p role="status" className="notice">Signing secret (shown once; keep it now): <code>{secret}</code></p>}
      </section>
      <DeliveryLog />
    </>
  );
}

function DeliveryLog() {
  const [status, setStatus] = useState<WebhookDeliveryStatus | "">("");
  const pager = usePager();
  const [{ data, fetching, error }, refetch] = useQuery({
    query: Deliveries, variables: { status: status || null, first: 20, after: pager.after },
  });
  const [retryState, retry] = useMutation(Retry);
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);

  async function again(deliveryId: string) {
    const result = await retry({ input: { deliveryId, idempotencyKey: newIdempotencyKey() } });
    setErrors(result.data?.webhookDeliveryRetry.userErrors ?? []);
    refetch({ requestPolicy: "network-only" });
  }

  return (
    <section aria-labelledby="deliveries-heading">
      <h2 id="deliveries-heading">Deliveries</h2>
      <div className="filters">
        <div className="field">
          <label htmlFor="delivery-status">Status</label>
          <select id="delivery-status" value={status} onChange={(e) => { setStatus(e.target.value as WebhookDeliveryStatus | ""); pager.reset(); }}>
            <option value="">All</option>
            {(["PENDING", "RETRYING", "DELIVERED", "FAILED"] as const).map((s) => <option key={s} value={s}>{label(s)}</option>)}
          </select>
        </div>
      </div>
      <FormErrors errors={errors} fields={[]} />
      <QueryError error={error} />
      {fetching && !data && <Loading what="deliveries" />}
      {data && (
        <>
          <table aria-label="Deliveries">
            <thead><tr><th scope="col">Queued</th><th scope="col">Topic</th><th scope="col">Status</th>
                       <th scope="col">Attempts</th><th scope="col">Last answer</th><th scope="col">Action</th></tr></thead>
            <tbody>
              {data.webhookDeliveries.edges.map(({ node: d }) => (
                <tr key={d.id}>
                  <td>{dateTime(d.createdAt)}</td><td>{d.topic}</td><td>{label(d.status)}</td>
                  <td className="num">{d.attempts}</td>
                  <td>{d.lastStatusCode ?? ""} {d.lastError ?? ""}</td>
                  <td>{d.status === "FAILED" && (
                    <button type="button" disabled={retryState.fetching} onClick={() => again(d.id)}>Retry {d.topic}</button>
                  )}</td>
                </tr>
              ))}
              {data.webhookDeliveries.edges.length === 0 && <tr><td colSpan={6}>No deliveries.</td></tr>}
            </tbody>
          </table>
          <Pager pager={pager} pageInfo={data.webhookDeliveries.pageInfo} total={data.webhookDeliveries.totalCount} />
        </>
      )}
    </section>
  );
}
