// The retrieve step through the real consumer: BM25 ranking over a small corpus
// the test writes, passages with collection, docId, chunk and score as citations, user text
// with FTS5 syntax in it searched as plain words, and an empty collection as a clear error.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Passage } from "../../src/tasks/passage-index";
import { call, saveWorkflow } from "../support/workers/api";
import { readRun, startRecordedRun } from "../support/workers/runs";
import { deliver } from "../support/workers/tasks";
import { uniqueName } from "../support/workers/tokens";

const WORKFLOW = uniqueName("retrieve");
const CORPUS = uniqueName("policies");
const EMPTY = uniqueName("nothing-here");
const ADVANCE = uniqueName("retrieve-changes");

const corpus: Record<string, string> = {
  refunds:
    "Refunds. A customer may ask for a refund within 30 days of purchase. Refunds are paid back to the original card within five business days.",
  shipping:
    "Shipping. Orders ship within two days. Shipping to islands takes longer. A refund of shipping costs is possible when the parcel is lost.",
  security: "Security. Passwords are hashed. Report a vulnerability to security@example.com.",
  holidays: "Holidays. The office is closed on public holidays.",
};

async function retrieve(
  collection: string,
  query: string,
  limit?: number,
): Promise<{ status: string; passages?: Passage[]; error: unknown }> {
  const run = await startRecordedRun(WORKFLOW, { collection, query, ...(limit ? { limit } : {}) });
  await deliver(run.dispatched);
  const view = await readRun(run.runId);
  return {
    status: view.status,
    passages: (view.steps[0]!.output as { passages: Passage[] } | null)?.passages,
    error: view.error,
  };
}

beforeAll(async () => {
  await saveWorkflow(WORKFLOW, {
    id: WORKFLOW,
    triggers: [],
    steps: [{ id: "find", type: "retrieve", collection: CORPUS, query: "{{ input.query }}", limit: 3 }],
  });
  for (const [docId, text] of Object.entries(corpus)) {
    const response = await call("PUT", `/api/knowledge/${CORPUS}/${docId}`, {
      json: { text, metadata: { title: docId } },
    });
    expect(response.status).toBe(201);
  }
});
afterEach(() => vi.restoreAllMocks());

describe("a retrieve step", () => {
  it("ranks passages by BM25: the document about the words asked comes first", async () => {
    const { status, passages } = await retrieve(CORPUS, "How many days do I have to ask for a refund?");
    expect(status).toBe("succeeded");
    expect(passages!.map((passage) => passage.docId)).toEqual(["refunds", "shipping"]);
    expect(passages![0]).toMatchObject({
      collection: CORPUS,
      docId: "refunds",
      chunk: 0,
      text: corpus.refunds,
      metadata: { title: "refunds" },
    });
    expect(passages![0]!.score).toBeGreaterThan(passages![1]!.score);
  });

  it("stems words: 'refunded' finds 'refund'", async () => {
    const { passages } = await retrieve(CORPUS, "refunded");
    expect(passages!.map((passage) => passage.docId)).toContain("refunds");
  });

  it("searches user text with quotes and FTS5 operators as plain words", async () => {
    const { status, passages } = await retrieve(CORPUS, 'vulnerability" OR NEAR(password* AND -) text: "{');
    expect(status).toBe("succeeded");
    expect(passages![0]!.docId).toBe("security");
  });

  it("a query that matches nothing succeeds with no passages", async () => {
    expect(await retrieve(CORPUS, "zebra quantum")).toMatchObject({ status: "succeeded", passages: [] });
    expect(await retrieve(CORPUS, "?!")).toMatchObject({ status: "succeeded", passages: [] });
  });

  it("an empty collection fails the step with collection_empty, without retry", async () => {
    await saveWorkflow(`${WORKFLOW}-empty`, {
      id: `${WORKFLOW}-empty`,
      triggers: [],
      steps: [{ id: "find", type: "retrieve", collection: EMPTY, query: "{{ input.query }}" }],
    });
    const run = await startRecordedRun(`${WORKFLOW}-empty`, { query: "refund" });
    await deliver(run.dispatched);
    const view = await readRun(run.runId);
    expect(view.status).toBe("failed");
    expect(view.error).toMatchObject({
      stepId: "find",
      code: "collection_empty",
      retryable: false,
      message: expect.stringContaining(EMPTY),
    });
    expect(view.steps[0]!.attempts).toHaveLength(1);
  });

  it("a replaced document is searched by its new text only; a deleted one is not found", async () => {
    await call("PUT", `/api/knowledge/${ADVANCE}/a`, { json: { text: "Pineapples grow in warm places." } });
    await call("PUT", `/api/knowledge/${ADVANCE}/b`, { json: { text: "Kiwis are small." } });
    await saveWorkflow(`${WORKFLOW}-changes`, {
      id: `${WORKFLOW}-changes`,
      triggers: [],
      steps: [{ id: "find", type: "retrieve", collection: ADVANCE, query: "{{ input.query }}" }],
    });
    const search = async (query: string) => {
      const run = await startRecordedRun(`${WORKFLOW}-changes`, { query });
      await deliver(run.dispatched);
      return ((await readRun(run.runId)).steps[0]!.output as { passages: Passage[] }).passages.map(
        (passage) => passage.docId,
      );
    };
    expect(await search("pineapples")).toEqual(["a"]);
    await call("PUT", `/api/knowledge/${ADVANCE}/a`, { json: { text: "Mangoes grow in warm places." } });
    expect(await search("pineapples")).toEqual([]);
    expect(await search("mangoes")).toEqual(["a"]);
    expect((await call("DELETE", `/api/knowledge/${ADVANCE}/a`)).status).toBe(204);
    expect(await search("mangoes warm")).toEqual([]);
    expect(await search("kiwis")).toEqual(["b"]);
  });
});
