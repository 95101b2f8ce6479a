// The signed-in token, kept in this browser's localStorage until sign-out, and what the
// token may do. The server decides every call; the UI only hides what would be refused.
import { includesRole, isRole } from "../../src/core/roles";
import type { Me, Role } from "./types";

const TOKEN_KEY = "waymark.token";

export function storedToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage unavailable: nothing was kept
  }
}

export class Session {
  constructor(readonly me: Me) {}

  /** True when the token's role is `minimum` or above. */
  can(minimum: Role): boolean {
    return includesRole(this.me.role, minimum);
  }

  /** The engine's rule (isAdmitted in src/core/engine/approval.ts): a role admits it and above, another entry names a token, none means operators. */
  mayDecide(approvers: readonly string[] | undefined): boolean {
    if (!approvers || approvers.length === 0) return this.can("operator");
    return approvers.some((name) => (isRole(name) ? this.can(name) : name === this.me.name));
  }
}
