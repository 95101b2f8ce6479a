// Messages that exhausted their deliveries land here: the attempt fails with
// `delivery_failed` so the run decides what happens next instead of waiting for
// the attempt deadline.
import { failUndeliveredStart, isStartMessage } from "../triggers/accepted-starts";
import { reportOrRetry } from "./consumer";
import { taskMessageSchema } from "./task-message";

export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      if (isStartMessage(message.body)) return failUndeliveredStart(message, env);
      const parsed = taskMessageSchema.safeParse(message.body);
      if (!parsed.success) return message.ack();
      const error = {
        code: "delivery_failed",
        message: `task delivery failed after ${message.attempts} attempts`,
        retryable: false,
      };
      await reportOrRetry(message, env, parsed.data, { ok: false, error });
    }),
  );
}
