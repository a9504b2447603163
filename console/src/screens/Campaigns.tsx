import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { newIdempotencyKey } from "../api";
import { Field, FormErrors, Loading, Pager, QueryError, settle, usePager, type UserErrorView } from "../components";
import { dateTime, label, money } from "../format";
import { graphql } from "../gql";
import type { CampaignStatus, DiscountType } from "../gql/graphql";
import { may } from "../permissions";
import type { Role } from "../session";

const CampaignList = graphql(`
  query ConsoleCampaigns($first: Int!, $after: String) {
    campaigns(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id name status discountType discountValue startsAt endsAt code usageLimit timesUsed
          minSubtotal { amount currency } channels { slug }
        }
      }
    }
  }
`);

const StatusUpdate = graphql(`
  mutation ConsoleCampaignStatus($input: CampaignStatusUpdateInput!) {
    campaignStatusUpdate(input: $input) { campaign { id status } userErrors { code message field } }
  }
`);

const Create = graphql(`
  mutation ConsoleCampaignCreate($input: CampaignCreateInput!) {
    campaignCreate(input: $input) { campaign { id } userErrors { code message field } }
  }
`);

const STATUSES: CampaignStatus[] = ["DRAFT", "SCHEDULED", "ACTIVE", "PAUSED", "ENDED"];

export function Campaigns({ roles }: { roles: Role[] }) {
  const pager = usePager();
  const [{ data, fetching, error }, refetch] = useQuery({ query: CampaignList, variables: { first: 20, after: pager.after } });
  const reload = () => refetch({ requestPolicy: "network-only" });
  const editable = may(roles, "manageCatalog");
  return (
    <>
      <h1>Campaigns</h1>
      {editable && <CampaignForm onCreated={reload} />}
      <QueryError error={error} />
      {fetching && !data && <Loading what="campaigns" />}
      {data && (
        <>
          <table aria-label="Campaigns">
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Code</th><th scope="col">Discount</th>
                  <th scope="col">Window</th><th scope="col">Used</th><th scope="col">Status</th></tr>
            </thead>
            <tbody>
              {data.campaigns.edges.map(({ node: c }) => (
                <tr key={c.id}>
                  <td>{c.name}</td>
                  <td>{c.code ?? "Automatic"}</td>
                  <td>{c.discountType === "PERCENTAGE" ? `${c.discountValue}%` : c.discountType === "FREE_SHIPPING"
                    ? "Free shipping" : money({ amount: c.discountValue, currency: c.minSubtotal?.currency ?? "USD" })}
                    {c.minSubtotal && <> over {money(c.minSubtotal)}</>}</td>
                  <td>{c.startsAt ? dateTime(c.startsAt) : "Any time"} – {c.endsAt ? dateTime(c.endsAt) : "open"}</td>
                  <td className="num">{c.timesUsed}{c.usageLimit ? ` / ${c.usageLimit}` : ""}</td>
                  <td>{editable ? <StatusControl id={c.id} name={c.name} status={c.status} onDone={reload} /> : label(c.status)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager pager={pager} pageInfo={data.campaigns.pageInfo} total={data.campaigns.totalCount} />
        </>
      )}
    </>
  );
}

function StatusControl({ id, name, status, onDone }: { id: string; name: string; status: CampaignStatus; onDone: () => void }) {
  const [next, setNext] = useState<CampaignStatus>(status);
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [state, update] = useMutation(StatusUpdate);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await update({ input: { campaignId: id, status: next, idempotencyKey: newIdempotencyKey() } });
    const payload = result.data?.campaignStatusUpdate;
    if (settle(payload, setErrors)) onDone();
  }
  return (
    <form onSubmit={submit} className="inline-form compact" aria-label={`Status of ${name}`}>
      <Field label={`Status of ${name}`} name="status" errors={errors}>
        {(props) => (
          <select {...props} value={next} onChange={(e) => setNext(e.target.value as CampaignStatus)}>
            {STATUSES.map((s) => <option key={s} value={s}>{label(s)}</option>)}
          </select>
        )}
      </Field>
      <button type="submit" disabled={state.fetching || next === status}>Change status</button>
      <FormErrors errors={errors} fields={["status"]} />
    </form>
  );
}

function CampaignForm({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [code, setCode] = useState("");
  const [discountType, setDiscountType] = useState<DiscountType>("PERCENTAGE");
  const [discountValue, setDiscountValue] = useState("");
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [state, create] = useMutation(Create);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await create({ input: { name, code: code || null, discountType, discountValue: discountValue || "0",
                                           idempotencyKey: newIdempotencyKey() } });
    const payload = result.data?.campaignCreate;
    if (settle(payload, setErrors)) {
      setName(""); setCode(""); setDiscountValue("");
      onCreated();
    }
  }
  return (
    <details className="card">
      <summary>New campaign</summary>
      <form onSubmit={submit} aria-label="New campaign" className="inline-form">
        <Field label="Campaign name" name="name" errors={errors}>
          {(props) => <input {...props} required value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Code (empty: applies automatically)" name="code" errors={errors}>
          {(props) => <input {...props} value={code} onChange={(e) => setCode(e.target.value)} />}
        </Field>
        <Field label="Discount type" name="discountType" errors={errors}>
          {(props) => (
            <select {...props} value={discountType} onChange={(e) => setDiscountType(e.target.value as DiscountType)}>
              <option value="PERCENTAGE">Percentage</option>
              <option value="FIXED_AMOUNT">Fixed amount</option>
              <option value="FREE_SHIPPING">Free shipping</option>
            </select>
          )}
        </Field>
        <Field label="Discount value" name="discountValue" errors={errors}>
          {(props) => <input {...props} inputMode="decimal" value={discountValue} onChange={(e) => setDiscountValue(e.target.value)} />}
        </Field>
        <button type="submit" disabled={state.fetching}>Create campaign</button>
        <FormErrors errors={errors} fields={["name", "code", "discountType", "discountValue"]} />
      </form>
    </details>
  );
}
