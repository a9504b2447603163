// The signed-in staff member: tokens kept in sessionStorage (one browser tab, gone when it closes),
// the roles read from the access token's claims for navigation only. The API decides every action
// from its own users table; the console only hides what the API would refuse anyway.

export type Role = "CUSTOMER" | "SUPPORT" | "MERCHANDISER" | "FULFILLMENT" | "MANAGER" | "ADMIN";

export interface Session {
  email: string;
  roles: Role[];
  accessToken: string;
  refreshToken: string;
}

const KEY = "commerce-console-session";
type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();

function decodeClaims(token: string): { roles?: unknown; email?: unknown } {
  try {
    const payload = token.split(".")[1] ?? "";
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(json) as { roles?: unknown; email?: unknown };
  } catch {
    return {};
  }
}

export function rolesOf(accessToken: string): Role[] {
  const roles = decodeClaims(accessToken).roles;
  return Array.isArray(roles) ? roles.filter((r): r is Role => typeof r === "string") as Role[] : [];
}

export function currentSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
  listeners.forEach((listener) => listener(session));
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
