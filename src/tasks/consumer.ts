// The queue consumer: executes one attempt of an I/O step and reports the outcome
// to the run (and carries out the starts webhooks accepted, see accepted-starts.ts). The run owns retries; the queue only owns delivery (STYLE §4): a
// message is retried only when the run could not be told.
import type { TaskReport } from "../run/commands";
import { carryOutStarts, isStartMessage } from "../triggers/accepted-starts";
import { runStub } from "../run/client";
import { executeTask } from "./execute";
import { taskMessageSchema, type TaskMessage } from "./task-message";

export async function consumeTasks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const starts = batch.messages.filter((message) => isStartMessage(message.body));
  const tasks = batch.messages.filter((message) => !isStartMessage(message.body));
  await Promise.all([carryOutStarts(starts, env), ...tasks.map((message) => handleTask(message, env))]);
}

async function handleTask(message: Message<unknown>, env: Env): Promise<void> {
  const parsed = taskMessageSchema.safeParse(message.body);
  if (!parsed.success) {
    // A malformed message can never succeed; its attempt deadline fails the step.
    console.error("dropping malformed task message", parsed.error.issues);
    message.ack();
    return;
  }
  let outcome: TaskReport["outcome"];
  try {
    outcome = await executeTask(parsed.data, env);
  } catch (error) {
    // Executors turn failures into outcomes; reaching here means infrastructure (R2, D1) failed.
    console.error(
      `task ${parsed.data.runId}/${parsed.data.stepId}#${parsed.data.attempt} could not run; redelivering`,
      error,
    );
    message.retry({ delaySeconds: Math.min(2 ** message.attempts, 60) });
    return;
  }
  if (parsed.data.stepType === "notify") return settleNotification(message, parsed.data, outcome);
  await reportOrRetry(message, env, parsed.data, outcome);
}

/** A notification decides nothing, so the run is not told; a retryable failure is redelivered. */
function settleNotification(message: Message<unknown>, task: TaskMessage, outcome: TaskReport["outcome"]): void {
  if (outcome.ok) return message.ack();
  console.error(
    `notification of ${task.runId}/${task.stepId}#${task.attempt} failed: ${outcome.error.code}: ${outcome.error.message}`,
  );
  if (outcome.error.retryable) message.retry({ delaySeconds: Math.min(2 ** message.attempts, 60) });
  else message.ack();
}

export async function reportOrRetry(
  message: Message<unknown>,
  env: Env,
  task: TaskMessage,
  outcome: TaskReport["outcome"],
): Promise<void> {
  try {
    const report = { stepId: task.stepId, attempt: task.attempt, outcome };
    // A triage answer is not an outcome of the step's attempt: the run takes it apart.
    if (task.stepType === "triage") await runStub(env, task.runId).triaged(report);
    else await runStub(env, task.runId).report(report);
    message.ack();
  } catch (error) {
    console.error(`could not report ${task.runId}/${task.stepId}#${task.attempt}; redelivering`, error);
    message.retry({ delaySeconds: Math.min(2 ** message.attempts, 60) });
  }
}
