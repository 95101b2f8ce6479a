// Roles, each including the ones before it. Pure, so the engine's approval
// rules and the edge's role checks share one order.
export const ROLES = ["viewer", "operator", "editor", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(name: string): name is Role {
  return (ROLES as readonly string[]).includes(name);
}

/** True when `role` is `minimum` or above. */
export function includesRole(role: string, minimum: Role): boolean {
  return isRole(role) && ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}
