// Which screens the navigation offers to which roles. It mirrors the API's roles table (README
// "Who may do what") so nobody is offered a screen the API would refuse; it grants nothing: a
// screen reached by its URL without the role says "not allowed", and the API refuses the data.
import type { Role } from "./session";

export type Screen =
  | "overview" | "orders" | "exceptions" | "approvals" | "returns" | "catalog" | "collections" | "campaigns"
  | "webhooks";

const STAFF: Role[] = ["SUPPORT", "MERCHANDISER", "FULFILLMENT", "MANAGER", "ADMIN"];

export const SCREEN_ROLES: Record<Screen, Role[]> = {
  overview: STAFF,
  orders: ["SUPPORT", "FULFILLMENT", "MANAGER", "ADMIN"],
  exceptions: ["SUPPORT", "FULFILLMENT", "MANAGER", "ADMIN"],
  approvals: ["MANAGER", "ADMIN"],
  returns: ["SUPPORT", "FULFILLMENT", "MANAGER", "ADMIN"],
  catalog: ["MERCHANDISER", "FULFILLMENT", "ADMIN"],
  collections: ["MERCHANDISER", "ADMIN"],
  campaigns: ["MERCHANDISER", "MANAGER", "ADMIN"],
  webhooks: ["ADMIN"],
};

/** Actions inside screens, by the API's permission of the same name. */
export const ACTION_ROLES = {
  readReports: ["MERCHANDISER", "MANAGER", "ADMIN"],
  readOperations: ["SUPPORT", "FULFILLMENT", "MANAGER", "ADMIN"],
  readAudit: ["SUPPORT", "MANAGER", "ADMIN"],
  cancelOrder: ["SUPPORT", "MANAGER", "ADMIN"],
  fulfil: ["FULFILLMENT", "ADMIN"],
  decideReturn: ["SUPPORT", "MANAGER", "ADMIN"],
  receiveReturn: ["FULFILLMENT", "ADMIN"],
  manageCatalog: ["MERCHANDISER", "ADMIN"],
  setStock: ["FULFILLMENT", "MERCHANDISER", "ADMIN"],
} satisfies Record<string, Role[]>;

export type Action = keyof typeof ACTION_ROLES;

export function mayUse(roles: Role[], screen: Screen): boolean {
  return SCREEN_ROLES[screen].some((role) => roles.includes(role));
}

export function may(roles: Role[], action: Action): boolean {
  return (ACTION_ROLES[action] as Role[]).some((role) => roles.includes(role));
}
