// From an llm step's rendered request to chat messages: the system text, grounding sources
// numbered for citation, the schema instruction, the prompt or messages, and — after an
// invalid reply — that reply and what was wrong with it.
import type { ChatMessage } from "./chat-types";

export interface PromptParts {
  system?: string;
  prompt?: string;
  messages?: ChatMessage[];
  context?: unknown;
  schema?: Record<string, unknown>;
  repair?: { reply: string; problem: string };
}

/** A passage as the `retrieve` step returns it. */
interface Passage {
  collection: string;
  docId: string;
  chunk: number;
  text: string;
  score?: number;
}

/** A source given to the model, as the step's output lists it (its text stays in the step's input). */
export interface SourceRef {
  n: number;
  collection: string;
  docId: string;
  chunk: number;
  score?: number;
}

export function buildMessages(parts: PromptParts): { messages: ChatMessage[]; sources: SourceRef[] } {
  const system: string[] = [];
  if (parts.system) system.push(parts.system);
  const { text: contextText, sources } = renderContext(parts.context);
  if (contextText !== undefined) system.push(contextText);
  if (parts.schema)
    system.push(
      `Answer with one JSON value that matches this JSON Schema, and nothing else (no prose, no Markdown):\n${JSON.stringify(parts.schema)}`,
    );
  const messages: ChatMessage[] = system.length > 0 ? [{ role: "system", content: system.join("\n\n") }] : [];
  messages.push(...(parts.messages ?? []));
  if (parts.prompt !== undefined) messages.push({ role: "user", content: parts.prompt });
  if (parts.repair) {
    messages.push({ role: "assistant", content: parts.repair.reply });
    messages.push({
      role: "user",
      content: `Your previous reply was invalid: ${parts.repair.problem}. Answer again with only JSON matching the schema.`,
    });
  }
  return { messages, sources };
}

/** Passages (a retrieve step's output, or a list of them) are numbered [1]…[n]; anything else is given as text. */
function renderContext(context: unknown): { text?: string; sources: SourceRef[] } {
  if (context === undefined || context === null || context === "") return { sources: [] };
  const passages = passagesIn(context);
  if (!passages)
    return { text: `Context:\n${typeof context === "string" ? context : JSON.stringify(context)}`, sources: [] };
  if (passages.length === 0)
    return {
      text: "No sources were found for this question. Say that you cannot answer from the sources.",
      sources: [],
    };
  const sources = passages.map((passage, index) => ({
    n: index + 1,
    collection: passage.collection,
    docId: passage.docId,
    chunk: passage.chunk,
    ...(passage.score !== undefined ? { score: passage.score } : {}),
  }));
  const listed = passages.map(
    (passage, index) => `[${index + 1}] (${passage.collection}/${passage.docId}#${passage.chunk})\n${passage.text}`,
  );
  const instruction =
    "Answer only from the sources below. Cite every claim with the number of its source in brackets, like [1]. If the sources do not contain the answer, say so.";
  return { text: `${instruction}\n\nSources:\n${listed.join("\n\n")}`, sources };
}

function passagesIn(context: unknown): Passage[] | undefined {
  const list = Array.isArray(context) ? context : (context as { passages?: unknown })?.passages;
  if (!Array.isArray(list) || !list.every(isPassage)) return undefined;
  return list;
}

function isPassage(value: unknown): value is Passage {
  const passage = value as Passage;
  return (
    typeof passage === "object" &&
    passage !== null &&
    typeof passage.text === "string" &&
    typeof passage.docId === "string" &&
    typeof passage.collection === "string" &&
    typeof passage.chunk === "number"
  );
}
