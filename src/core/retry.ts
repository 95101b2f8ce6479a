// Retry policy as validated data, and the arithmetic of waiting between attempts.
import { z } from "zod";
import { durationSchema } from "./duration";

export const BACKOFF_KINDS = ["exponential", "linear", "fixed"] as const;
export type BackoffKind = (typeof BACKOFF_KINDS)[number];

/** What a definition may write; unset fields take the step type's defaults. */
export const retryPolicySchema = z
  .strictObject({
    attempts: z.int().min(1).max(100).optional().meta({ description: "Total attempts, including the first" }),
    backoff: z.enum(BACKOFF_KINDS).optional(),
    delay: durationSchema.optional().meta({ description: "Delay before the second attempt" }),
    maxDelay: durationSchema.optional().meta({ description: "Upper bound of any delay, Retry-After included" }),
    jitter: z.boolean().optional().meta({ description: "Randomise each delay by up to ±20% (full jitter below the cap)" }),
  })
  .meta({ id: "RetryPolicy" });

export type RetryPolicyInput = z.infer<typeof retryPolicySchema>;
