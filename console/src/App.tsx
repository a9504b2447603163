import { useEffect, useMemo, useState } from "react";
import { Provider } from "urql";
import { Link, Route, Router, Switch, useLocation } from "wouter";
import { createApiClient, publicClient } from "./api";
import { NotAllowed } from "./components";
import { graphql } from "./gql";
import { mayUse, type Screen } from "./permissions";
import { Approvals } from "./screens/Approvals";
import { Campaigns } from "./screens/Campaigns";
import { Catalog } from "./screens/Catalog";
import { Collections } from "./screens/Collections";
import { Exceptions } from "./screens/Exceptions";
import { LiveOrders } from "./screens/LiveOrders";
import { OrderDetail } from "./screens/OrderDetail";
import { Overview } from "./screens/Overview";
import { Returns } from "./screens/Returns";
import { SignIn } from "./screens/SignIn";
import { Webhooks } from "./screens/Webhooks";
import { onSessionChange, saveSession, sessionState, type Session } from "./session";

const TokenRevoke = graphql(`
  mutation ConsoleTokenRevoke($input: TokenRevokeInput!) {
    tokenRevoke(input: $input) { userErrors { code message } }
  }
`);

const NAV: { screen: Screen; path: string; label: string }[] = [
  { screen: "overview", path: "/", label: "Overview" },
  { screen: "orders", path: "/orders", label: "Orders" },
  { screen: "exceptions", path: "/exceptions", label: "Exceptions" },
  { screen: "approvals", path: "/approvals", label: "Approvals" },
  { screen: "returns", path: "/returns", label: "Returns" },
  { screen: "catalog", path: "/catalog", label: "Catalog" },
  { screen: "collections", path: "/collections", label: "Collections" },
  { screen: "campaigns", path: "/campaigns", label: "Campaigns" },
  { screen: "webhooks", path: "/webhooks", label: "Webhooks" },
];

function Guard({ session, screen, children }: { session: Session; screen: Screen; children: React.ReactNode }) {
  return mayUse(session.roles, screen) ? <>{children}</> : <NotAllowed />;
}

function Shell({ session }: { session: Session }) {
  const [location] = useLocation();
  const api = useMemo(() => createApiClient(), [session.email, session.signedInAt]);
  useEffect(() => api.close, [api]);

  async function signOut() {
    await publicClient.mutation(TokenRevoke, { input: { refreshToken: session.refreshToken } }).toPromise();
    saveSession(null);
  }

  return (
    <Provider value={api.client}>
      <a className="skip" href="#main">Skip to content</a>
      <header className="topbar">
        <span className="brand">Commerce console</span>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((item) => mayUse(session.roles, item.screen)).map((item) => {
              const current = item.path === "/" ? location === "/" : location.startsWith(item.path);
              return (
                <li key={item.path}>
                  <Link href={item.path} aria-current={current ? "page" : undefined}>{item.label}</Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <span className="who">{session.email} · {session.roles.join(", ")}</span>
        <button type="button" onClick={signOut}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        <Switch>
          <Route path="/"><Guard session={session} screen="overview"><Overview roles={session.roles} /></Guard></Route>
          <Route path="/orders"><Guard session={session} screen="orders"><LiveOrders /></Guard></Route>
          <Route path="/orders/:id">
            {(params) => <Guard session={session} screen="orders"><OrderDetail id={params.id} roles={session.roles} /></Guard>}
          </Route>
          <Route path="/exceptions"><Guard session={session} screen="exceptions"><Exceptions /></Guard></Route>
          <Route path="/approvals"><Guard session={session} screen="approvals"><Approvals email={session.email} /></Guard></Route>
          <Route path="/returns"><Guard session={session} screen="returns"><Returns roles={session.roles} /></Guard></Route>
          <Route path="/catalog"><Guard session={session} screen="catalog"><Catalog roles={session.roles} /></Guard></Route>
          <Route path="/collections"><Guard session={session} screen="collections"><Collections /></Guard></Route>
          <Route path="/campaigns"><Guard session={session} screen="campaigns"><Campaigns roles={session.roles} /></Guard></Route>
          <Route path="/webhooks"><Guard session={session} screen="webhooks"><Webhooks /></Guard></Route>
          <Route><section><h1>Page not found</h1><p><Link href="/">Back to the overview</Link></p></section></Route>
        </Switch>
      </main>
    </Provider>
  );
}

export function App() {
  const [state, setState] = useState(sessionState);
  useEffect(() => onSessionChange(setState), []);
  // Refreshed tokens change the stored session; the Shell (and its client) only follows a new sign-in.
  const session = state.session;
  return (
    <Router base="/console">
      {session ? <Shell session={session} /> : <SignIn expired={state.expired} />}
    </Router>
  );
}
