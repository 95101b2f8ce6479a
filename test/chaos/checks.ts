// The verdicts of the chaos test (the guarantees of docs/durability.md), each with the figures
// that explain it. Pure: everything observed comes in, nothing is asked of the system.
import { describeRun, type ApiResponse, type RunSummary, type RunView } from "../support/waymark-client.ts";
import { countBy, countOf, describeAnswer, examples, truncate } from "./describe.ts";
import { acknowledgedRuns, type AcknowledgedRun, type EffectTally } from "./effects.ts";
import { WORKFLOWS, type ChaosWorkflow } from "./flows.ts";
import type { ChaosOptions } from "./options.ts";
import type { Settling } from "./observe.ts";
import { acknowledgement, type AskPhase, type Trigger } from "./senders.ts";

export const CHECKS = [
  "every trigger acknowledged",
  "one run per trigger",
  "no extra runs",
  "every run succeeded",
  "every effect delivered",
  "no 409 at the end",
  "audit chain valid",
  "settled in time",
] as const;
type CheckName = (typeof CHECKS)[number];

export interface Check {
  name: CheckName;
  pass: boolean;
  detail: string;
}

export interface Observations {
  options: ChaosOptions;
  triggers: Trigger[];
  listed: Map<ChaosWorkflow, RunSummary[]>;
  views: Map<string, RunView | string>;
  effects: EffectTally;
  audit: ApiResponse;
  settling: Settling;
}

export function evaluate(o: Observations): Check[] {
  const runs = acknowledgedRuns(o.triggers);
  return [
    everyTriggerAcknowledged(o.triggers),
    oneRunPerTrigger(o.triggers, runs),
    noExtraRuns(o, runs),
    everyRunSucceeded(o, runs),
    everyEffectDelivered(o.effects),
    no409AtTheEnd(o.triggers),
    auditChainValid(o.audit),
    settledInTime(o.settling, o.options.settleLimitMs),
  ];
}

const check = (name: CheckName, problems: string[], figures: string): Check => ({
  name,
  pass: problems.length === 0,
  detail: problems.length === 0 ? figures : `${figures}; ${problems.length} problem(s): ${examples(problems)}`,
});

function everyTriggerAcknowledged(triggers: Trigger[]): Check {
  const problems = triggers
    .filter((trigger) => !acknowledgement(trigger))
    .map((trigger) => `${trigger.kind} ${trigger.id} never acknowledged, last ${describeAnswer(trigger.answers[0])}`);
  const firsts = countBy(
    triggers.map((t) => `${t.kind} ${describeAnswer(t.answers.find((a) => a.phase === "first"))}`),
  );
  return check(
    "every trigger acknowledged",
    problems,
    `${triggers.length - problems.length} of ${triggers.length} acknowledged (${firsts})`,
  );
}

function oneRunPerTrigger(triggers: Trigger[], runs: AcknowledgedRun[]): Check {
  const problems: string[] = [];
  for (const { trigger, runId } of runs) {
    for (const answer of trigger.answers.filter((a) => a.runId !== null && a.runId !== runId))
      problems.push(`${trigger.id}: acknowledged as ${runId}, a ${answer.phase} ask answered ${answer.runId}`);
    for (const answer of trigger.answers.filter((a) => trigger.kind === "webhook" && a.phase !== "first"))
      if (answer.status !== 200 || !answer.repeat || answer.runId !== runId)
        problems.push(
          `${trigger.id}: a ${answer.phase} redelivery answered ${describeAnswer(answer)}, not 200 duplicate ${runId}`,
        );
  }
  for (const [runId, count] of Object.entries(countOf(runs.map((run) => run.runId))))
    if (count > 1) problems.push(`${count} triggers acknowledged with the same run ${runId}`);
  const redelivered = (phase: AskPhase) =>
    triggers.flatMap((t) => t.answers.filter((a) => t.kind === "webhook" && a.phase === phase)).map(describeAnswer);
  const during = redelivered("redelivery");
  const after = redelivered("final");
  return check(
    "one run per trigger",
    problems,
    `${runs.length} acknowledged triggers, ${triggers.reduce((sum, t) => sum + t.answers.length, 0)} answers; redeliveries of acknowledged deliveries: ${during.length} during the chaos (${countBy(during)}), ${after.length} after it (${countBy(after)})`,
  );
}

function noExtraRuns(o: Observations, runs: AcknowledgedRun[]): Check {
  const problems: string[] = [];
  const figures = WORKFLOWS.map((workflow) => {
    const acknowledged = new Set(runs.filter((run) => run.trigger.workflow === workflow).map((run) => run.runId));
    const listed = o.listed.get(workflow) ?? [];
    const extra = listed.filter((run) => !acknowledged.has(run.id));
    const listedIds = new Set(listed.map((run) => run.id));
    const missing = [...acknowledged].filter((id) => !listedIds.has(id));
    if (extra.length > 0)
      problems.push(
        `${workflow}: ${extra.length} listed runs no trigger was acknowledged with (${examples(extra.map((run) => `${run.id} ${run.status}`))})`,
      );
    if (missing.length > 0)
      problems.push(`${workflow}: ${missing.length} acknowledged runs not listed (${examples(missing)})`);
    return `${workflow} listed ${listed.length} / acknowledged ${acknowledged.size}`;
  });
  const unknown = [...o.effects.unknownRuns];
  if (unknown.length > 0)
    problems.push(
      `the receiver got effects from ${unknown.length} runs no trigger was acknowledged with (${examples(unknown.map(([id, n]) => `${id} ×${n}`))})`,
    );
  return check("no extra runs", problems, figures.join(", "));
}

function everyRunSucceeded(o: Observations, runs: AcknowledgedRun[]): Check {
  const indexStatus = new Map([...o.listed.values()].flat().map((run) => [run.id, run.status]));
  const ids = [...new Set(runs.map((run) => run.runId))];
  const statusOf = (id: string) => {
    const view = o.views.get(id);
    return typeof view === "object" ? view.status : `unreadable`;
  };
  const problems = ids
    .filter((id) => statusOf(id) !== "succeeded" || indexStatus.get(id) !== "succeeded")
    .map((id) => {
      const view = o.views.get(id);
      const told =
        typeof view === "object" ? truncate(describeRun(view).replaceAll("\n", " |"), 600) : `${id}: ${view}`;
      return `${told} [index: ${indexStatus.get(id) ?? "not listed"}]`;
    });
  return check(
    "every run succeeded",
    problems,
    `${ids.length} runs; by status: ${countBy(ids.map(statusOf))}; in the index: ${countBy(ids.map((id) => indexStatus.get(id) ?? "not listed"))}`,
  );
}

function everyEffectDelivered(effects: EffectTally): Check {
  const byRun = countOf(effects.missing.map((key) => key.split(":")[0]!));
  const problems = Object.entries(byRun).map(([runId, n]) => `${runId}: ${n} effect(s) never arrived`);
  if (problems.length > 0) problems.unshift(`missing keys such as ${examples(effects.missing, 3)}`);
  return check(
    "every effect delivered",
    problems,
    `${effects.delivered} of ${effects.expected} expected effects reached the receiver`,
  );
}

function no409AtTheEnd(triggers: Trigger[]): Check {
  const finals = triggers
    .filter((t) => t.kind === "api")
    .map((t) => ({ trigger: t, answer: t.answers.find((a) => a.phase === "final") }));
  const problems = finals
    .filter(
      ({ trigger, answer }) =>
        answer?.status !== 200 || !answer.repeat || answer.runId !== acknowledgement(trigger)?.runId,
    )
    .map(({ trigger, answer }) => `${trigger.id}: ${describeAnswer(answer)}`);
  return check(
    "no 409 at the end",
    problems,
    `${finals.length} keys asked once more: ${countBy(finals.map(({ answer }) => describeAnswer(answer)))}`,
  );
}

function auditChainValid(audit: ApiResponse): Check {
  const body = audit.body as { valid?: unknown } | null;
  const problems =
    audit.status === 200 && body?.valid === true ? [] : [`GET /api/audit/verify answered ${audit.status}`];
  return check("audit chain valid", problems, JSON.stringify(audit.body));
}

function settledInTime(settling: Settling, limitMs: number): Check {
  const limit = `limit ${limitMs / 1000} s`;
  if (settling.afterMs !== null && settling.afterMs <= limitMs)
    return check(
      "settled in time",
      [],
      `settled ${(settling.afterMs / 1000).toFixed(1)} s after the last restart (${limit})`,
    );
  if (settling.afterMs !== null)
    return check(
      "settled in time",
      [`settled only ${(settling.afterMs / 1000).toFixed(1)} s after the last restart`],
      limit,
    );
  const seen = `senders still asking ${settling.asksOpen}; acknowledged runs not listed ${settling.notListed}, not final ${settling.notFinal} (-1: not read while senders were asking)`;
  return check("settled in time", [`not settled when the wait ended: ${seen}`], limit);
}
