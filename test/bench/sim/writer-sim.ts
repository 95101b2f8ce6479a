// A simulation of the index writers (src/writer/index-writer.ts) under a synthetic load no
// single machine can drive for real: N starts per second of a 5-step run, each run handing
// its writer two outbox flushes (its start, its finish) as the real runs do. Virtual time,
// the writers' own batching rule (core/writer-batching.ts) and batch limits; D1's latency is
// a model (D1_BASE_MS + D1_PER_ROW_MS per row), stated in the report. It answers: how many
// D1 batches and statements per second, and how far the index trails the runs.
import {
  commitAt,
  isBacklog,
  WRITER_BATCH_LIMITS,
  WRITER_ROWS_PER_STATEMENT,
} from "../../../src/core/writer-batching.ts";
import { stableHash } from "../../../src/core/stable-hash.ts";
import { percentile } from "../stats.ts";

export interface SimLoad {
  startsPerSecond: number;
  seconds: number;
  writers: number;
  intervalMs: number;
  /** Start → finish of one run (the bench's idle 5-step latency is about 20 ms). */
  runMs: number;
  /** Audit rows a run flushes with its start (run.started, the API call's entry) and with its finish (5 steps, run.succeeded). */
  auditsAtStart: number;
  auditsAtFinish: number;
}

/** D1's latency for one batch, modelled: a round trip plus a cost per row. */
export const D1_BASE_MS = 15;
export const D1_PER_ROW_MS = 0.01;

export interface SimReport {
  load: SimLoad;
  runs: number;
  batchesPerSecond: number;
  statementsPerSecond: number;
  rowsPerSecond: number;
  roundTripsPerRun: number;
  indexLagP50Ms: number;
  indexLagP99Ms: number;
  indexLagMaxMs: number;
  auditLagP99Ms: number;
  maxPendingRows: number;
}

interface Pending {
  /** Run id → when its oldest row not yet committed was handed over (the index row is a snapshot: newer replaces). */
  index: Map<string, number>;
  audits: number[];
}

interface WriterState {
  pending: Pending;
  lastCommitAt: number;
  committing: boolean;
  alarmAt: number | null;
}

type SimEvent =
  | { at: number; kind: "append"; writer: number; runId: string; audits: number }
  | { at: number; kind: "alarm"; writer: number }
  | { at: number; kind: "committed"; writer: number; index: [string, number][]; audits: number[] };

export function simulateWriters(load: SimLoad): SimReport {
  const events = new EventQueue();
  const runs = Math.round(load.startsPerSecond * load.seconds);
  for (let i = 0; i < runs; i++) {
    const runId = `run-${i}`;
    const startedAt = (i * 1000) / load.startsPerSecond;
    const writer = stableHash(runId) % load.writers;
    events.push({ at: startedAt, kind: "append", writer, runId, audits: load.auditsAtStart });
    events.push({ at: startedAt + load.runMs, kind: "append", writer, runId, audits: load.auditsAtFinish });
  }
  const writers: WriterState[] = Array.from({ length: load.writers }, () => ({
    pending: { index: new Map(), audits: [] },
    lastCommitAt: Number.NEGATIVE_INFINITY,
    committing: false,
    alarmAt: null,
  }));
  const indexLags: number[] = [];
  const auditLags: number[] = [];
  let batches = 0;
  let statements = 0;
  let rows = 0;
  let maxPendingRows = 0;
  let end = 0;

  const commit = (id: number, now: number) => {
    const writer = writers[id]!;
    const index = [...writer.pending.index].slice(0, WRITER_BATCH_LIMITS.index);
    const audits = writer.pending.audits.slice(0, WRITER_BATCH_LIMITS.audits);
    if (index.length === 0 && audits.length === 0) return;
    for (const [runId] of index) writer.pending.index.delete(runId);
    writer.pending.audits.splice(0, audits.length);
    writer.committing = true;
    writer.lastCommitAt = now;
    batches += 1;
    statements +=
      Math.ceil(index.length / WRITER_ROWS_PER_STATEMENT.index) +
      Math.ceil(audits.length / WRITER_ROWS_PER_STATEMENT.audits);
    rows += index.length + audits.length;
    events.push({
      at: now + D1_BASE_MS + D1_PER_ROW_MS * (index.length + audits.length),
      kind: "committed",
      writer: id,
      index,
      audits,
    });
  };
  const arm = (id: number, at: number) => {
    const writer = writers[id]!;
    if (writer.alarmAt !== null && writer.alarmAt <= at) return;
    writer.alarmAt = at;
    events.push({ at, kind: "alarm", writer: id });
  };

  for (let event = events.pop(); event; event = events.pop()) {
    const now = event.at;
    end = Math.max(end, now);
    const writer = writers[event.writer]!;
    if (event.kind === "append") {
      if (!writer.pending.index.has(event.runId)) writer.pending.index.set(event.runId, now);
      for (let i = 0; i < event.audits; i++) writer.pending.audits.push(now);
      maxPendingRows = Math.max(maxPendingRows, writer.pending.index.size + writer.pending.audits.length);
      const at = commitAt({ now, lastCommitAt: writer.lastCommitAt, committing: writer.committing }, load.intervalMs);
      if (at === now) commit(event.writer, now);
      else arm(event.writer, at);
    } else if (event.kind === "alarm") {
      if (writer.alarmAt !== now) continue; // moved earlier since
      writer.alarmAt = null;
      if (!writer.committing) commit(event.writer, now);
    } else {
      writer.committing = false;
      for (const [, handedAt] of event.index) indexLags.push(now - handedAt);
      for (const handedAt of event.audits) auditLags.push(now - handedAt);
      const pendingRows = writer.pending.index.size + writer.pending.audits.length;
      if (isBacklog({ index: event.index.length, audits: event.audits.length })) commit(event.writer, now);
      else if (pendingRows > 0) arm(event.writer, writer.lastCommitAt + load.intervalMs);
    }
  }
  const seconds = end / 1000;
  return {
    load,
    runs,
    batchesPerSecond: batches / seconds,
    statementsPerSecond: statements / seconds,
    rowsPerSecond: rows / seconds,
    roundTripsPerRun: batches / runs,
    indexLagP50Ms: percentile(indexLags, 50),
    indexLagP99Ms: percentile(indexLags, 99),
    indexLagMaxMs: indexLags.reduce((max, lag) => Math.max(max, lag), 0),
    auditLagP99Ms: percentile(auditLags, 99),
    maxPendingRows,
  };
}

/** A binary min-heap of events by time (ties in insertion order). */
class EventQueue {
  private readonly heap: { event: SimEvent; order: number }[] = [];
  private count = 0;

  push(event: SimEvent): void {
    const heap = this.heap;
    heap.push({ event, order: this.count++ });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): SimEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const [left, right] = [2 * i + 1, 2 * i + 2];
        let smallest = i;
        if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top?.event;
  }
}

function before(a: { event: SimEvent; order: number }, b: { event: SimEvent; order: number }): boolean {
  return a.event.at < b.event.at || (a.event.at === b.event.at && a.order < b.order);
}
