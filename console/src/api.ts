// The GraphQL client: urql over HTTP with the signed-in member's bearer token (refreshed once on a
// 401, or shortly before it expires), graphql-ws for subscriptions on the same /graphql path. The
// API decides what each request may do; a refused refresh ends the session (back to sign-in, on
// the same page).
import { createClient as createWsClient } from "graphql-ws";
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from "urql";
import { graphql } from "./gql";
import { currentSession, saveSession } from "./session";

const TokenRefresh = graphql(`
  mutation ConsoleTokenRefresh($input: TokenRefreshInput!) {
    tokenRefresh(input: $input) { accessToken refreshToken userErrors { code message field } }
  }
`);

/** A client without a token, for signing in and refreshing. */
export const publicClient = new Client({
  url: "/graphql",
  exchanges: [fetchExchange],
  preferGetMethod: false,
  requestPolicy: "network-only",
});

function expiresAt(token: string): number {
  try {
    const claims = JSON.parse(atob((token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/")));
    return typeof claims.exp === "number" ? claims.exp * 1000 : 0;
  } catch {
    return 0;
  }
}

let refreshing: Promise<string | null> | null = null;

async function refresh(): Promise<string | null> {
  const session = currentSession();
  if (!session) return null;
  const result = await publicClient
    .mutation(TokenRefresh, { input: { refreshToken: session.refreshToken } })
    .toPromise();
  const payload = result.data?.tokenRefresh;
  if (!payload?.accessToken || !payload.refreshToken) {
    if (result.error?.networkError) return null; // offline: keep the session, try again later
    saveSession(null, { expired: true });
    return null;
  }
  saveSession({ ...session, accessToken: payload.accessToken, refreshToken: payload.refreshToken });
  return payload.accessToken;
}

/** One refresh at a time, however many requests find the token stale together. */
export function refreshAccessToken(): Promise<string | null> {
  refreshing ??= refresh().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function freshToken(): Promise<string | null> {
  const session = currentSession();
  if (!session) return null;
  if (expiresAt(session.accessToken) - Date.now() < 30_000) return refreshAccessToken();
  return session.accessToken;
}

async function authorizedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const send = (token: string | null) => {
    const headers = new Headers(init?.headers);
    if (token) headers.set("Authorization", `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  let response = await send(await freshToken());
  if (response.status === 401 && currentSession()) {
    const token = await refreshAccessToken();
    if (token) response = await send(token);
    else if (!currentSession()) return response;
  }
  return response;
}

/** The client of one sign-in: its WebSocket closes with it. */
export function createApiClient(): { client: Client; close: () => void } {
  const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
  const ws = createWsClient({
    url: wsUrl,
    lazy: true,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => currentSession() !== null,
    connectionParams: async () => {
      const token = await freshToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
  });
  const client = new Client({
    url: "/graphql",
    preferGetMethod: false,
    requestPolicy: "cache-and-network",
    fetch: authorizedFetch,
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || "" };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return { client, close: () => void ws.dispose() };
}

/** A retry key for one user action (the API replays the first result for the same key). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
