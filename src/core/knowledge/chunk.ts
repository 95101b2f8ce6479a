// The knowledge store cuts each document into chunks of about CHUNK_CHARS characters on
// sentence and paragraph boundaries, each repeating the end of the one before (up to
// OVERLAP_CHARS), so a passage that straddles a cut is still found whole in one chunk.

export const CHUNK_CHARS = 800;
export const OVERLAP_CHARS = 150;

interface Unit {
  text: string;
  /** Starts a paragraph: joined to what precedes it by a blank line rather than a space. */
  paragraph: boolean;
}

export function chunkText(text: string): string[] {
  const chunks: string[] = [];
  let current: Unit[] = [];
  for (const unit of units(text)) {
    if (current.length > 0 && joinedLength([...current, unit]) > CHUNK_CHARS) {
      chunks.push(join(current));
      current = overlapOf(current);
    }
    current.push(unit);
  }
  if (current.length > 0) chunks.push(join(current));
  return chunks;
}

/** Sentences of every paragraph; a sentence longer than a chunk is cut at word boundaries. */
function units(text: string): Unit[] {
  const paragraphs = text
    .replace(/\r\n?/g, "\n")
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.replace(/\s+/g, " ").trim())
    .filter(Boolean);
  return paragraphs.flatMap((paragraph) =>
    paragraph
      .split(/(?<=[.!?。！？])\s+/)
      .flatMap(cutLong)
      .map((sentence, index) => ({ text: sentence, paragraph: index === 0 })),
  );
}

function cutLong(sentence: string): string[] {
  const pieces: string[] = [];
  let rest = sentence;
  while (rest.length > CHUNK_CHARS) {
    const space = rest.lastIndexOf(" ", CHUNK_CHARS);
    const at = space > CHUNK_CHARS / 2 ? space : CHUNK_CHARS;
    pieces.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest) pieces.push(rest);
  return pieces;
}

/** The trailing units of a chunk that fit in the overlap; never the whole chunk. */
function overlapOf(chunk: Unit[]): Unit[] {
  const carried: Unit[] = [];
  for (let index = chunk.length - 1; index > 0; index--) {
    if (joinedLength([chunk[index]!, ...carried]) > OVERLAP_CHARS) break;
    carried.unshift(chunk[index]!);
  }
  return carried;
}

function join(chunk: Unit[]): string {
  return chunk
    .map((unit, index) => (index === 0 ? unit.text : `${unit.paragraph ? "\n\n" : " "}${unit.text}`))
    .join("");
}

function joinedLength(chunk: Unit[]): number {
  return join(chunk).length;
}
