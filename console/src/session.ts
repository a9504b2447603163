// The signed-in staff member: tokens in sessionStorage (this browser tab; gone when it closes) and
// the roles the API answered for `me`. The roles only choose which screens the navigation offers;
// the API decides every read and action itself.

export type Role = "CUSTOMER" | "SUPPORT" | "MERCHANDISER" | "FULFILLMENT" | "MANAGER" | "ADMIN";

export interface Session {
  email: string;
  roles: Role[];
  accessToken: string;
  refreshToken: string;
  signedInAt: number;
}

interface SessionState {
  session: Session | null;
  expired: boolean;
}

const KEY = "commerce-console-session";
type Listener = (state: SessionState) => void;
const listeners = new Set<Listener>();
let expired = false;

export function currentSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    return null;
  }
}

export function sessionState(): SessionState {
  return { session: currentSession(), expired };
}

export function saveSession(session: Session | null, options: { expired?: boolean } = {}): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
  expired = session === null && Boolean(options.expired);
  const state = sessionState();
  listeners.forEach((listener) => listener(state));
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
