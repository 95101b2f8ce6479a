// The queue consumer: claims one attempt of an I/O step from its run, executes it and
// reports the outcome.
// The run owns retries; the queue only owns delivery: a task message is retried only when
// the run could not be asked for it, never because its report failed (the report is then
// retried on its own), so an effect is carried out once per delivery the run asked for.
import type { TaskReport } from "../run/commands";
import { offload, restore } from "../run/blobs";
import { runStub } from "../run/client";
import { executeTask } from "./execute";
import { isReportMessage, reportMessageSchema, type ReportMessage } from "./report-message";
import { taskMessageSchema, type TaskMessage } from "./task-message";

/** Reports tried at once, then after these pauses, before the report goes through the queue. */
const REPORT_RETRY_PAUSES_MS = [250, 1_000];

export async function consumeTasks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map((message) =>
      isReportMessage(message.body) ? deliverQueuedReport(message, env) : handleTask(message, env),
    ),
  );
}

async function handleTask(message: Message<unknown>, env: Env): Promise<void> {
  const parsed = taskMessageSchema.safeParse(message.body);
  if (!parsed.success) {
    // A malformed message can never succeed; the run sends its task again until one is claimed.
    console.error("dropping malformed task message", parsed.error.issues);
    message.ack();
    return;
  }
  const task = parsed.data;
  if (!(await claim(message, env, task))) return;
  let outcome: TaskReport["outcome"];
  try {
    outcome = await executeTask(task, env);
  } catch (error) {
    // Executors turn failures into outcomes; reaching here means infrastructure (R2, D1) failed.
    outcome = {
      ok: false,
      error: { code: "infrastructure_error", message: `the task could not run: ${String(error)}`, retryable: true },
    };
  }
  // A notification decides nothing, so the run is not told.
  if (task.stepType === "notify") return settleNotification(message, task, outcome);
  await reportOutcome(message, env, task, outcome);
}

/**
 * Asks the run for the task: true when this delivery is the one to carry it out. A duplicate,
 * or an attempt the run timed out, cancelled or superseded, is acknowledged unexecuted.
 */
async function claim(message: Message<unknown>, env: Env, task: TaskMessage): Promise<boolean> {
  try {
    const answer = await runStub(env, task.runId).claimTask({
      stepId: task.stepId,
      attempt: task.attempt,
      stepType: task.stepType,
    });
    if (answer === "go") return true;
    message.ack();
    return false;
  } catch (error) {
    console.error(`could not claim ${describe(task)}; redelivering`, error);
    redeliver(message);
    return false;
  }
}

function settleNotification(message: Message<unknown>, task: TaskMessage, outcome: TaskReport["outcome"]): void {
  if (!outcome.ok)
    console.error(`notification of ${describe(task)} failed: ${outcome.error.code}: ${outcome.error.message}`);
  message.ack();
}

/**
 * Tells the run, retrying a few times; if it still cannot be reached, the outcome goes
 * through the queue as a report message. Only if that too fails is the task redelivered
 * (its effect carried out again under the same Idempotency-Key).
 */
export async function reportOutcome(
  message: Message<unknown>,
  env: Env,
  task: TaskMessage,
  outcome: TaskReport["outcome"],
): Promise<void> {
  for (const pause of [0, ...REPORT_RETRY_PAUSES_MS]) {
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
    try {
      await tell(env, task, outcome);
      message.ack();
      return;
    } catch (error) {
      console.error(`could not report ${describe(task)}`, error);
    }
  }
  try {
    const queued = await offload(
      env.BLOBS,
      `runs/${task.runId}/reports/${task.stepType}-${task.stepId}-${task.attempt}.json`,
      outcome,
    );
    const report: ReportMessage = {
      type: "report",
      runId: task.runId,
      stepId: task.stepId,
      attempt: task.attempt,
      stepType: task.stepType,
      outcome: queued,
    };
    await env.TASKS.send(report, { contentType: "json" });
    message.ack();
  } catch (error) {
    console.error(`could not queue the report of ${describe(task)}; redelivering the task`, error);
    redeliver(message);
  }
}

/** A report that went through the queue: retried (backing off) until the run hears it. */
async function deliverQueuedReport(message: Message<unknown>, env: Env): Promise<void> {
  const parsed = reportMessageSchema.safeParse(message.body);
  if (!parsed.success) {
    console.error("dropping malformed report message", parsed.error.issues);
    message.ack();
    return;
  }
  const report = parsed.data;
  try {
    await tell(env, report, (await restore(env.BLOBS, report.outcome)) as TaskReport["outcome"]);
    message.ack();
  } catch (error) {
    console.error(`could not deliver the queued report of ${describe(report)}; redelivering`, error);
    redeliver(message);
  }
}

function tell(
  env: Env,
  task: Pick<TaskMessage, "runId" | "stepId" | "attempt" | "stepType">,
  outcome: TaskReport["outcome"],
): Promise<void> {
  const report = { stepId: task.stepId, attempt: task.attempt, outcome };
  // A triage answer is not an outcome of the step's attempt: the run takes it apart.
  const run = runStub(env, task.runId);
  return task.stepType === "triage" ? run.triaged(report) : run.report(report);
}

function describe(task: Pick<TaskMessage, "runId" | "stepId" | "attempt" | "stepType">): string {
  return `${task.stepType} task ${task.runId}/${task.stepId}#${task.attempt}`;
}

function redeliver(message: Message<unknown>): void {
  message.retry({ delaySeconds: Math.min(2 ** message.attempts, 60) });
}
