// scheme github: X-Hub-Signature-256 over the raw body, X-GitHub-Delivery dedupes.
import { describe, expect, it } from "vitest";
import { verifyWebhook } from "../../../src/triggers/webhook/verify";
import { delivery, hmacOf, NOW, tamperedBody } from "./support";

const SECRET = "gh-webhook-secret-0f3a";
const verify = { scheme: "github" as const, secret: "{{ secrets.GITHUB_WEBHOOK_SECRET }}" };
const PUSH = JSON.stringify({
  ref: "refs/heads/main",
  after: "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
  repository: { full_name: "acme/shop" },
});
const DELIVERY_ID = "72d3162e-cc78-11e3-81ab-4c9367dc0958";

function githubDelivery(body: string | Uint8Array, signature: string, extra: Record<string, string> = {}) {
  return delivery(body, {
    "content-type": "application/json",
    "x-github-event": "push",
    "x-github-delivery": DELIVERY_ID,
    "x-hub-signature-256": signature,
    ...extra,
  });
}

describe("github webhooks", () => {
  it('accepts GitHub\'s documented example (secret "It\'s a Secret to Everybody", body "Hello, World!")', async () => {
    const signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    const verdict = await verifyWebhook(
      githubDelivery("Hello, World!", signature),
      verify,
      "It's a Secret to Everybody",
      NOW,
    );
    expect(verdict).toEqual({ ok: true, scheme: "github", deliveryId: DELIVERY_ID });
  });

  it("accepts a push event signed with the secret, in upper- or lower-case hex", async () => {
    const hex = hmacOf("sha256", SECRET, PUSH, "hex");
    expect((await verifyWebhook(githubDelivery(PUSH, `sha256=${hex}`), verify, SECRET, NOW)).ok).toBe(true);
    expect((await verifyWebhook(githubDelivery(PUSH, `sha256=${hex.toUpperCase()}`), verify, SECRET, NOW)).ok).toBe(
      true,
    );
  });

  it("rejects a signature made with another secret", async () => {
    const verdict = await verifyWebhook(
      githubDelivery(PUSH, `sha256=${hmacOf("sha256", "other", PUSH, "hex")}`),
      verify,
      SECRET,
      NOW,
    );
    expect(verdict).toEqual({ ok: false, reason: "the signature does not match the request body" });
  });

  it("rejects a body changed by one byte after signing", async () => {
    const signature = `sha256=${hmacOf("sha256", SECRET, PUSH, "hex")}`;
    expect((await verifyWebhook(githubDelivery(tamperedBody(PUSH), signature), verify, SECRET, NOW)).ok).toBe(false);
  });

  it("rejects an unsigned delivery, even one carrying the legacy SHA-1 X-Hub-Signature", async () => {
    const unsigned = delivery(PUSH, {
      "x-github-delivery": DELIVERY_ID,
      "x-hub-signature": `sha1=${hmacOf("sha1", SECRET, PUSH, "hex")}`,
    });
    expect(await verifyWebhook(unsigned, verify, SECRET, NOW)).toEqual({
      ok: false,
      reason: "the X-Hub-Signature-256 header is missing",
    });
  });

  it("rejects a signature without the sha256= prefix", async () => {
    const verdict = await verifyWebhook(
      githubDelivery(PUSH, hmacOf("sha256", SECRET, PUSH, "hex")),
      verify,
      SECRET,
      NOW,
    );
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining("sha256=<hex>") });
  });

  it("has no delivery id when X-GitHub-Delivery is absent", async () => {
    const signed = delivery(PUSH, { "x-hub-signature-256": `sha256=${hmacOf("sha256", SECRET, PUSH, "hex")}` });
    expect(await verifyWebhook(signed, verify, SECRET, NOW)).toEqual({ ok: true, scheme: "github", deliveryId: null });
  });
});
