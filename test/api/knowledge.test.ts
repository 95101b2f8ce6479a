// The knowledge store API: editors put documents (chunked and indexed on write),
// viewers list them, editors delete them. Bad input is a precise 4xx. D1 is shared with
// other files: every collection here has a unique name.
import { describe, expect, it } from "vitest";
import { call, expectJson, expectProblem } from "../support/workers/api";
import { issueToken, uniqueName } from "../support/workers/tokens";

interface KnowledgeDocument {
  collection: string;
  docId: string;
  chunks: number;
  bytes: number;
  metadata: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
}
const put = (collection: string, docId: string, json: unknown, token?: string) =>
  call("PUT", `/api/knowledge/${collection}/${docId}`, { json, ...(token ? { token } : {}) });
const list = async (collection: string, query = "") =>
  expectJson<{ documents: KnowledgeDocument[]; nextCursor: string | null }>(
    await call("GET", `/api/knowledge/${collection}${query}`),
    200,
  );

describe("the knowledge store API", () => {
  it("puts a document (201), replaces it (200), lists and deletes it", async () => {
    const collection = uniqueName("kb");
    const created = await expectJson<KnowledgeDocument>(
      await put(collection, "refunds", { text: "Refunds are issued within 14 days.", metadata: { owner: "finance" } }),
      201,
    );
    expect(created).toMatchObject({
      collection,
      docId: "refunds",
      chunks: 1,
      bytes: 34,
      metadata: { owner: "finance" },
    });
    const replaced = await expectJson<KnowledgeDocument>(
      await put(collection, "refunds", { text: "Refunds are issued within 30 days." }),
      200,
    );
    expect(replaced).toMatchObject({ metadata: null, createdAt: created.createdAt });
    await put(collection, "shipping", { text: "We ship worldwide." });
    expect((await list(collection)).documents.map((doc) => doc.docId)).toEqual(["refunds", "shipping"]);
    expect(await list(collection, "?limit=1")).toMatchObject({
      documents: [{ docId: "refunds" }],
      nextCursor: "refunds",
    });
    expect(await list(collection, "?limit=1&cursor=refunds")).toMatchObject({
      documents: [{ docId: "shipping" }],
      nextCursor: null,
    });
    expect((await call("DELETE", `/api/knowledge/${collection}/refunds`)).status).toBe(204);
    await expectProblem(await call("DELETE", `/api/knowledge/${collection}/refunds`), 404, "not_found");
    expect((await list(collection)).documents.map((doc) => doc.docId)).toEqual(["shipping"]);
  });

  it("cuts a long document into overlapping chunks of about 800 characters", async () => {
    const collection = uniqueName("kb");
    const sentences = Array.from(
      { length: 60 },
      (_, index) => `Sentence number ${index} explains one more rule of the policy.`,
    );
    const doc = await expectJson<KnowledgeDocument>(await put(collection, "long", { text: sentences.join(" ") }), 201);
    expect(doc.chunks).toBeGreaterThanOrEqual(4);
    expect(doc.chunks).toBeLessThanOrEqual(6);
  });

  it("an oversized document is 413 payload_too_large, and nothing is stored", async () => {
    const collection = uniqueName("kb");
    await expectProblem(await put(collection, "huge", { text: "x".repeat(1024 * 1024 + 1) }), 413, "payload_too_large");
    expect((await list(collection)).documents).toEqual([]);
  });

  it.each([
    ["an empty text", "kb-x", "doc", { text: "   " }, 422, "validation_failed"],
    ["no text", "kb-x", "doc", { metadata: {} }, 422, "validation_failed"],
    ["metadata that is not an object", "kb-x", "doc", { text: "a", metadata: [1] }, 422, "validation_failed"],
    ["an unknown field", "kb-x", "doc", { text: "a", tags: [] }, 422, "validation_failed"],
    ["a collection with capitals", "KB", "doc", { text: "a" }, 400, "bad_request"],
    ["a document id with a space", "kb-x", "a%20b", { text: "a" }, 400, "bad_request"],
  ])("%s is refused", async (_case, collection, docId, body, status, code) => {
    await expectProblem(await put(collection, docId, body), status, code);
  });

  it("malformed JSON is 400", async () => {
    await expectProblem(
      await call("PUT", "/api/knowledge/kb-x/doc", { raw: "{", contentType: "application/json" }),
      400,
      "bad_request",
    );
  });

  it("a viewer may list but not write; an editor may write", async () => {
    const collection = uniqueName("kb");
    const viewer = await issueToken("viewer");
    const editor = await issueToken("editor");
    await expectProblem(await put(collection, "doc", { text: "a" }, viewer.token), 403, "forbidden");
    await expectProblem(
      await call("DELETE", `/api/knowledge/${collection}/doc`, { token: viewer.token }),
      403,
      "forbidden",
    );
    expect((await put(collection, "doc", { text: "a" }, editor.token)).status).toBe(201);
    expect((await call("GET", `/api/knowledge/${collection}`, { token: viewer.token })).status).toBe(200);
  });
});
