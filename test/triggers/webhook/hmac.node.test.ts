// scheme hmac: a sender's own convention, described by header, algorithm (sha256 by
// default), encoding (hex by default) and prefix; idHeader names the delivery id.
import { describe, expect, it } from "vitest";
import type { WebhookVerify } from "../../../src/core/definition/triggers";
import { verifyWebhook } from "../../../src/triggers/webhook/verify";
import { delivery, hmacOf, NOW, tamperedBody } from "./support";

const SECRET = "lin_wh_9d8c7b6a5f4e3d2c1b0a";
const BODY = JSON.stringify({
  action: "create",
  type: "Issue",
  data: { id: "2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9", title: "Checkout fails on Safari" },
});
const base: WebhookVerify = { scheme: "hmac", secret: "{{ secrets.LINEAR_SECRET }}", header: "Linear-Signature" };

describe("generic hmac webhooks", () => {
  it("defaults to a bare hex HMAC-SHA256 of the body", async () => {
    const request = delivery(BODY, { "linear-signature": hmacOf("sha256", SECRET, BODY, "hex") });
    expect(await verifyWebhook(request, base, SECRET, NOW)).toEqual({ ok: true, scheme: "hmac", deliveryId: null });
  });

  it("follows the configured algorithm, encoding and prefix", async () => {
    const verify: WebhookVerify = {
      ...base,
      header: "X-Signature",
      algorithm: "sha1",
      encoding: "base64",
      prefix: "sha1=",
    };
    const request = delivery(BODY, { "x-signature": `sha1=${hmacOf("sha1", SECRET, BODY, "base64")}` });
    expect((await verifyWebhook(request, verify, SECRET, NOW)).ok).toBe(true);
  });

  it("rejects a SHA-1 signature when SHA-256 is configured", async () => {
    const request = delivery(BODY, { "linear-signature": hmacOf("sha1", SECRET, BODY, "hex") });
    expect(await verifyWebhook(request, base, SECRET, NOW)).toEqual({
      ok: false,
      reason: "the signature does not match the request body",
    });
  });

  it("rejects a hex signature when base64 is configured", async () => {
    const request = delivery(BODY, { "linear-signature": hmacOf("sha256", SECRET, BODY, "hex") });
    expect((await verifyWebhook(request, { ...base, encoding: "base64" }, SECRET, NOW)).ok).toBe(false);
  });

  it("rejects a signature without the configured prefix", async () => {
    const request = delivery(BODY, { "linear-signature": hmacOf("sha256", SECRET, BODY, "hex") });
    const verdict = await verifyWebhook(request, { ...base, prefix: "sha256=" }, SECRET, NOW);
    expect(verdict).toEqual({ ok: false, reason: 'the Linear-Signature header must start with "sha256="' });
  });

  it("rejects a signature made with another secret", async () => {
    const request = delivery(BODY, { "linear-signature": hmacOf("sha256", "other", BODY, "hex") });
    expect((await verifyWebhook(request, base, SECRET, NOW)).ok).toBe(false);
  });

  it("rejects a body changed by one byte after signing", async () => {
    const request = delivery(tamperedBody(BODY), { "linear-signature": hmacOf("sha256", SECRET, BODY, "hex") });
    expect((await verifyWebhook(request, base, SECRET, NOW)).ok).toBe(false);
  });

  it("rejects an unsigned delivery, naming the header it expected", async () => {
    expect(await verifyWebhook(delivery(BODY), base, SECRET, NOW)).toEqual({
      ok: false,
      reason: "the Linear-Signature header is missing",
    });
  });

  it("rejects every delivery when no header is configured", async () => {
    const request = delivery(BODY, { "linear-signature": hmacOf("sha256", SECRET, BODY, "hex") });
    expect(await verifyWebhook(request, { scheme: "hmac", secret: "x" }, SECRET, NOW)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("names no signature header"),
    });
  });

  it("takes the delivery id from idHeader", async () => {
    const request = delivery(BODY, {
      "linear-signature": hmacOf("sha256", SECRET, BODY, "hex"),
      "linear-delivery": "234d1a4e-b617-4388-90fe-adc3633d6b72",
    });
    const verdict = await verifyWebhook(request, { ...base, idHeader: "Linear-Delivery" }, SECRET, NOW);
    expect(verdict).toEqual({ ok: true, scheme: "hmac", deliveryId: "234d1a4e-b617-4388-90fe-adc3633d6b72" });
  });
});
