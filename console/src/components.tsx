// Small pieces every screen uses: loading and error states, userErrors beside their field, a
// cursor pager, a labelled form field.
import { useId, useState, type ReactNode } from "react";
import type { CombinedError } from "urql";

export interface UserErrorView {
  code: string;
  message: string;
  field?: readonly string[] | null;
}

export const UNREACHABLE: UserErrorView = { code: "UNAVAILABLE", message: "The server could not be reached." };

/** Shows a mutation payload's userErrors (UNREACHABLE when no payload came); true when it succeeded. */
export function settle<T extends { userErrors: readonly UserErrorView[] }>(
  payload: T | null | undefined, show: (errors: readonly UserErrorView[]) => void): payload is T {
  show(payload?.userErrors ?? [UNREACHABLE]);
  return Boolean(payload && !payload.userErrors.length);
}

export function isDenied(error: CombinedError | undefined): boolean {
  return Boolean(error?.graphQLErrors.some((e) => e.extensions?.code === "PERMISSION_DENIED"));
}

export function Loading({ what }: { what: string }) {
  return <p role="status" className="muted">Loading {what}…</p>;
}

export function NotAllowed() {
  return (
    <section className="notice" aria-labelledby="not-allowed">
      <h2 id="not-allowed">Not allowed</h2>
      <p>Your role may not see this page. Ask an administrator if you need it.</p>
    </section>
  );
}

/** The query's failure, or null. PERMISSION_DENIED shows as "not allowed", never as data. */
export function QueryError({ error }: { error: CombinedError | undefined }) {
  if (!error) return null;
  if (isDenied(error)) return <NotAllowed />;
  const messages = error.graphQLErrors.length
    ? error.graphQLErrors.map((e) => e.message)
    : [error.networkError ? "The server could not be reached. Try again." : error.message];
  return (
    <div role="alert" className="error">
      {messages.map((m, i) => <p key={i}>{m}</p>)}
    </div>
  );
}

function fieldName(path: readonly string[] | null | undefined): string {
  if (!path) return "";
  const parts = path[0] === "input" ? path.slice(1) : path;
  return parts.join(".");
}

export function errorsFor(errors: readonly UserErrorView[], field: string): UserErrorView[] {
  return errors.filter((e) => fieldName(e.field) === field);
}

/** userErrors that name no field shown in the form (shown above its button). */
export function FormErrors({ errors, fields }: { errors: readonly UserErrorView[]; fields: string[] }) {
  const rest = errors.filter((e) => !fields.includes(fieldName(e.field)));
  if (!rest.length) return null;
  return (
    <div role="alert" className="error">
      {rest.map((e, i) => <p key={i}>{e.message} <span className="code">({e.code})</span></p>)}
    </div>
  );
}

interface FieldProps {
  label: string;
  name: string;
  errors?: readonly UserErrorView[];
  children: (props: { id: string; "aria-invalid": boolean; "aria-describedby"?: string }) => ReactNode;
}

/** A labelled control with the API's userErrors for its field right under it. */
export function Field({ label, name, errors = [], children }: FieldProps) {
  const id = useId();
  const mine = errorsFor(errors, name);
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-invalid": mine.length > 0, "aria-describedby": mine.length ? errorId : undefined })}
      {mine.length > 0 && (
        <p id={errorId} className="field-error" role="alert">
          {mine.map((e) => e.message).join(" ")}
        </p>
      )}
    </div>
  );
}

export interface PageInfoView {
  hasNextPage: boolean;
  endCursor?: string | null;
}

/** Cursor paging: "Next page" follows endCursor; "Previous page" goes back along the cursors seen. */
export function usePager() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  return {
    after,
    page: cursors.length,
    next: (cursor: string | null | undefined) => cursor && setCursors([...cursors, cursor]),
    previous: () => cursors.length > 1 && setCursors(cursors.slice(0, -1)),
    reset: () => setCursors([null]),
  };
}

export function Pager({ pager, pageInfo, total }: {
  pager: ReturnType<typeof usePager>;
  pageInfo: PageInfoView | undefined;
  total?: number;
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" onClick={pager.previous} disabled={pager.page <= 1}>Previous page</button>
      <span>Page {pager.page}{total !== undefined ? ` · ${total} in all` : ""}</span>
      <button type="button" onClick={() => pager.next(pageInfo?.endCursor)} disabled={!pageInfo?.hasNextPage}>
        Next page
      </button>
    </nav>
  );
}
