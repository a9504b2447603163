import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import { Link } from "wouter";
import { newIdempotencyKey } from "../api";
import { Field, FormErrors, Loading, QueryError, UNREACHABLE, type UserErrorView } from "../components";
import { dateTime, label, money } from "../format";
import { graphql } from "../gql";
import type { ConsoleOrderQuery } from "../gql/graphql";
import { may } from "../permissions";
import type { Role } from "../session";

const Order = graphql(`
  query ConsoleOrder($id: ID!, $withAudit: Boolean!) {
    order(id: $id) {
      id number status paymentStatus email createdAt availableTransitions deliveryMethodName
      subtotal { amount currency } discount { amount currency } shipping { amount currency }
      shippingDiscount { amount currency } shippingRefunded { amount currency } total { amount currency }
      shippingAddress { name line1 line2 city postalCode country phone }
      channel { name } campaign { name }
      lines {
        id productName sku quantity quantityFulfilled quantityReturned
        unitPrice { amount currency } discount { amount currency } paidTotal { amount currency }
      }
      fulfillments {
        id status carrier trackingNumber updatedAt availableTransitions warehouse { name }
        lines { quantity orderLine { id sku } }
      }
      returnRequests {
        id status reason note createdAt refundAmount { amount currency }
        lines { quantity orderLine { sku } }
      }
    }
    auditEvents(first: 100, subjectId: $id) @include(if: $withAudit) {
      edges { node { id sequence occurredAt actor action fromStatus toStatus } }
    }
  }
`);

const OrderChanged = graphql(`
  subscription ConsoleOrderChanged($orderId: ID!) { orderUpdated(orderId: $orderId) { toStatus occurredAt } }
`);

const FulfillmentChanged = graphql(`
  subscription ConsoleFulfillmentChanged($orderId: ID!) {
    fulfillmentUpdated(orderId: $orderId) { toStatus occurredAt }
  }
`);

const OrderCancel = graphql(`
  mutation ConsoleOrderCancel($input: OrderCancelInput!) {
    orderCancel(input: $input) { order { id status } userErrors { code message field } }
  }
`);

const FulfillmentCreate = graphql(`
  mutation ConsoleFulfillmentCreate($input: FulfillmentCreateInput!) {
    fulfillmentCreate(input: $input) { fulfillment { id status } userErrors { code message field } }
  }
`);

const FulfillmentUpdate = graphql(`
  mutation ConsoleFulfillmentUpdate($input: FulfillmentUpdateInput!) {
    fulfillmentUpdate(input: $input) { fulfillment { id status } userErrors { code message field } }
  }
`);

const ReturnApprove = graphql(`
  mutation ConsoleReturnApprove($input: ReturnRequestDecisionInput!) {
    returnRequestApprove(input: $input) { returnRequest { id status } userErrors { code message field } }
  }
`);
const ReturnReject = graphql(`
  mutation ConsoleReturnReject($input: ReturnRequestDecisionInput!) {
    returnRequestReject(input: $input) { returnRequest { id status } userErrors { code message field } }
  }
`);
const ReturnReceive = graphql(`
  mutation ConsoleReturnReceive($input: ReturnRequestDecisionInput!) {
    returnRequestReceive(input: $input) { returnRequest { id status } userErrors { code message field } }
  }
`);
const ReturnRefund = graphql(`
  mutation ConsoleReturnRefund($input: ReturnRequestDecisionInput!) {
    returnRequestRefund(input: $input) { returnRequest { id status refundAmount { amount currency } } userErrors { code message field } }
  }
`);

type OrderView = NonNullable<ConsoleOrderQuery["order"]>;

const STEP_NAMES: Record<string, string> = {
  PICKED: "Mark picked", SHIPPED: "Mark shipped", IN_TRANSIT: "Mark in transit", DELIVERED: "Mark delivered",
  CANCELLED: "Cancel fulfillment",
};

export function OrderDetail({ id, roles }: { id: string; roles: Role[] }) {
  const orderId = decodeURIComponent(id);
  const [{ data, fetching, error }, refetch] = useQuery({
    query: Order, variables: { id: orderId, withAudit: may(roles, "readAudit") }, requestPolicy: "cache-and-network",
  });
  const reload = () => refetch({ requestPolicy: "network-only" });
  useSubscription({ query: OrderChanged, variables: { orderId } }, () => { reload(); return null; });
  useSubscription({ query: FulfillmentChanged, variables: { orderId } }, () => { reload(); return null; });

  if (error) return <QueryError error={error} />;
  if (fetching && !data) return <Loading what="the order" />;
  const order = data?.order;
  if (!order) {
    return <section><h1>Order not found</h1><p><Link href="/orders">Back to orders</Link></p></section>;
  }
  return (
    <>
      <p><Link href="/orders">← Orders</Link></p>
      <h1>Order {order.number}</h1>
      <dl className="facts">
        <div><dt>Status</dt><dd data-testid="order-status"><span className={`status status-${order.status.toLowerCase()}`}>{label(order.status)}</span></dd></div>
        <div><dt>Payment</dt><dd>{label(order.paymentStatus)}</dd></div>
        <div><dt>Placed</dt><dd>{dateTime(order.createdAt)}</dd></div>
        <div><dt>Customer</dt><dd>{order.email}</dd></div>
        <div><dt>Channel</dt><dd>{order.channel.name}</dd></div>
        <div><dt>Campaign</dt><dd>{order.campaign?.name ?? "None"}</dd></div>
        <div><dt>Delivery</dt><dd>{order.deliveryMethodName}</dd></div>
        <div><dt>Ship to</dt><dd>{[order.shippingAddress.name, order.shippingAddress.line1, order.shippingAddress.line2,
          `${order.shippingAddress.postalCode} ${order.shippingAddress.city}`, order.shippingAddress.country.toUpperCase()]
          .filter(Boolean).join(", ")}</dd></div>
      </dl>
      <OrderActions order={order} roles={roles} onDone={reload} />
      <Lines order={order} />
      <Fulfillments order={order} onDone={reload} />
      <Returns order={order} roles={roles} onDone={reload} />
      {data?.auditEvents && (
        <section aria-labelledby="audit-heading">
          <h2 id="audit-heading">Audit timeline</h2>
          <ol className="timeline">
            {data.auditEvents.edges.map(({ node: e }) => (
              <li key={e.id}>
                <time dateTime={e.occurredAt}>{dateTime(e.occurredAt)}</time> · {e.action}
                {e.toStatus && <> · {e.fromStatus ? `${label(e.fromStatus)} → ` : ""}{label(e.toStatus)}</>} · {e.actor}
              </li>
            ))}
          </ol>
        </section>
      )}
    </>
  );
}

function Lines({ order }: { order: OrderView }) {
  return (
    <section aria-labelledby="lines-heading">
      <h2 id="lines-heading">Lines</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Product</th><th scope="col">SKU</th><th scope="col">Quantity</th>
            <th scope="col">Fulfilled</th><th scope="col">Returned</th><th scope="col">Unit price</th>
            <th scope="col">Discount</th><th scope="col">Paid</th>
          </tr>
        </thead>
        <tbody>
          {order.lines.map((l) => (
            <tr key={l.id}>
              <td>{l.productName}</td><td>{l.sku}</td><td className="num">{l.quantity}</td>
              <td className="num">{l.quantityFulfilled}</td><td className="num">{l.quantityReturned}</td>
              <td className="num">{money(l.unitPrice)}</td><td className="num">{money(l.discount)}</td>
              <td className="num">{money(l.paidTotal)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr><th scope="row" colSpan={7}>Subtotal</th><td className="num">{money(order.subtotal)}</td></tr>
          <tr><th scope="row" colSpan={7}>Discount</th><td className="num">{money(order.discount)}</td></tr>
          <tr><th scope="row" colSpan={7}>Shipping</th><td className="num">{money(order.shipping)}</td></tr>
          <tr><th scope="row" colSpan={7}>Total</th><td className="num">{money(order.total)}</td></tr>
        </tfoot>
      </table>
    </section>
  );
}

/** Buttons for exactly the moves the API lists in availableTransitions. */
function OrderActions({ order, roles, onDone }: { order: OrderView; roles: Role[]; onDone: () => void }) {
  const [reason, setReason] = useState("");
  const [approvalId, setApprovalId] = useState("");
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [cancelState, cancel] = useMutation(OrderCancel);
  const [createState, create] = useMutation(FulfillmentCreate);
  const transitions = order.availableTransitions;
  const unfulfilled = order.lines.some((l) => l.quantityFulfilled < l.quantity);
  const mayStart = transitions.includes("PROCESSING") || (order.status === "PROCESSING" && unfulfilled && may(roles, "fulfil"));
  if (!transitions.includes("CANCELLED") && !mayStart) return null;

  async function submitCancel(event: FormEvent) {
    event.preventDefault();
    const result = await cancel({ input: { orderId: order.id, reason, approvalId: approvalId || null,
                                           idempotencyKey: newIdempotencyKey() } });
    const payload = result.data?.orderCancel;
    setErrors(payload?.userErrors ?? []);
    if (payload && !payload.userErrors.length) onDone();
  }

  async function startFulfillment() {
    const result = await create({ input: { orderId: order.id, idempotencyKey: newIdempotencyKey() } });
    const payload = result.data?.fulfillmentCreate;
    setErrors(payload?.userErrors ?? []);
    if (payload && !payload.userErrors.length) onDone();
  }

  return (
    <section aria-labelledby="actions-heading">
      <h2 id="actions-heading">Actions</h2>
      {mayStart && (
        <p><button type="button" onClick={startFulfillment} disabled={createState.fetching}>Create fulfillment</button></p>
      )}
      {transitions.includes("CANCELLED") && (
        <form onSubmit={submitCancel} aria-label="Cancel order" className="inline-form">
          <Field label="Reason for cancelling" name="reason" errors={errors}>
            {(props) => <input {...props} value={reason} onChange={(e) => setReason(e.target.value)} />}
          </Field>
          <Field label="Approval (when one is needed)" name="approvalId" errors={errors}>
            {(props) => <input {...props} value={approvalId} onChange={(e) => setApprovalId(e.target.value)} />}
          </Field>
          <button type="submit" disabled={cancelState.fetching}>Cancel order</button>
        </form>
      )}
      <FormErrors errors={errors} fields={["reason", "approvalId"]} />
    </section>
  );
}

function Fulfillments({ order, onDone }: { order: OrderView; onDone: () => void }) {
  if (!order.fulfillments.length) return null;
  return (
    <section aria-labelledby="fulfillments-heading">
      <h2 id="fulfillments-heading">Fulfillments</h2>
      {order.fulfillments.map((f, index) => (
        <FulfillmentCard key={f.id} fulfillment={f} index={index + 1} onDone={onDone} />
      ))}
    </section>
  );
}

function FulfillmentCard({ fulfillment: f, index, onDone }: {
  fulfillment: OrderView["fulfillments"][number]; index: number; onDone: () => void;
}) {
  const [carrier, setCarrier] = useState(f.carrier ?? "");
  const [tracking, setTracking] = useState(f.trackingNumber ?? "");
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [state, update] = useMutation(FulfillmentUpdate);
  const needsTracking = f.availableTransitions.includes("SHIPPED");

  async function move(status: string) {
    const result = await update({ input: {
      fulfillmentId: f.id, status: status as never, idempotencyKey: newIdempotencyKey(),
      carrier: status === "SHIPPED" ? carrier || null : null,
      trackingNumber: status === "SHIPPED" ? tracking || null : null,
    } });
    const payload = result.data?.fulfillmentUpdate;
    setErrors(payload?.userErrors ?? []);
    if (payload && !payload.userErrors.length) onDone();
  }

  return (
    <article className="card" aria-label={`Fulfillment ${index}`}>
      <h3>Fulfillment {index}: <span className={`status status-${f.status.toLowerCase()}`}>{label(f.status)}</span></h3>
      <p className="muted">
        From {f.warehouse.name} · updated {dateTime(f.updatedAt)}
        {f.carrier && <> · {f.carrier} {f.trackingNumber}</>}
      </p>
      <ul>{f.lines.map((l) => <li key={l.orderLine.id}>{l.quantity} × {l.orderLine.sku}</li>)}</ul>
      {needsTracking && (
        <div className="inline-form">
          <Field label="Carrier" name="carrier" errors={errors}>
            {(props) => <input {...props} value={carrier} onChange={(e) => setCarrier(e.target.value)} />}
          </Field>
          <Field label="Tracking number" name="trackingNumber" errors={errors}>
            {(props) => <input {...props} value={tracking} onChange={(e) => setTracking(e.target.value)} />}
          </Field>
        </div>
      )}
      <div className="buttons">
        {f.availableTransitions.map((status) => (
          <button key={status} type="button" disabled={state.fetching} onClick={() => move(status)}>
            {STEP_NAMES[status] ?? label(status)}
          </button>
        ))}
      </div>
      <FormErrors errors={errors} fields={["carrier", "trackingNumber"]} />
    </article>
  );
}

function Returns({ order, roles, onDone }: { order: OrderView; roles: Role[]; onDone: () => void }) {
  if (!order.returnRequests.length) return null;
  return (
    <section aria-labelledby="returns-heading">
      <h2 id="returns-heading">Returns</h2>
      {order.returnRequests.map((r, index) => (
        <ReturnCard key={r.id} request={r} index={index + 1} roles={roles} onDone={onDone} />
      ))}
    </section>
  );
}

export function ReturnCard({ request: r, index, roles, onDone }: {
  request: { id: string; status: string; reason: string; note?: string | null; createdAt: string;
             refundAmount?: { amount: string; currency: string } | null;
             lines: readonly { quantity: number; orderLine: { sku: string } }[] };
  index: number; roles: Role[]; onDone: () => void;
}) {
  const [note, setNote] = useState("");
  const [approvalId, setApprovalId] = useState("");
  const [refundShipping, setRefundShipping] = useState(false);
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [, approve] = useMutation(ReturnApprove);
  const [, reject] = useMutation(ReturnReject);
  const [, receive] = useMutation(ReturnReceive);
  const [refundState, refund] = useMutation(ReturnRefund);

  const actions: { name: string; run: () => Promise<readonly UserErrorView[] | undefined> }[] = [];
  const input = () => ({ returnRequestId: r.id, note: note || null, approvalId: approvalId || null,
                         refundShipping, idempotencyKey: newIdempotencyKey() });
  if (r.status === "REQUESTED" && may(roles, "decideReturn")) {
    actions.push({ name: "Approve return", run: async () => (await approve({ input: input() })).data?.returnRequestApprove.userErrors });
    actions.push({ name: "Reject return", run: async () => (await reject({ input: input() })).data?.returnRequestReject.userErrors });
  }
  if (r.status === "APPROVED" && may(roles, "receiveReturn")) {
    actions.push({ name: "Mark received", run: async () => (await receive({ input: input() })).data?.returnRequestReceive.userErrors });
  }
  if (r.status === "RECEIVED" && may(roles, "decideReturn")) {
    actions.push({ name: "Refund", run: async () => (await refund({ input: input() })).data?.returnRequestRefund.userErrors });
  }

  async function run(action: (typeof actions)[number]) {
    const found = await action.run();
    setErrors(found ?? [UNREACHABLE]);
    if (found && !found.length) onDone();
  }

  return (
    <article className="card" aria-label={`Return ${index}`}>
      <h3>Return {index}: <span className={`status status-${r.status.toLowerCase()}`}>{label(r.status)}</span></h3>
      <p className="muted">Asked {dateTime(r.createdAt)} · {r.reason}{r.note ? ` · ${r.note}` : ""}
        {r.refundAmount && <> · refunded {money(r.refundAmount)}</>}</p>
      <ul>{r.lines.map((l, i) => <li key={i}>{l.quantity} × {l.orderLine.sku}</li>)}</ul>
      {actions.length > 0 && (
        <div className="inline-form">
          <Field label="Note" name="note" errors={errors}>
            {(props) => <input {...props} value={note} onChange={(e) => setNote(e.target.value)} />}
          </Field>
          {r.status === "RECEIVED" && (
            <>
              <Field label="Approval (refunds above the limit)" name="approvalId" errors={errors}>
                {(props) => <input {...props} value={approvalId} onChange={(e) => setApprovalId(e.target.value)} />}
              </Field>
              <div className="field checkbox">
                <input id={`${r.id}-shipping`} type="checkbox" checked={refundShipping}
                       onChange={(e) => setRefundShipping(e.target.checked)} />
                <label htmlFor={`${r.id}-shipping`}>Refund shipping too</label>
              </div>
            </>
          )}
        </div>
      )}
      <div className="buttons">
        {actions.map((a) => (
          <button key={a.name} type="button" disabled={refundState.fetching} onClick={() => run(a)}>{a.name}</button>
        ))}
      </div>
      <FormErrors errors={errors} fields={["note", "approvalId"]} />
    </article>
  );
}
