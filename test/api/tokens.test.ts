// API tokens: `wm_` + 256 random bits, shown once, stored as a SHA-256 hash,
// listed without either; the last use is recorded after the response at most once a
// minute; a revoked or expired token is refused from the next request on.
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app";
import { call, expectJson, expectProblem } from "../support/workers/api";
import { advanceClock, freezeClock, restoreClock } from "../support/workers/clock";
import { issueToken, revokeIssuedToken, uniqueName, type IssuedToken } from "../support/workers/tokens";

const app = createApp();

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function listTokens(): Promise<{ text: string; tokens: IssuedToken[] }> {
  const response = await call("GET", "/api/tokens");
  const text = await response.clone().text();
  return { text, tokens: (await expectJson<{ tokens: IssuedToken[] }>(response, 200)).tokens };
}

const listed = async (id: string) => (await listTokens()).tokens.find((token) => token.id === id);

/** One request through the app, returning once its after-response work (waitUntil) is done. */
async function useAndSettle(token: string): Promise<number> {
  const ctx = createExecutionContext();
  const response = await app.fetch(
    new Request("http://waymark.test/api/workflows", { headers: { authorization: `Bearer ${token}` } }),
    env,
    ctx,
  );
  await response.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return response.status;
}

afterEach(() => restoreClock());

describe("creating a token", () => {
  it("answers the token once: wm_ and 256 random bits as base64url", async () => {
    const name = uniqueName("ci-deploy");
    const created = await issueToken("operator", { name });
    expect(created).toMatchObject({
      id: expect.stringMatching(/^tok_/),
      name,
      role: "operator",
      lastUsedAt: null,
      expiresAt: null,
    });
    expect(created.token).toMatch(/^wm_[A-Za-z0-9_-]{43}$/);
    const bytes = atob(`${created.token.slice(3).replaceAll("-", "+").replaceAll("_", "/")}=`);
    expect(bytes).toHaveLength(32);
    expect((await issueToken("operator")).token).not.toBe(created.token);
  });

  it("stores the SHA-256 of the token, never the token", async () => {
    const { id, token } = await issueToken("viewer");
    const row = await env.DB.prepare("SELECT * FROM api_tokens WHERE id = ?").bind(id).first<Record<string, unknown>>();
    expect(row!.token_hash).toBe(await sha256Hex(token));
    expect(JSON.stringify(row)).not.toContain(token.slice(3, 20));
  });

  it("is listed with name, role and dates but without the token or its hash", async () => {
    const { id, token, name } = await issueToken("editor");
    const { text, tokens } = await listTokens();
    expect(tokens.find((entry) => entry.id === id)).toEqual({
      id,
      name,
      role: "editor",
      createdAt: expect.any(String),
      createdBy: "admin-token",
      lastUsedAt: null,
      expiresAt: null,
      expired: false,
    });
    expect(text).not.toContain(token.slice(3));
    expect(text).not.toContain(await sha256Hex(token));
  });

  it("refuses a second active token with the same name with 409, and frees the name on revocation", async () => {
    const first = await issueToken("viewer");
    await expectProblem(
      await call("POST", "/api/tokens", { json: { name: first.name, role: "admin" } }),
      409,
      "invalid_state",
    );
    await revokeIssuedToken(first.id);
    expect((await issueToken("viewer", { name: first.name })).id).not.toBe(first.id);
  });

  it("issues one of two tokens created at once with the same name; the other is 409", async () => {
    const name = uniqueName("racing");
    const responses = await Promise.all(
      [0, 1].map(() => call("POST", "/api/tokens", { json: { name, role: "viewer" } })),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([201, 409]);
    const { tokens } = await listTokens();
    expect(tokens.filter((token) => token.name === name)).toHaveLength(1);
  });

  it("gives an expired token's name to a new token", async () => {
    const now = freezeClock();
    const old = await issueToken("viewer", { expiresAt: new Date(now + 1_000).toISOString() });
    advanceClock(1_000);
    const renewed = await issueToken("viewer", { name: old.name });
    const { tokens } = await listTokens();
    expect(tokens.filter((token) => token.name === old.name).map((token) => token.id)).toEqual([renewed.id]);
  });

  it("refuses an unknown role, an unknown field, an empty name and an expiry in the past with 422", async () => {
    for (const json of [
      { name: uniqueName("bad"), role: "owner" },
      { name: uniqueName("bad"), role: "viewer", scope: "all" },
      { name: "  ", role: "viewer" },
      { name: uniqueName("bad"), role: "viewer", expiresAt: "2001-01-01T00:00:00Z" },
    ]) {
      await expectProblem(await call("POST", "/api/tokens", { json }), 422, "validation_failed");
    }
  });
});

describe("using a token", () => {
  it("authenticates as the token, with its role", async () => {
    const { token } = await issueToken("viewer");
    await expectJson(await call("GET", "/api/workflows", { token }), 200);
    await expectProblem(await call("GET", "/api/tokens", { token }), 403, "forbidden");
  });

  it("records the last use after the response, at most once a minute", async () => {
    const { id, token } = await issueToken("viewer");
    const start = freezeClock();
    expect(await useAndSettle(token)).toBe(200);
    expect((await listed(id))!.lastUsedAt).toBe(new Date(start).toISOString());
    advanceClock(30_000);
    expect(await useAndSettle(token)).toBe(200);
    expect((await listed(id))!.lastUsedAt).toBe(new Date(start).toISOString());
    const later = advanceClock(31_000);
    expect(await useAndSettle(token)).toBe(200);
    expect((await listed(id))!.lastUsedAt).toBe(new Date(later).toISOString());
  });

  it("is refused with 401 from the request after its revocation", async () => {
    const { id, token } = await issueToken("admin");
    await expectJson(await call("GET", "/api/tokens", { token }), 200);
    await revokeIssuedToken(id);
    await expectProblem(await call("GET", "/api/workflows", { token }), 401, "unauthorized");
    expect(await listed(id)).toBeUndefined();
    await expectProblem(await call("DELETE", `/api/tokens/${id}`), 404, "not_found");
  });

  it("is refused with 401 once it has expired, and listed as expired", async () => {
    const now = freezeClock();
    const { id, token } = await issueToken("viewer", { expiresAt: new Date(now + 60_000).toISOString() });
    await expectJson(await call("GET", "/api/workflows", { token }), 200);
    advanceClock(60_000);
    const problem = await expectProblem(await call("GET", "/api/workflows", { token }), 401, "unauthorized");
    expect(problem.detail).toMatch(/not valid/);
    expect((await listed(id))!.expired).toBe(true);
  });

  it("refuses a well-formed token that was never issued", async () => {
    const forged = `wm_${"A".repeat(43)}`;
    await expectProblem(await call("GET", "/api/workflows", { token: forged }), 401, "unauthorized");
  });
});

describe("the break-glass admin token", () => {
  it("stays an admin beside issued tokens and is no row that could be revoked", async () => {
    await issueToken("viewer");
    await expectJson(await call("GET", "/api/tokens"), 200);
    await expectProblem(await call("DELETE", "/api/tokens/admin-token"), 404, "not_found");
  });
});
