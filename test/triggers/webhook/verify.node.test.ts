// What holds across schemes: `none` is explicit, a missing secret verifies nothing, and
// a rejection never tells the caller what the right signature would have been.
import { describe, expect, it } from "vitest";
import type { WebhookVerify } from "../../../src/core/definition/triggers";
import { verifyWebhook } from "../../../src/triggers/webhook/verify";
import { delivery, hmacOf, NOW, NOW_SECONDS } from "./support";

const SECRET = "s3cr3t-for-every-scheme";
const BODY = JSON.stringify({ id: "evt_1", event_id: "Ev1" });

describe("webhook verification", () => {
  it("accepts anything under scheme none, deduping by idHeader when one is named", async () => {
    const request = delivery("anything", { "x-request-id": "req_1" });
    expect(await verifyWebhook(request, { scheme: "none" }, null, NOW)).toEqual({
      ok: true,
      scheme: "none",
      deliveryId: null,
    });
    expect(await verifyWebhook(request, { scheme: "none", idHeader: "X-Request-Id" }, null, NOW)).toEqual({
      ok: true,
      scheme: "none",
      deliveryId: "req_1",
    });
  });

  it.each(["github", "stripe", "slack", "shopify", "standard", "hmac", "token"] as const)(
    "rejects every %s delivery while the secret is unresolved or empty",
    async (scheme) => {
      const verify: WebhookVerify = { scheme, secret: "{{ secrets.MISSING }}", header: "X-Signature" };
      // A delivery "signed" with an empty key, which an unset secret would otherwise accept.
      const request = delivery(BODY, {
        "x-hub-signature-256": `sha256=${hmacOf("sha256", "", BODY, "hex")}`,
        "x-webhook-token": "",
      });
      for (const secret of [null, ""]) {
        expect(await verifyWebhook(request, verify, secret, NOW)).toEqual({
          ok: false,
          reason: "the webhook's secret is not configured",
        });
      }
    },
  );

  it("never reveals the expected signature in a rejection", async () => {
    const expectedHex = hmacOf("sha256", SECRET, BODY, "hex");
    const expectedBase64 = hmacOf("sha256", SECRET, BODY, "base64");
    const forged = "0".repeat(64);
    const attempts: [WebhookVerify, Record<string, string>][] = [
      [{ scheme: "github", secret: "x" }, { "x-hub-signature-256": `sha256=${forged}` }],
      [{ scheme: "stripe", secret: "x" }, { "stripe-signature": `t=${NOW_SECONDS},v1=${forged}` }],
      [{ scheme: "shopify", secret: "x" }, { "x-shopify-hmac-sha256": "AAAA" }],
      [{ scheme: "hmac", secret: "x", header: "X-Signature" }, { "x-signature": forged }],
    ];
    for (const [verify, headers] of attempts) {
      const verdict = await verifyWebhook(delivery(BODY, headers), verify, SECRET, NOW);
      expect(verdict.ok).toBe(false);
      const reason = verdict.ok ? "" : verdict.reason;
      expect(reason).not.toContain(expectedHex);
      expect(reason).not.toContain(expectedBase64);
      expect(reason).not.toContain(SECRET);
    }
  });
});
