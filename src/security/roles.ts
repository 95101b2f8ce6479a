// Roles, each including the ones before it (SPEC §5), and who is acting.
export const ROLES = ["viewer", "operator", "editor", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  /** Token id, or "admin-token" for WAYMARK_ADMIN_TOKEN. */
  id: string;
  name: string;
  role: Role;
}

export function hasRole(actor: Actor, minimum: Role): boolean {
  return ROLES.indexOf(actor.role) >= ROLES.indexOf(minimum);
}
