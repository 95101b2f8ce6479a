// The queue consumer: claims one attempt of an I/O step from its run, executes it and
// reports the outcome. A report may bring back the run's next task, claimed for this
// consumer, which is then carried out at once instead of travelling through the queue,
// within a budget per invocation (handoff-budget.ts).
// The run owns retries; the queue only owns delivery: a task message is retried when the run
// could not be asked for it, and never because its report failed (the report is then
// retried on its own, through the queue if need be).
import type { TaskEffect } from "../core/engine/effects";
import type { ReportAnswer, ReportHandoff, TaskReport } from "../durable/run-commands";
import { offload, restore } from "../run/blobs";
import { runStub } from "../durable/run-stub";
import { executeTask } from "./execute";
import { HandoffBudget } from "./handoff-budget";
import { isReportMessage, reportMessageSchema, type ReportMessage } from "./report-message";
import { namedTaskSchema, taskMessageSchema, type TaskMessage } from "./task-message";

type TaskName = Pick<TaskMessage, "runId" | "stepId" | "attempt" | "stepType">;

/** Reports tried at once, then after these pauses, before the report goes through the queue. */
const REPORT_RETRY_PAUSES_MS = [250, 1_000];

export async function consumeTasks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const budget = new HandoffBudget(Date.now());
  await Promise.all(
    batch.messages.map((message) =>
      isReportMessage(message.body) ? deliverQueuedReport(message, env, budget) : handleTask(message, env, budget),
    ),
  );
}

async function handleTask(message: Message<unknown>, env: Env, budget: HandoffBudget): Promise<void> {
  const parsed = taskMessageSchema.safeParse(message.body);
  if (!parsed.success) return refuseMalformed(message, env, parsed.error.issues);
  const task = parsed.data;
  if (!(await claim(message, env, task))) return;
  const outcome = await carryOut(task, env);
  // A notification decides nothing, so the run is not told.
  if (task.stepType === "notify") return settleNotification(message, task, outcome);
  const next = await reportOutcome(message, env, task, outcome, budget.offer(message.id, task.stepType));
  await carryOutChain(next, env, budget, message.id);
}

/** Carries out the tasks runs hand over, one after another, while they keep handing them. */
async function carryOutChain(first: TaskEffect | null, env: Env, budget: HandoffBudget, messageId: string) {
  for (let next = first; next; ) next = await carryOutHandedOff(next, env, budget, messageId);
}

async function carryOut(task: TaskMessage, env: Env): Promise<TaskReport["outcome"]> {
  try {
    return await executeTask(task, env);
  } catch (error) {
    // Executors turn failures into outcomes; reaching here means infrastructure (R2, D1) failed.
    return {
      ok: false,
      error: { code: "infrastructure_error", message: `the task could not run: ${String(error)}`, retryable: true },
    };
  }
}

/**
 * A task its run handed over with a report, already claimed for this consumer: carried
 * out and reported like a queued one. There is no message to redeliver: if its report
 * cannot reach the run by any path, the attempt's deadline covers it.
 */
async function carryOutHandedOff(
  body: TaskEffect,
  env: Env,
  budget: HandoffBudget,
  messageId: string,
): Promise<TaskEffect | null> {
  const parsed = taskMessageSchema.safeParse(body);
  if (!parsed.success) {
    console.error("a run handed over a malformed task; its deadline fails the attempt", parsed.error.issues);
    return null;
  }
  const task = parsed.data;
  const outcome = await carryOut(task, env);
  const answer = await deliverReport(env, task, outcome, budget.offer(messageId, task.stepType));
  if (answer === "lost") console.error(`the report of ${describe(task)} was lost; the attempt's deadline covers it`);
  return answer === "queued" || answer === "lost" ? null : answer.next;
}

/**
 * Asks the run for the task: true when this delivery is the one to carry it out. A duplicate,
 * or an attempt the run timed out, cancelled or superseded, is acknowledged unexecuted.
 */
async function claim(message: Message<unknown>, env: Env, task: TaskName): Promise<boolean> {
  try {
    const key = { stepId: task.stepId, attempt: task.attempt, stepType: task.stepType };
    const answer = await runStub(env, task.runId).claimTask(key, message.id);
    if (answer === "go") return true;
    message.ack();
    return false;
  } catch (error) {
    console.error(`could not claim ${describe(task)}; redelivering`, error);
    redeliver(message);
    return false;
  }
}

/** A notification decides nothing: a retryable failure is redelivered (the same message claims it again). */
function settleNotification(message: Message<unknown>, task: TaskMessage, outcome: TaskReport["outcome"]): void {
  if (outcome.ok) return message.ack();
  console.error(`notification of ${describe(task)} failed: ${outcome.error.code}: ${outcome.error.message}`);
  if (outcome.error.retryable) redeliver(message);
  else message.ack();
}

/**
 * A message that is not a valid task can never succeed. When it still names its run, step,
 * attempt and type, the run is told (after claiming it) so the attempt fails at once with
 * `invalid_task` instead of the run sending it again; anything else is dropped.
 */
async function refuseMalformed(message: Message<unknown>, env: Env, issues: unknown): Promise<void> {
  console.error("malformed task message", issues);
  const named = namedTaskSchema.safeParse(message.body);
  if (!named.success) return message.ack();
  const task = named.data;
  if (task.stepType === "notify" || !(await claim(message, env, task))) return message.ack();
  const error = { code: "invalid_task", message: "the task message is malformed", retryable: false };
  await reportOutcome(message, env, task, { ok: false, error });
}

/**
 * Tells the run, retrying a few times; if it still cannot be reached, the outcome goes
 * through the queue as a report message. Only if that too fails is the task redelivered
 * (its effect carried out again under the same Idempotency-Key). Answers the task the run
 * handed over, if any.
 */
export async function reportOutcome(
  message: Message<unknown>,
  env: Env,
  task: TaskName,
  outcome: TaskReport["outcome"],
  handoff?: ReportHandoff,
): Promise<TaskEffect | null> {
  const answer = await deliverReport(env, task, outcome, handoff);
  if (answer === "lost") {
    redeliver(message);
    return null;
  }
  message.ack();
  return answer === "queued" ? null : answer.next;
}

/** The run's answer; "queued" when the report went through the queue instead, "lost" when neither worked. */
async function deliverReport(
  env: Env,
  task: TaskName,
  outcome: TaskReport["outcome"],
  handoff: ReportHandoff | undefined,
): Promise<ReportAnswer | "queued" | "lost"> {
  for (const pause of [0, ...REPORT_RETRY_PAUSES_MS]) {
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
    try {
      return await tell(env, task, outcome, handoff);
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
      ...(handoff ? { claimant: handoff.claimant } : {}),
    };
    await env.TASKS.send(report, { contentType: "json" });
    return "queued";
  } catch (error) {
    console.error(`could not queue the report of ${describe(task)}`, error);
    return "lost";
  }
}

/**
 * A report that went through the queue: retried (backing off) until the run hears it. A task
 * the run handed over with its first delivery, unanswered, is answered now and carried out.
 */
async function deliverQueuedReport(message: Message<unknown>, env: Env, budget: HandoffBudget): Promise<void> {
  const parsed = reportMessageSchema.safeParse(message.body);
  if (!parsed.success) {
    console.error("dropping malformed report message", parsed.error.issues);
    message.ack();
    return;
  }
  const report = parsed.data;
  let next: TaskEffect | null;
  try {
    const outcome = (await restore(env.BLOBS, report.outcome)) as TaskReport["outcome"];
    ({ next } = await tell(env, report, outcome, report.claimant ? { claimant: report.claimant } : undefined));
    message.ack();
  } catch (error) {
    console.error(`could not deliver the queued report of ${describe(report)}; redelivering`, error);
    redeliver(message);
    return;
  }
  await carryOutChain(next, env, budget, message.id);
}

async function tell(
  env: Env,
  task: TaskName,
  outcome: TaskReport["outcome"],
  handoff?: ReportHandoff,
): Promise<ReportAnswer> {
  const report = { stepId: task.stepId, attempt: task.attempt, outcome };
  const run = runStub(env, task.runId);
  // A triage answer is not an outcome of the step's attempt: the run takes it apart.
  if (task.stepType === "triage") {
    await run.triaged(report);
    return { next: null };
  }
  return run.report(report, handoff);
}

function describe(task: TaskName): string {
  return `${task.stepType} task ${task.runId}/${task.stepId}#${task.attempt}`;
}

function redeliver(message: Message<unknown>): void {
  message.retry({ delaySeconds: Math.min(2 ** message.attempts, 60) });
}
