// Payloads over 64 KiB live in R2: Durable Object rows and queue messages
// carry a `{ $blob }` reference instead, and the value is read back when needed.
import type { TaskEffect } from "../core/engine/effects";
import type { RunState, StepState } from "../core/engine/run-state";
import type { StoredForms } from "./storage";

const INLINE_LIMIT_BYTES = 64 * 1024;

interface BlobReference {
  $blob: string;
  bytes: number;
}

function isBlobReference(value: unknown): value is BlobReference {
  return typeof value === "object" && value !== null && typeof (value as BlobReference).$blob === "string";
}

/** The value itself when small, else a reference to it after storing it under `key`. */
export async function offload(bucket: R2Bucket, key: string, value: unknown): Promise<unknown> {
  if (value === undefined) return undefined;
  const json = JSON.stringify(value);
  const bytes = new TextEncoder().encode(json).byteLength;
  if (bytes <= INLINE_LIMIT_BYTES) return value;
  await bucket.put(key, json, { httpMetadata: { contentType: "application/json" } });
  return { $blob: key, bytes } satisfies BlobReference;
}

/** Reads a referenced value back; anything else is returned as is. */
export async function restore(bucket: R2Bucket, value: unknown): Promise<unknown> {
  if (!isBlobReference(value)) return value;
  const object = await bucket.get(value.$blob);
  if (!object) throw new Error(`blob ${value.$blob} is missing from R2`);
  return JSON.parse(await object.text());
}

/** A step as stored in its row: large input and output replaced by references. */
async function offloadStep(bucket: R2Bucket, runId: string, step: StepState): Promise<StepState> {
  const prefix = `runs/${runId}/steps/${step.id}`;
  const [input, output] = await Promise.all([
    offload(bucket, `${prefix}/input.json`, step.input),
    offload(bucket, `${prefix}/output.json`, step.output),
  ]);
  return input === step.input && output === step.output ? step : { ...step, input, output };
}

/** The run as loaded from storage, with every reference read back from R2. */
export async function restoreRun(bucket: R2Bucket, state: RunState): Promise<RunState> {
  const steps: Record<string, StepState> = {};
  for (const [id, step] of Object.entries(state.steps)) {
    steps[id] =
      isBlobReference(step.input) || isBlobReference(step.output)
        ? { ...step, input: await restore(bucket, step.input), output: await restore(bucket, step.output) }
        : step;
  }
  return { ...state, input: await restore(bucket, state.input), output: await restore(bucket, state.output), steps };
}

export function hasBlobReferences(state: RunState): boolean {
  return (
    isBlobReference(state.input) ||
    isBlobReference(state.output) ||
    Object.values(state.steps).some((step) => isBlobReference(step.input) || isBlobReference(step.output))
  );
}

/** How a transition's changes are written: large inputs and outputs go to R2 first. */
export async function storedForms(
  bucket: R2Bucket,
  before: RunState | undefined,
  after: RunState,
): Promise<StoredForms> {
  const steps = new Map<string, StepState>();
  for (const [id, step] of Object.entries(after.steps)) {
    if (before?.steps[id] !== step) steps.set(id, await offloadStep(bucket, after.id, step));
  }
  return {
    step: (step) => steps.get(step.id) ?? step,
    input: before ? undefined : await offload(bucket, `runs/${after.id}/input.json`, after.input),
    output:
      after.output !== before?.output ? await offload(bucket, `runs/${after.id}/output.json`, after.output) : undefined,
  };
}

/** A task whose message would exceed 64 KiB travels with its request in R2. */
export async function taskMessage(bucket: R2Bucket, task: TaskEffect): Promise<TaskEffect> {
  // Bytes, not characters: a queue message is capped in bytes.
  if (new TextEncoder().encode(JSON.stringify(task)).byteLength <= INLINE_LIMIT_BYTES) return task;
  return {
    ...task,
    request: await offload(bucket, `runs/${task.runId}/tasks/${task.stepId}-${task.attempt}.json`, task.request),
  };
}
