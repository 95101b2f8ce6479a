// Messages that exhausted their deliveries land here. A task the run still waits for and
// nobody else claimed fails its step with `delivery_failed` (not retried: the run
// decides what happens next); a task another delivery claimed is that delivery's to finish. A report that could not be
// delivered is left to the attempt's deadline.
import { runStub } from "../durable/run-stub";
import { reportOutcome } from "./consumer";
import { isReportMessage } from "./report-message";
import { taskMessageSchema } from "./task-message";

export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      if (isReportMessage(message.body)) {
        console.error("a task report could not be delivered; the attempt's deadline decides", message.body);
        return message.ack();
      }
      const parsed = taskMessageSchema.safeParse(message.body);
      if (!parsed.success) return message.ack();
      const task = parsed.data;
      try {
        const key = { stepId: task.stepId, attempt: task.attempt, stepType: task.stepType };
        if ((await runStub(env, task.runId).claimTask(key, message.id)) !== "go") return message.ack();
      } catch (error) {
        console.error(`dead letter ${task.runId}/${task.stepId}#${task.attempt}: the run could not be reached`, error);
        return message.retry();
      }
      if (task.stepType === "notify") return message.ack();
      const error = {
        code: "delivery_failed",
        message: `task delivery failed after ${message.attempts} attempts`,
        retryable: false,
      };
      await reportOutcome(message, env, task, { ok: false, error });
    }),
  );
}
