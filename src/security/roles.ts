// Roles, each including the ones before it, and who is acting.
import { includesRole, isRole, ROLES, type Role } from "../core/roles";

export { isRole, ROLES, type Role };

export interface Actor {
  /** Token id, or "admin-token" for WAYMARK_ADMIN_TOKEN. */
  id: string;
  name: string;
  role: Role;
}

export function hasRole(actor: Actor, minimum: Role): boolean {
  return includesRole(actor.role, minimum);
}
