import { useState, type FormEvent } from "react";
import { publicClient } from "../api";
import { Field, FormErrors, UNREACHABLE, type UserErrorView } from "../components";
import { graphql } from "../gql";
import { saveSession, type Role } from "../session";

const TokenCreate = graphql(`
  mutation ConsoleTokenCreate($input: TokenCreateInput!) {
    tokenCreate(input: $input) { accessToken refreshToken userErrors { code message field retryAfter } }
  }
`);

const Me = graphql(`
  query ConsoleMe { me { email roles } }
`);

/** Sign-in; whatever page was asked for (or left when the session expired) shows once signed in. */
export function SignIn({ expired }: { expired: boolean }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<readonly UserErrorView[]>([]);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      const result = await publicClient.mutation(TokenCreate, { input: { email, password } }).toPromise();
      const payload = result.data?.tokenCreate;
      if (!payload?.accessToken || !payload.refreshToken) {
        setErrors(payload?.userErrors ?? [UNREACHABLE]);
        return;
      }
      const me = await publicClient
        .query(Me, {}, { fetchOptions: { headers: { Authorization: `Bearer ${payload.accessToken}` } } })
        .toPromise();
      const roles = (me.data?.me?.roles ?? []) as Role[];
      if (!roles.some((r) => r !== "CUSTOMER")) {
        setErrors([{ code: "PERMISSION_DENIED", message: "The console is for staff accounts." }]);
        return;
      }
      saveSession({ email: me.data?.me?.email ?? email, roles, accessToken: payload.accessToken,
                    refreshToken: payload.refreshToken, signedInAt: Date.now() });
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="signin">
      <h1>Commerce console</h1>
      {expired && <p role="status" className="notice">Your session has ended. Sign in again to go on where you were.</p>}
      <form onSubmit={submit} aria-label="Sign in">
        <Field label="Email" name="email" errors={errors}>
          {(props) => <input {...props} type="email" autoComplete="username" required value={email}
                             onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Field label="Password" name="password" errors={errors}>
          {(props) => <input {...props} type="password" autoComplete="current-password" required value={password}
                             onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        <FormErrors errors={errors} fields={["email", "password"]} />
        <button type="submit" disabled={busy}>Sign in</button>
      </form>
    </main>
  );
}
