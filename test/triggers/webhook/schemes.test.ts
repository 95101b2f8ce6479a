// Every webhook verification scheme through the real app, with deliveries signed
// here the way each provider signs them: a valid delivery starts one run that names its
// scheme and delivery id; a forged, unsigned or stale one is 401 and starts nothing; a
// redelivery answers 200 with the first run.
import { beforeAll, describe, expect, it } from "vitest";
import type { WebhookScheme } from "../../../src/core/definition/triggers";
import type { RunView } from "../../../src/core/engine/run-view";
import { call, expectJson, expectProblem, saveWorkflow } from "../../support/workers/api";
import { listedRunIds, runStartedByWebhook } from "../../support/workers/runs";
import {
  genericHmacHeaders,
  githubHeaders,
  shopifyHeaders,
  slackHeaders,
  standardHeaders,
  stripeHeaders,
  unixSeconds,
} from "../../support/webhook-signing";

interface Delivery {
  body: string;
  headers: Record<string, string>;
}

interface SchemeCase {
  scheme: WebhookScheme;
  /** The trigger's `verify`; `secret` is filled in from the stored secret. */
  verify: Record<string, unknown>;
  /** The stored secret, or null for `none`. */
  secret: string | null;
  /** A secret of the same shape that is not this workflow's. */
  wrongSecret?: string;
  /** The delivery a sender holding `secret` posts, `id` being its delivery id. */
  sign(secret: string, id: string, timestamp: number): Promise<Delivery>;
  /** What an unsigned request lacks. */
  signatureHeaders: string[];
  signsTimestamp: boolean;
  deliveryId: string;
}

const HMAC_OPTIONS = { header: "x-signature", encoding: "base64", prefix: "sha256=" } as const;

const SCHEMES: SchemeCase[] = [
  {
    scheme: "github",
    verify: {},
    secret: "gh-hook-secret-7d2f9a1c",
    wrongSecret: "gh-hook-secret-other",
    deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    async sign(secret, id) {
      const body = JSON.stringify({
        action: "opened",
        issue: { number: 1347 },
        repository: { full_name: "octocat/Hello-World" },
      });
      return { body, headers: await githubHeaders(secret, body, id) };
    },
    signatureHeaders: ["x-hub-signature-256"],
    signsTimestamp: false,
  },
  {
    scheme: "stripe",
    verify: {},
    secret: "whsec_stripe5c4b3a2918f7e6d",
    wrongSecret: "whsec_stripeanotherendpoint",
    deliveryId: "evt_1NG8Du2eZvKYlo2CUI79vXWy",
    async sign(secret, id, timestamp) {
      const body = JSON.stringify({
        id,
        object: "event",
        type: "payment_intent.succeeded",
        data: { object: { id: "pi_3MtwBw", amount: 2000, currency: "usd" } },
      });
      return { body, headers: await stripeHeaders(secret, body, timestamp) };
    },
    signatureHeaders: ["stripe-signature"],
    signsTimestamp: true,
  },
  {
    scheme: "slack",
    verify: {},
    secret: "8f742231b10e8888abcd99yyyzzz85a5",
    wrongSecret: "0000000000000000abcd99yyyzzz85a5",
    deliveryId: "Ev08MFMKH6",
    async sign(secret, id, timestamp) {
      const event = {
        type: "app_mention",
        user: "U061F7AUR",
        text: "<@U0LAN0Z89> is it everything a river should be?",
        channel: "C0LAE2TRP",
      };
      const body = JSON.stringify({
        token: "ZZZZZZWSxiZZZ2yIvs3peJ",
        team_id: "T061EG9R6",
        api_app_id: "A0MDYCDME",
        event,
        type: "event_callback",
        event_id: id,
        event_time: timestamp,
      });
      return { body, headers: await slackHeaders(secret, body, timestamp) };
    },
    signatureHeaders: ["x-slack-signature"],
    signsTimestamp: true,
  },
  {
    scheme: "shopify",
    verify: {},
    secret: "shpss_hush_0123456789abcdef",
    wrongSecret: "shpss_hush_fedcba9876543210",
    deliveryId: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    async sign(secret, id) {
      const body = JSON.stringify({
        id: 820982911946154500,
        email: "jon@example.com",
        total_price: "10.00",
        currency: "EUR",
      });
      return { body, headers: await shopifyHeaders(secret, body, id) };
    },
    signatureHeaders: ["x-shopify-hmac-sha256"],
    signsTimestamp: false,
  },
  {
    scheme: "standard",
    verify: {},
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    wrongSecret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
    deliveryId: "msg_p5jXN8AQM9LWM0D4loKWxJek",
    async sign(secret, id, timestamp) {
      const body = JSON.stringify({
        type: "invoice.paid",
        timestamp: new Date(timestamp * 1000).toISOString(),
        data: { invoice: "inv_8f2k", amount: 4200 },
      });
      return { body, headers: await standardHeaders(secret, body, id, timestamp) };
    },
    signatureHeaders: ["webhook-signature"],
    signsTimestamp: true,
  },
  {
    scheme: "hmac",
    verify: { ...HMAC_OPTIONS, idHeader: "x-delivery-id" },
    secret: "generic-hmac-secret-55aa",
    wrongSecret: "generic-hmac-secret-66bb",
    deliveryId: "build-42-finished",
    async sign(secret, id) {
      const body = JSON.stringify({ event: "build.finished", build: 42, status: "passed" });
      return { body, headers: { ...(await genericHmacHeaders(secret, body, HMAC_OPTIONS)), "x-delivery-id": id } };
    },
    signatureHeaders: ["x-signature"],
    signsTimestamp: false,
  },
  {
    scheme: "token",
    verify: { idHeader: "x-request-id" },
    secret: "tok_3c1f0e9b7a6d",
    wrongSecret: "tok_guessed",
    deliveryId: "req-7f3a",
    async sign(secret, id) {
      return {
        body: JSON.stringify({ alert: "disk_full", host: "db-1" }),
        headers: { "x-webhook-token": secret, "x-request-id": id },
      };
    },
    signatureHeaders: ["x-webhook-token"],
    signsTimestamp: false,
  },
  {
    scheme: "none",
    verify: { idHeader: "x-delivery" },
    secret: null,
    deliveryId: "ping-0001",
    async sign(_secret, id) {
      return { body: JSON.stringify({ ping: true }), headers: { "x-delivery": id } };
    },
    signatureHeaders: [],
    signsTimestamp: false,
  },
];

const secretName = (scheme: WebhookScheme) => `SCHEMES_${scheme.toUpperCase()}`;
const SIX_MINUTES = 6 * 60;

beforeAll(async () => {
  for (const { scheme, secret } of SCHEMES) {
    if (secret === null) continue;
    const stored = await call("PUT", `/api/secrets/${secretName(scheme)}`, { json: { value: secret } });
    expect([200, 201], await stored.clone().text()).toContain(stored.status);
  }
});

/** A workflow of its own for each test, so its runs are exactly what that test started. */
async function hookWorkflow(testCase: SchemeCase, name: string): Promise<string> {
  const id = `schemes-${testCase.scheme}-${name}`;
  const secret = testCase.secret === null ? {} : { secret: `{{ secrets.${secretName(testCase.scheme)} }}` };
  await saveWorkflow(id, {
    id,
    triggers: [{ type: "webhook", verify: { scheme: testCase.scheme, ...testCase.verify, ...secret } }],
    steps: [{ id: "echo", type: "transform", expr: "input" }],
  });
  return id;
}

function post(workflowId: string, delivery: Delivery): Promise<Response> {
  return call("POST", `/hooks/${workflowId}`, {
    token: null,
    raw: delivery.body,
    contentType: "application/json",
    headers: delivery.headers,
  });
}

const withoutHeaders = (delivery: Delivery, names: string[]): Delivery => ({
  body: delivery.body,
  headers: Object.fromEntries(Object.entries(delivery.headers).filter(([name]) => !names.includes(name))),
});

describe.each(SCHEMES)("a webhook with scheme $scheme", (testCase) => {
  const { scheme, secret, deliveryId } = testCase;
  const sign = (id = deliveryId, timestamp = unixSeconds(), key = secret ?? "") => testCase.sign(key, id, timestamp);

  it("accepts a delivery in the provider's format and starts one run naming the scheme and delivery id", async () => {
    const workflowId = await hookWorkflow(testCase, "valid");
    const delivery = await sign();
    const { runId } = await expectJson<{ runId: string }>(await post(workflowId, delivery), 202);
    const run: RunView = await runStartedByWebhook(runId);
    expect(run.trigger).toEqual({ type: "webhook", scheme, deliveryId });
    expect(run.input).toEqual(JSON.parse(delivery.body));
    expect(run.status).toBe("succeeded");
    expect(await listedRunIds(workflowId, runId)).toEqual([runId]);
  });

  if (secret !== null) {
    it("refuses a delivery signed with another secret (401), starting nothing and leaving its delivery id unclaimed", async () => {
      const workflowId = await hookWorkflow(testCase, "forged");
      const forged = await sign(deliveryId, unixSeconds(), testCase.wrongSecret);
      const problem = await expectProblem(await post(workflowId, forged), 401, "unauthorized");
      expect(JSON.stringify(problem)).not.toContain(secret);
      expect(await listedRunIds(workflowId)).toEqual([]);
      // The forger reused the genuine delivery's id: the genuine delivery must still start its run.
      await expectJson(await post(workflowId, await sign()), 202);
    });

    it("refuses a delivery without its signature header (401) and starts nothing", async () => {
      const workflowId = await hookWorkflow(testCase, "unsigned");
      const problem = await expectProblem(
        await post(workflowId, withoutHeaders(await sign(), testCase.signatureHeaders)),
        401,
        "unauthorized",
      );
      expect(JSON.stringify(problem)).not.toContain(secret);
      expect(await listedRunIds(workflowId)).toEqual([]);
      await expectJson(await post(workflowId, await sign()), 202);
    });
  }

  if (testCase.signsTimestamp) {
    it("refuses a correctly signed delivery whose signed timestamp is more than 5 minutes old (401)", async () => {
      const workflowId = await hookWorkflow(testCase, "stale");
      const stale = await sign(deliveryId, unixSeconds() - SIX_MINUTES);
      await expectProblem(await post(workflowId, stale), 401, "unauthorized");
      expect(await listedRunIds(workflowId)).toEqual([]);
    });
  }

  it("answers a redelivery of the same delivery id with 200 and the first run, starting no second run", async () => {
    const workflowId = await hookWorkflow(testCase, "replayed");
    const first = await expectJson<{ runId: string }>(await post(workflowId, await sign()), 202);
    // Providers re-sign a retry (a fresh timestamp where one is signed) but keep its id.
    const again = await expectJson(await post(workflowId, await sign(deliveryId, unixSeconds() + 1)), 200);
    expect(again).toEqual({ runId: first.runId, duplicate: true });
    expect(await listedRunIds(workflowId, first.runId)).toEqual([first.runId]);
  });
});
