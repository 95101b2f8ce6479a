// scheme shopify: X-Shopify-Hmac-Sha256, a base64 HMAC-SHA256 of the raw body keyed by
// the app's client secret; X-Shopify-Webhook-Id dedupes retries.
import { describe, expect, it } from "vitest";
import { verifyWebhook } from "../../../src/triggers/webhook/verify";
import { delivery, hmacOf, NOW, tamperedBody } from "./support";

const SECRET = "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";
const verify = { scheme: "shopify" as const, secret: "{{ secrets.SHOPIFY_CLIENT_SECRET }}" };
const ORDER = JSON.stringify({
  id: 820982911946154500,
  email: "jon@example.com",
  total_price: "403.00",
  currency: "EUR",
  line_items: [{ sku: "IPOD2008PINK", quantity: 1 }],
});
const WEBHOOK_ID = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043";

function shopifyDelivery(body: string | Uint8Array, signature: string) {
  return delivery(body, {
    "content-type": "application/json",
    "x-shopify-topic": "orders/create",
    "x-shopify-shop-domain": "acme.myshopify.com",
    "x-shopify-webhook-id": WEBHOOK_ID,
    "x-shopify-hmac-sha256": signature,
  });
}

describe("shopify webhooks", () => {
  it("accepts an order signed in base64 and dedupes by X-Shopify-Webhook-Id", async () => {
    const verdict = await verifyWebhook(
      shopifyDelivery(ORDER, hmacOf("sha256", SECRET, ORDER, "base64")),
      verify,
      SECRET,
      NOW,
    );
    expect(verdict).toEqual({ ok: true, scheme: "shopify", deliveryId: WEBHOOK_ID });
  });

  it("rejects a signature made with another secret", async () => {
    const verdict = await verifyWebhook(
      shopifyDelivery(ORDER, hmacOf("sha256", "shpss_other", ORDER, "base64")),
      verify,
      SECRET,
      NOW,
    );
    expect(verdict).toEqual({ ok: false, reason: "the signature does not match the request body" });
  });

  it("rejects the right HMAC sent in hex: Shopify signs in base64", async () => {
    expect(
      (await verifyWebhook(shopifyDelivery(ORDER, hmacOf("sha256", SECRET, ORDER, "hex")), verify, SECRET, NOW)).ok,
    ).toBe(false);
  });

  it("rejects a signature that is not base64 at all", async () => {
    const verdict = await verifyWebhook(shopifyDelivery(ORDER, "not*base64!"), verify, SECRET, NOW);
    expect(verdict).toEqual({ ok: false, reason: "the X-Shopify-Hmac-Sha256 signature is not base64" });
  });

  it("rejects a body changed by one byte after signing", async () => {
    const verdict = await verifyWebhook(
      shopifyDelivery(tamperedBody(ORDER), hmacOf("sha256", SECRET, ORDER, "base64")),
      verify,
      SECRET,
      NOW,
    );
    expect(verdict.ok).toBe(false);
  });

  it("rejects an unsigned delivery", async () => {
    const verdict = await verifyWebhook(delivery(ORDER, { "x-shopify-webhook-id": WEBHOOK_ID }), verify, SECRET, NOW);
    expect(verdict).toEqual({ ok: false, reason: "the X-Shopify-Hmac-Sha256 header is missing" });
  });
});
