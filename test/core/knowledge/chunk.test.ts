// The knowledge store's text handling: documents are cut into ~800-character
// chunks on sentence and paragraph boundaries with some overlap, and user text becomes an
// FTS5 query that cannot be malformed.
import { describe, expect, it } from "vitest";
import { CHUNK_CHARS, chunkText, OVERLAP_CHARS } from "../../../src/core/knowledge/chunk";
import { ftsQuery, MAX_QUERY_TERMS } from "../../../src/core/knowledge/fts-query";

const sentence = (n: number) => `Rule ${n} says something about the policy that matters.`;

describe("chunking", () => {
  it("a short text is one chunk, whitespace tidied", () => {
    expect(chunkText("  One line.\r\n\r\nAnother   paragraph. ")).toEqual(["One line.\n\nAnother paragraph."]);
  });

  it("a long text becomes chunks of at most about 800 characters, cut between sentences", () => {
    const text = Array.from({ length: 80 }, (_, n) => sentence(n)).join(" ");
    const chunks = chunkText(text);
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(CHUNK_CHARS);
      expect(chunk).toMatch(/^Rule \d+ .*\.$/s);
    }
  });

  it("each chunk repeats the end of the one before", () => {
    const chunks = chunkText(Array.from({ length: 40 }, (_, n) => sentence(n)).join(" "));
    for (let index = 1; index < chunks.length; index++) {
      const [before, chunk] = [chunks[index - 1]!, chunks[index]!];
      const overlap =
        [...Array(before.length).keys()].map((n) => before.slice(n)).find((suffix) => chunk.startsWith(`${suffix} `)) ??
        "";
      expect(overlap).toMatch(/^Rule \d+ .*\.$/);
      expect(overlap.length).toBeLessThanOrEqual(OVERLAP_CHARS);
    }
  });

  it("a sentence longer than a chunk is cut at word boundaries", () => {
    const chunks = chunkText(`${"word ".repeat(400)}end.`);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((chunk) => chunk.length <= CHUNK_CHARS && !chunk.startsWith(" "))).toBe(true);
    expect(chunks.join(" ").replace(/\s+/g, " ")).toContain("word end.");
  });

  it("an empty text has no chunks", () => {
    expect(chunkText(" \n\n ")).toEqual([]);
  });
});

describe("the FTS5 query of user text", () => {
  it.each([
    ["How do I get a refund?", '"get" OR "refund"'],
    ['vulnerability" OR NEAR(password* AND -)', '"vulnerability" OR "near" OR "password"'],
    ["collection: x", '"collection" OR "x"'],
    ["to be or not to be", '"to" OR "be" OR "or" OR "not"'],
    ["Ünïcode naïve café", '"ünïcode" OR "naïve" OR "café"'],
  ])("%s → %s", (text, query) => {
    expect(ftsQuery(text)).toBe(query);
  });

  it("text without words is no query", () => {
    expect(ftsQuery("?! -- ***")).toBeNull();
  });

  it(`keeps at most ${MAX_QUERY_TERMS} words`, () => {
    const query = ftsQuery(Array.from({ length: 50 }, (_, n) => `w${n}`).join(" "))!;
    expect(query.split(" OR ")).toHaveLength(MAX_QUERY_TERMS);
  });
});
