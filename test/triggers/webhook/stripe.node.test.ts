// scheme stripe: Stripe-Signature `t=…,v1=…` over "{t}.{body}", 5-minute tolerance both
// ways, any of several v1 signatures (secret rolling), the event id dedupes.
import { describe, expect, it } from "vitest";
import { verifyWebhook } from "../../../src/triggers/webhook/verify";
import { delivery, hmacOf, NOW, NOW_SECONDS, tamperedBody } from "./support";

// Stripe endpoint secrets look like this and are used as text, not decoded.
const SECRET = "whsec_3f1b8c2d9e4a7f6b5c0d1e2f3a4b5c6d";
const verify = { scheme: "stripe" as const, secret: "{{ secrets.STRIPE_WHSEC }}" };
const EVENT = JSON.stringify({
  id: "evt_1OqVx2LkdIwHu7ix4Kq7bXyZ",
  object: "event",
  type: "checkout.session.completed",
  data: { object: { id: "cs_test_a1B2c3", amount_total: 129900, currency: "eur" } },
});

const v1 = (timestamp: number, body: string, secret = SECRET) =>
  hmacOf("sha256", secret, `${timestamp}.${body}`, "hex");
const stripeDelivery = (header: string, body: string | Uint8Array = EVENT) =>
  delivery(body, { "content-type": "application/json; charset=utf-8", "stripe-signature": header });

describe("stripe webhooks", () => {
  it("accepts an event signed with the endpoint secret and dedupes by its event id", async () => {
    const verdict = await verifyWebhook(
      stripeDelivery(`t=${NOW_SECONDS},v1=${v1(NOW_SECONDS, EVENT)}`),
      verify,
      SECRET,
      NOW,
    );
    expect(verdict).toEqual({ ok: true, scheme: "stripe", deliveryId: "evt_1OqVx2LkdIwHu7ix4Kq7bXyZ" });
  });

  it("accepts any of several v1 signatures while the secret is being rolled, ignoring v0", async () => {
    const header = `t=${NOW_SECONDS},v1=${v1(NOW_SECONDS, EVENT, "whsec_previous")},v1=${v1(NOW_SECONDS, EVENT)},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39`;
    expect((await verifyWebhook(stripeDelivery(header), verify, SECRET, NOW)).ok).toBe(true);
  });

  it("rejects when no v1 signature was made with this secret", async () => {
    const header = `t=${NOW_SECONDS},v1=${v1(NOW_SECONDS, EVENT, "whsec_previous")},v1=${v1(NOW_SECONDS, EVENT, "whsec_other")}`;
    expect(await verifyWebhook(stripeDelivery(header), verify, SECRET, NOW)).toEqual({
      ok: false,
      reason: "the signature does not match the request body",
    });
  });

  it("rejects a body changed by one byte after signing", async () => {
    const header = `t=${NOW_SECONDS},v1=${v1(NOW_SECONDS, EVENT)}`;
    expect((await verifyWebhook(stripeDelivery(header, tamperedBody(EVENT)), verify, SECRET, NOW)).ok).toBe(false);
  });

  it("rejects a t= moved within the tolerance: the timestamp is signed too", async () => {
    const header = `t=${NOW_SECONDS - 10},v1=${v1(NOW_SECONDS, EVENT)}`;
    expect((await verifyWebhook(stripeDelivery(header), verify, SECRET, NOW)).ok).toBe(false);
  });

  it("rejects an unsigned delivery", async () => {
    expect(await verifyWebhook(delivery(EVENT), verify, SECRET, NOW)).toEqual({
      ok: false,
      reason: "the Stripe-Signature header is missing",
    });
  });

  it("rejects a header without a timestamp or without a v1 signature", async () => {
    const withoutTimestamp = await verifyWebhook(stripeDelivery(`v1=${v1(NOW_SECONDS, EVENT)}`), verify, SECRET, NOW);
    const withoutV1 = await verifyWebhook(
      stripeDelivery(`t=${NOW_SECONDS},v0=${v1(NOW_SECONDS, EVENT)}`),
      verify,
      SECRET,
      NOW,
    );
    expect(withoutTimestamp).toMatchObject({ ok: false, reason: expect.stringContaining("t=<timestamp>") });
    expect(withoutV1).toMatchObject({ ok: false, reason: expect.stringContaining("v1=<signature>") });
  });

  it.each([
    ["signed more than 5 minutes ago", NOW_SECONDS - 301],
    ["signed more than 5 minutes in the future", NOW_SECONDS + 301],
  ])("rejects a correctly signed event %s", async (_, timestamp) => {
    const verdict = await verifyWebhook(
      stripeDelivery(`t=${timestamp},v1=${v1(timestamp, EVENT)}`),
      verify,
      SECRET,
      NOW,
    );
    expect(verdict).toEqual({
      ok: false,
      reason: "the signed timestamp is more than 5 minutes away from the current time",
    });
  });

  it("accepts an event signed just under 5 minutes ago", async () => {
    const timestamp = NOW_SECONDS - 299;
    expect(
      (await verifyWebhook(stripeDelivery(`t=${timestamp},v1=${v1(timestamp, EVENT)}`), verify, SECRET, NOW)).ok,
    ).toBe(true);
  });
});
