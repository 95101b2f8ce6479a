// scheme slack: X-Slack-Signature `v0=` over "v0:{timestamp}:{body}", 5-minute tolerance,
// the Events API `event_id` dedupes (X-Slack-Retry-Num does not).
import { describe, expect, it } from "vitest";
import { verifyWebhook } from "../../../src/triggers/webhook/verify";
import { delivery, hmacOf, NOW, NOW_SECONDS, tamperedBody } from "./support";

const verify = { scheme: "slack" as const, secret: "{{ secrets.SLACK_SIGNING_SECRET }}" };

// The worked example from Slack's "Verifying requests from Slack": a slash command.
const DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const DOC_TIMESTAMP = 1531420618;
const DOC_BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

const SECRET = "e3b6c1a0f2d94b7c8a5e6f7d8c9b0a1f";
const EVENT = JSON.stringify({
  token: "Jhj5dZrVaK7ZwHHjRyZWjbDl",
  team_id: "T061EG9R6",
  event: { type: "app_mention", user: "U061F7AUR", text: "<@U0LAN0Z89> deploy", channel: "C0LAN2Q65" },
  type: "event_callback",
  event_id: "Ev0LAN670R",
  event_time: 1515449522,
});

const sign = (timestamp: number, body: string) => `v0=${hmacOf("sha256", SECRET, `v0:${timestamp}:${body}`, "hex")}`;
function slackDelivery(
  body: string | Uint8Array,
  signature: string,
  timestamp: number,
  extra: Record<string, string> = {},
) {
  return delivery(body, {
    "content-type": "application/json",
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": signature,
    ...extra,
  });
}

describe("slack webhooks", () => {
  it("accepts Slack's documented slash-command example, which has no delivery id", async () => {
    const request = slackDelivery(DOC_BODY, DOC_SIGNATURE, DOC_TIMESTAMP, {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(await verifyWebhook(request, verify, DOC_SECRET, DOC_TIMESTAMP * 1000 + 2000)).toEqual({
      ok: true,
      scheme: "slack",
      deliveryId: null,
    });
  });

  it("accepts an Events API callback and dedupes by its event_id", async () => {
    const verdict = await verifyWebhook(
      slackDelivery(EVENT, sign(NOW_SECONDS, EVENT), NOW_SECONDS),
      verify,
      SECRET,
      NOW,
    );
    expect(verdict).toEqual({ ok: true, scheme: "slack", deliveryId: "Ev0LAN670R" });
  });

  it("does not take X-Slack-Retry-Num for a delivery id", async () => {
    const body = JSON.stringify({ type: "block_actions", trigger_id: "13345224609.738474920.8088930838d88f008e0" });
    const request = slackDelivery(body, sign(NOW_SECONDS, body), NOW_SECONDS, {
      "x-slack-retry-num": "1",
      "x-slack-retry-reason": "http_timeout",
    });
    expect(await verifyWebhook(request, verify, SECRET, NOW)).toEqual({ ok: true, scheme: "slack", deliveryId: null });
  });

  it("rejects a signature made with another secret", async () => {
    const signature = `v0=${hmacOf("sha256", "another-secret", `v0:${NOW_SECONDS}:${EVENT}`, "hex")}`;
    expect((await verifyWebhook(slackDelivery(EVENT, signature, NOW_SECONDS), verify, SECRET, NOW)).ok).toBe(false);
  });

  it("rejects a body changed by one byte after signing", async () => {
    const request = slackDelivery(tamperedBody(EVENT), sign(NOW_SECONDS, EVENT), NOW_SECONDS);
    expect(await verifyWebhook(request, verify, SECRET, NOW)).toEqual({
      ok: false,
      reason: "the signature does not match the request body",
    });
  });

  it("rejects a timestamp header changed within the tolerance: it is part of what is signed", async () => {
    const request = slackDelivery(EVENT, sign(NOW_SECONDS, EVENT), NOW_SECONDS - 5);
    expect((await verifyWebhook(request, verify, SECRET, NOW)).ok).toBe(false);
  });

  it("rejects a delivery missing the signature or the timestamp header", async () => {
    const unsigned = delivery(EVENT, { "x-slack-request-timestamp": String(NOW_SECONDS) });
    const undated = delivery(EVENT, { "x-slack-signature": sign(NOW_SECONDS, EVENT) });
    expect(await verifyWebhook(unsigned, verify, SECRET, NOW)).toEqual({
      ok: false,
      reason: "the X-Slack-Signature header is missing",
    });
    expect(await verifyWebhook(undated, verify, SECRET, NOW)).toEqual({
      ok: false,
      reason: "the X-Slack-Request-Timestamp header is missing",
    });
  });

  it.each([
    ["a replay from more than 5 minutes ago", NOW_SECONDS - 301],
    ["a timestamp more than 5 minutes in the future", NOW_SECONDS + 301],
  ])("rejects %s, even correctly signed", async (_, timestamp) => {
    const verdict = await verifyWebhook(slackDelivery(EVENT, sign(timestamp, EVENT), timestamp), verify, SECRET, NOW);
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining("5 minutes") });
  });

  it("rejects a timestamp that is not Unix seconds", async () => {
    const timestamp = "2024-03-01T12:00:00Z";
    const request = delivery(EVENT, {
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": `v0=${hmacOf("sha256", SECRET, `v0:${timestamp}:${EVENT}`, "hex")}`,
    });
    expect(await verifyWebhook(request, verify, SECRET, NOW)).toEqual({
      ok: false,
      reason: "the signed timestamp is not a Unix time in seconds",
    });
  });
});
