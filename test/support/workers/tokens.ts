// API tokens for tests, issued through the real API with the break-glass admin token.
// D1 is shared by every test file, so each name carries a random suffix.
import type { Role } from "../../../src/security/roles";
import { call, expectJson } from "./api";

export interface IssuedToken {
  id: string;
  name: string;
  role: Role;
  token: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  expired: boolean;
}

export const uniqueName = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

export async function issueToken(
  role: Role,
  options: { name?: string; expiresAt?: string } = {},
): Promise<IssuedToken> {
  const response = await call("POST", "/api/tokens", {
    json: {
      name: options.name ?? uniqueName(role),
      role,
      ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
    },
  });
  return expectJson<IssuedToken>(response, 201);
}

export async function revokeIssuedToken(id: string): Promise<void> {
  const response = await call("DELETE", `/api/tokens/${id}`);
  if (response.status !== 204) throw new Error(`revoking ${id} answered ${response.status}: ${await response.text()}`);
}
