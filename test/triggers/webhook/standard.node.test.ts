// scheme standard (Standard Webhooks): webhook-id/-timestamp/-signature, `whsec_` base64
// secrets, a space-separated list of `v1,<base64>` signatures, 5-minute tolerance.
import { describe, expect, it } from "vitest";
import { verifyWebhook } from "../../../src/triggers/webhook/verify";
import { delivery, hmacOf, NOW, NOW_SECONDS, tamperedBody } from "./support";

const verify = { scheme: "standard" as const, secret: "{{ secrets.WEBHOOK_SECRET }}" };

// The example in the Standard Webhooks specification (spec/standard-webhooks.md).
const SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const SPEC_TIMESTAMP = 1614265330;
const SPEC_BODY = '{"test": 2432232314}';
const SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

const SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const OLD_SECRET = "whsec_pQ4gqbjN1C5Rk8wdA0y3ZmOf7Ti2xSeV";
const ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
const BODY = JSON.stringify({
  type: "invoice.paid",
  timestamp: "2024-03-01T11:59:58Z",
  data: { invoice: "inv_8f2k", amount: 4200 },
});

const key = (secret: string) => Buffer.from(secret.replace(/^whsec_/, ""), "base64");
const v1 = (secret: string, timestamp = NOW_SECONDS, body = BODY, id = ID) =>
  `v1,${hmacOf("sha256", key(secret), `${id}.${timestamp}.${body}`, "base64")}`;
function standardDelivery(
  signature: string,
  options: { id?: string; timestamp?: number; body?: string | Uint8Array } = {},
) {
  const headers = {
    "content-type": "application/json",
    "webhook-id": options.id ?? ID,
    "webhook-timestamp": String(options.timestamp ?? NOW_SECONDS),
    "webhook-signature": signature,
  };
  return delivery(options.body ?? BODY, headers);
}

describe("standard webhooks", () => {
  it("accepts the specification's example and dedupes by webhook-id", async () => {
    const request = standardDelivery(SPEC_SIGNATURE, { id: SPEC_ID, timestamp: SPEC_TIMESTAMP, body: SPEC_BODY });
    expect(await verifyWebhook(request, verify, SPEC_SECRET, SPEC_TIMESTAMP * 1000)).toEqual({
      ok: true,
      scheme: "standard",
      deliveryId: SPEC_ID,
    });
  });

  it("accepts Svix's svix-id/-timestamp/-signature headers as the same scheme", async () => {
    const headers = {
      "content-type": "application/json",
      "svix-id": ID,
      "svix-timestamp": String(NOW_SECONDS),
      "svix-signature": v1(SECRET),
    };
    expect(await verifyWebhook(delivery(BODY, headers), verify, SECRET, NOW)).toEqual({
      ok: true,
      scheme: "standard",
      deliveryId: ID,
    });
    const forged = { ...headers, "svix-signature": v1(OLD_SECRET) };
    expect((await verifyWebhook(delivery(BODY, forged), verify, SECRET, NOW)).ok).toBe(false);
  });

  it("decodes a secret pasted without its whsec_ prefix, as the reference libraries do", async () => {
    const request = standardDelivery(SPEC_SIGNATURE, { id: SPEC_ID, timestamp: SPEC_TIMESTAMP, body: SPEC_BODY });
    expect((await verifyWebhook(request, verify, SPEC_SECRET.slice("whsec_".length), SPEC_TIMESTAMP * 1000)).ok).toBe(
      true,
    );
  });

  it("keys the HMAC with the decoded secret, not its text", async () => {
    const signedWithText = `v1,${hmacOf("sha256", SECRET, `${ID}.${NOW_SECONDS}.${BODY}`, "base64")}`;
    expect((await verifyWebhook(standardDelivery(signedWithText), verify, SECRET, NOW)).ok).toBe(false);
  });

  it("accepts a rotation list when any v1 entry matches, skipping other versions", async () => {
    const header = `v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== ${v1(OLD_SECRET)} ${v1(SECRET)}`;
    expect((await verifyWebhook(standardDelivery(header), verify, SECRET, NOW)).ok).toBe(true);
  });

  it("rejects a list in which no v1 entry was signed with this secret", async () => {
    const header = `${v1(OLD_SECRET)} ${v1("whsec_b3RoZXItZW5kcG9pbnQtc2VjcmV0")}`;
    expect(await verifyWebhook(standardDelivery(header), verify, SECRET, NOW)).toEqual({
      ok: false,
      reason: "the signature does not match the request body",
    });
  });

  it("rejects a header whose only valid signature is of another version", async () => {
    const verdict = await verifyWebhook(standardDelivery(v1(SECRET).replace(/^v1,/, "v2,")), verify, SECRET, NOW);
    expect(verdict).toEqual({ ok: false, reason: "the webhook-signature header holds no v1,<base64> signature" });
  });

  it("rejects a body changed by one byte after signing", async () => {
    expect(
      (await verifyWebhook(standardDelivery(v1(SECRET), { body: tamperedBody(BODY) }), verify, SECRET, NOW)).ok,
    ).toBe(false);
  });

  it("rejects a webhook-id swapped for another: the id is signed, so dedupe cannot be dodged", async () => {
    expect(
      (await verifyWebhook(standardDelivery(v1(SECRET), { id: "msg_someone_else" }), verify, SECRET, NOW)).ok,
    ).toBe(false);
  });

  it.each([["webhook-id"], ["webhook-timestamp"], ["webhook-signature"]])(
    "rejects a delivery without %s",
    async (header) => {
      const request = standardDelivery(v1(SECRET));
      request.headers.delete(header);
      expect(await verifyWebhook(request, verify, SECRET, NOW)).toEqual({
        ok: false,
        reason: `the ${header} header is missing`,
      });
    },
  );

  it.each([
    ["signed more than 5 minutes ago", NOW_SECONDS - 301],
    ["signed more than 5 minutes in the future", NOW_SECONDS + 301],
  ])("rejects a delivery %s, even correctly signed", async (_, timestamp) => {
    const verdict = await verifyWebhook(standardDelivery(v1(SECRET, timestamp), { timestamp }), verify, SECRET, NOW);
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining("5 minutes") });
  });

  it("rejects, without verifying, when the configured secret is not base64", async () => {
    const verdict = await verifyWebhook(standardDelivery(v1(SECRET)), verify, "whsec_not base64!", NOW);
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining("not a whsec_ base64 secret") });
  });
});
