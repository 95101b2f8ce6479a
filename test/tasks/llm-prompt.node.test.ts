// How an llm step's request becomes chat messages, and how a structured reply is judged
//: sources are numbered for citation, the schema is stated, an invalid reply is
// shown back with what was wrong; replies are parsed leniently (a Markdown fence) but
// validated strictly, with issues that name the place in the reply.
import { describe, expect, it } from "vitest";
import { buildMessages } from "../../src/ai/prompt";
import { parseStructured } from "../../src/ai/structured";

const passages = [
  { collection: "policies", docId: "refunds", chunk: 0, text: "Refunds within 30 days.", score: 3.2 },
  { collection: "policies", docId: "travel", chunk: 2, text: "Economy class only.", score: 1.1 },
];

describe("chat messages of an llm step", () => {
  it("a prompt alone is one user message", () => {
    expect(buildMessages({ prompt: "Hi" })).toEqual({ messages: [{ role: "user", content: "Hi" }], sources: [] });
  });

  it("passages become numbered sources to cite, listed as the step's sources", () => {
    const { messages, sources } = buildMessages({ system: "Be brief.", context: { passages }, prompt: "Refund?" });
    expect(messages[0]!.role).toBe("system");
    expect(messages[0]!.content).toMatch(
      /^Be brief\.\n\nAnswer only from the sources below\. Cite every claim .* like \[1\]\./,
    );
    expect(messages[0]!.content).toContain(
      "[1] (policies/refunds#0)\nRefunds within 30 days.\n\n[2] (policies/travel#2)\nEconomy class only.",
    );
    expect(sources).toEqual([
      { n: 1, collection: "policies", docId: "refunds", chunk: 0, score: 3.2 },
      { n: 2, collection: "policies", docId: "travel", chunk: 2, score: 1.1 },
    ]);
  });

  it("no passages: the model is told it cannot answer from the sources", () => {
    expect(buildMessages({ context: { passages: [] }, prompt: "?" }).messages[0]!.content).toMatch(
      /No sources were found/,
    );
  });

  it("any other context is given as text", () => {
    expect(buildMessages({ context: { order: 7 }, prompt: "?" }).messages[0]!.content).toBe('Context:\n{"order":7}');
  });

  it("messages come before the prompt; a schema is stated; a repair adds the bad reply and what was wrong", () => {
    const { messages } = buildMessages({
      messages: [
        { role: "user", content: "Earlier" },
        { role: "assistant", content: "Noted" },
      ],
      prompt: "Now classify",
      schema: { type: "object" },
      repair: { reply: "nope", problem: "the reply is not JSON (Unexpected token)" },
    });
    expect(messages.map((message) => message.role)).toEqual([
      "system",
      "user",
      "assistant",
      "user",
      "assistant",
      "user",
    ]);
    expect(messages[0]!.content).toBe(
      'Answer with one JSON value that matches this JSON Schema, and nothing else (no prose, no Markdown):\n{"type":"object"}',
    );
    expect(messages.slice(-2)).toEqual([
      { role: "assistant", content: "nope" },
      {
        role: "user",
        content:
          "Your previous reply was invalid: the reply is not JSON (Unexpected token). Answer again with only JSON matching the schema.",
      },
    ]);
  });
});

describe("structured replies", () => {
  const schema = {
    type: "object",
    required: ["label", "score"],
    properties: { label: { enum: ["a", "b"] }, score: { type: "number", maximum: 1 } },
    additionalProperties: false,
  };

  it("valid JSON, fenced or not, is accepted", () => {
    expect(parseStructured('{"label":"a","score":0.5}', schema)).toEqual({
      ok: true,
      json: { label: "a", score: 0.5 },
    });
    expect(parseStructured('```json\n{"label":"b","score":1}\n```', schema)).toEqual({
      ok: true,
      json: { label: "b", score: 1 },
    });
  });

  it("text that is not JSON is a retryable invalid_output that keeps the reply", () => {
    const result = parseStructured("Sure! It is a.", schema);
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: "invalid_output",
        retryable: true,
        message: expect.stringMatching(/^the reply is not JSON/),
        response: { status: 200, body: "Sure! It is a." },
      },
    });
  });

  it("JSON that does not match names each problem by its place in the reply", () => {
    const result = parseStructured('{"label":"c","score":2}', schema);
    expect(result.ok).toBe(false);
    const message = result.ok ? "" : result.error.message;
    expect(message).toMatch(/^the reply does not match the schema: /);
    expect(message).toContain("/label");
    expect(message).toContain("/score");
  });
});
