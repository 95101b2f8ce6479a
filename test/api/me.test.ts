// GET /api/me: the calling token's name and role, so the dashboard offers only what the
// role allows. It needs a token like every other read.
import { describe, expect, it } from "vitest";
import { call, expectJson, expectProblem } from "../support/workers/api";
import { issueToken } from "../support/workers/tokens";

describe("who am I", () => {
  it("names the break-glass admin token", async () => {
    expect(await expectJson(await call("GET", "/api/me"), 200)).toEqual({ name: "admin", role: "admin" });
  });

  it("names an API token and its role, and nothing else about it", async () => {
    const viewer = await issueToken("viewer");
    expect(await expectJson(await call("GET", "/api/me", { token: viewer.token }), 200)).toEqual({
      name: viewer.name,
      role: "viewer",
    });
  });

  it("refuses a request without a valid token", async () => {
    await expectProblem(await call("GET", "/api/me", { token: null }), 401, "unauthorized");
    await expectProblem(await call("GET", "/api/me", { token: "wm_not_a_real_token" }), 401, "unauthorized");
  });
});
