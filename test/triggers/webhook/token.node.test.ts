// scheme token: a shared secret in a header (X-Webhook-Token unless `header` says
// otherwise), in `Authorization: Bearer`, or in `?token=`. It does not sign the body.
import { describe, expect, it } from "vitest";
import type { WebhookVerify } from "../../../src/core/definition/triggers";
import { verifyWebhook } from "../../../src/triggers/webhook/verify";
import { delivery, NOW } from "./support";

const TOKEN = "tok_4c1f0b2e9d8a7c6b5a4f3e2d";
const BODY = JSON.stringify({ alert: "disk_full", host: "db-1" });
const verify: WebhookVerify = { scheme: "token", secret: "{{ secrets.ALERT_TOKEN }}" };

describe("token webhooks", () => {
  it("accepts the token in X-Webhook-Token by default", async () => {
    const verdict = await verifyWebhook(delivery(BODY, { "x-webhook-token": TOKEN }), verify, TOKEN, NOW);
    expect(verdict).toEqual({ ok: true, scheme: "token", deliveryId: null });
  });

  it("reads the configured header instead of the default", async () => {
    const configured = { ...verify, header: "X-Gitlab-Token" };
    expect((await verifyWebhook(delivery(BODY, { "x-gitlab-token": TOKEN }), configured, TOKEN, NOW)).ok).toBe(true);
    expect((await verifyWebhook(delivery(BODY, { "x-webhook-token": TOKEN }), configured, TOKEN, NOW)).ok).toBe(false);
  });

  it("accepts the token as a bearer credential", async () => {
    expect((await verifyWebhook(delivery(BODY, { authorization: `Bearer ${TOKEN}` }), verify, TOKEN, NOW)).ok).toBe(
      true,
    );
  });

  it("accepts the token in the query string", async () => {
    expect((await verifyWebhook(delivery(BODY, {}, `token=${TOKEN}`), verify, TOKEN, NOW)).ok).toBe(true);
  });

  it("finds the token in the query even when the sender fills Authorization with its own credentials", async () => {
    const request = delivery(BODY, { authorization: "Bearer sender-own-oauth-token" }, `token=${TOKEN}`);
    expect((await verifyWebhook(request, verify, TOKEN, NOW)).ok).toBe(true);
  });

  it("rejects a wrong token, and one that merely starts like the right one", async () => {
    expect(await verifyWebhook(delivery(BODY, { "x-webhook-token": "tok_guess" }), verify, TOKEN, NOW)).toEqual({
      ok: false,
      reason: "the token does not match",
    });
    expect((await verifyWebhook(delivery(BODY, { "x-webhook-token": `${TOKEN}x` }), verify, TOKEN, NOW)).ok).toBe(
      false,
    );
  });

  it("rejects a delivery that carries no token, saying where to put one", async () => {
    const verdict = await verifyWebhook(delivery(BODY), verify, TOKEN, NOW);
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringMatching(/X-Webhook-Token.*Bearer.*\?token=/) });
  });

  it("takes the delivery id from idHeader", async () => {
    const request = delivery(BODY, { "x-webhook-token": TOKEN, "x-alert-id": "alrt_0193" });
    expect(await verifyWebhook(request, { ...verify, idHeader: "X-Alert-Id" }, TOKEN, NOW)).toEqual({
      ok: true,
      scheme: "token",
      deliveryId: "alrt_0193",
    });
  });
});
