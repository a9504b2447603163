// Follows one order the way a storefront does: graphql-ws's createClient (as used by Apollo Client,
// urql and Relay) over one WebSocket, subscribed to orderUpdated and fulfillmentUpdated.
//
//   COMMERCE_ACCESS_TOKEN=... node track-order.mjs --url ws://127.0.0.1:8000/graphql \
//     --order-id <global id> --order-events 2 --fulfillment-events 4 [--timeout-seconds 30]
//
// Prints one JSON line per received event on stdout, {"subscription": "<field>", ...the event}, and
// exits 0 once each subscription has received its expected number of events. Anything else ends it
// with a JSON line {"error": ...} and a non-zero status: an error from the server or the client
// library (1), or the timeout (2).
import { parseArgs } from "node:util";
import { createClient } from "graphql-ws";
import WebSocketFromWs from "ws";

const ORDER_UPDATED = `subscription($id: ID!) { orderUpdated(orderId: $id) {
  fromStatus toStatus order { id status } } }`;
const FULFILLMENT_UPDATED = `subscription($id: ID) { fulfillmentUpdated(orderId: $id) {
  fromStatus toStatus fulfillment { id status carrier trackingNumber } } }`;

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    "order-id": { type: "string" },
    "order-events": { type: "string", default: "0" },
    "fulfillment-events": { type: "string", default: "0" },
    "timeout-seconds": { type: "string", default: "30" },
  },
});
if (!args.url || !args["order-id"]) {
  console.error("usage: node track-order.mjs --url ws://.../graphql --order-id ID " +
    "[--order-events N] [--fulfillment-events N] [--timeout-seconds S]");
  process.exit(64);
}

let finished = false;
function finish(code, line) {
  if (finished) return;
  finished = true;
  if (line) process.stdout.write(JSON.stringify(line) + "\n");
  process.stdout.write("", () => process.exit(code)); // after everything written before
}

function describe(error) {
  if (Array.isArray(error)) return error.map((e) => e.message ?? String(e)); // GraphQL errors
  if (error && typeof error.code === "number") return { closeCode: error.code, reason: error.reason };
  return error instanceof Error ? error.message : String(error);
}

const token = process.env.COMMERCE_ACCESS_TOKEN;
const client = createClient({
  url: args.url,
  // Node 22+ and browsers have a WebSocket; Node 20 takes the `ws` package's.
  webSocketImpl: globalThis.WebSocket ?? WebSocketFromWs,
  connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  retryAttempts: 0, // report a failure instead of reconnecting
});

const expected = {
  orderUpdated: Number(args["order-events"]),
  fulfillmentUpdated: Number(args["fulfillment-events"]),
};
const received = { orderUpdated: 0, fulfillmentUpdated: 0 };
const queries = { orderUpdated: ORDER_UPDATED, fulfillmentUpdated: FULFILLMENT_UPDATED };

const timeoutSeconds = Number(args["timeout-seconds"]);
setTimeout(() => finish(2, { error: `timed out after ${timeoutSeconds} s`, received }),
  timeoutSeconds * 1000);

function done() {
  return Object.keys(expected).every((field) => received[field] >= expected[field]);
}

for (const field of Object.keys(expected)) {
  if (expected[field] === 0) continue;
  client.subscribe(
    { query: queries[field], variables: { id: args["order-id"] } },
    {
      next(result) {
        if (finished) return;
        if (result.errors) {
          finish(1, { error: describe(result.errors), subscription: field });
          return;
        }
        process.stdout.write(JSON.stringify({ subscription: field, ...result.data[field] }) + "\n");
        received[field] += 1;
        if (done()) finish(0);
      },
      error(error) {
        finish(1, { error: describe(error), subscription: field });
      },
      complete() {
        if (received[field] < expected[field]) {
          finish(1, { error: "completed early", subscription: field, received });
        }
      },
    },
  );
}
if (done()) finish(0);
