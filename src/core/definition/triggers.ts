// How runs start: webhook, cron, api and event triggers.
import { z } from "zod";
import { expressionSchema, templateSchema } from "./fields";

export const TRIGGER_TYPES = ["webhook", "cron", "api", "event"] as const;

const WEBHOOK_SCHEMES = ["github", "stripe", "slack", "shopify", "standard", "hmac", "token", "none"] as const;
export type WebhookScheme = (typeof WEBHOOK_SCHEMES)[number];

const webhookVerifySchema = z
  .strictObject({
    scheme: z
      .enum(WEBHOOK_SCHEMES)
      .meta({ description: "How the request is authenticated; `none` must be written out" }),
    secret: templateSchema.optional().meta({ description: "Signing secret or token, usually {{ secrets.NAME }}" }),
    header: z.string().optional().meta({ description: "Header carrying the signature (required for hmac)" }),
    algorithm: z.enum(["sha256", "sha1"]).optional(),
    encoding: z.enum(["hex", "base64"]).optional(),
    prefix: z.string().optional().meta({ description: "Text before the signature in the header, e.g. sha256=" }),
    idHeader: z.string().optional().meta({ description: "Header whose value deduplicates deliveries" }),
  })
  .superRefine((verify, ctx) => {
    if (verify.scheme !== "none" && verify.secret === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["secret"],
        message: `scheme "${verify.scheme}" needs a secret, e.g. "{{ secrets.WEBHOOK_SECRET }}"`,
      });
    }
    if (verify.scheme === "hmac" && verify.header === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["header"],
        message: 'scheme "hmac" needs the header that carries the signature',
      });
    }
  });

const webhookTriggerSchema = z.strictObject({
  type: z.literal("webhook"),
  verify: webhookVerifySchema,
  input: expressionSchema
    .optional()
    .meta({ description: "JSONata mapping of the request ({body, headers, query}) to the run input" }),
});

const cronTriggerSchema = z.strictObject({
  type: z.literal("cron"),
  schedule: z.string().meta({
    description: "Five-field cron expression (minute hour day-of-month month day-of-week)",
    examples: ["0 9 * * MON-FRI"],
  }),
  timezone: z
    .string()
    .optional()
    .meta({ description: "IANA time zone, default UTC", examples: ["Europe/Paris"] }),
  input: z.unknown().optional().meta({ description: "Literal run input" }),
});

const apiTriggerSchema = z.strictObject({ type: z.literal("api") });

const eventTriggerSchema = z.strictObject({
  type: z.literal("event"),
  name: z
    .string()
    .min(1)
    .meta({ description: "Event name to subscribe to", examples: ["order.created"] }),
  input: expressionSchema.optional().meta({ description: "JSONata mapping of the event payload to the run input" }),
  key: expressionSchema.optional().meta({ description: "JSONata expression giving the event's key" }),
});

export const triggerSchema = z.discriminatedUnion("type", [
  webhookTriggerSchema,
  cronTriggerSchema,
  apiTriggerSchema,
  eventTriggerSchema,
]);

export type WebhookVerify = z.infer<typeof webhookVerifySchema>;
export type WebhookTrigger = z.infer<typeof webhookTriggerSchema>;
export type CronTrigger = z.infer<typeof cronTriggerSchema>;
export type EventTrigger = z.infer<typeof eventTriggerSchema>;
export type Trigger = z.infer<typeof triggerSchema>;
