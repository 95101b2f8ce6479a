// A line diff (Myers' O((N+M)·D) algorithm, as in `git diff`): the shortest edit script
// between two texts, as lines kept, removed and added, numbered on both sides.

type DiffKind = "same" | "removed" | "added";

export interface DiffLine {
  kind: DiffKind;
  text: string;
  /** 1-based line in the old text (same and removed lines). */
  oldLine?: number;
  /** 1-based line in the new text (same and added lines). */
  newLine?: number;
}

/** Past this many edit rounds × diagonals the diff gives up finding the shortest script. */
const MAX_WORK = 20_000_000;

export function diffLines(oldText: string, newText: string): DiffLine[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) endA--, endB--;
  const kinds: DiffKind[] = [
    ...Array<DiffKind>(start).fill("same"),
    ...shortestEdit(a.slice(start, endA), b.slice(start, endB)),
    ...Array<DiffKind>(a.length - endA).fill("same"),
  ];
  return number(kinds, a, b);
}

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** Myers: walks diagonals k = x − y, keeping the furthest x per k for each edit count d. */
function shortestEdit(a: readonly string[], b: readonly string[]): DiffKind[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  if (max === 0) return [];
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    if (d * v.length > MAX_WORK) return [...Array<DiffKind>(n).fill("removed"), ...Array<DiffKind>(m).fill("added")];
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) x++, y++;
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, offset, n, m);
    }
  }
  return [];
}

function backtrack(trace: readonly Int32Array[], offset: number, n: number, m: number): DiffKind[] {
  const kinds: DiffKind[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const v = trace[d]!;
    const k = x - y;
    const previousK = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? k + 1 : k - 1;
    const previousX = v[offset + previousK]!;
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) kinds.push("same"), x--, y--;
    if (d > 0) kinds.push(x === previousX ? "added" : "removed");
    x = previousX;
    y = previousY;
  }
  return kinds.reverse();
}

function number(kinds: readonly DiffKind[], a: readonly string[], b: readonly string[]): DiffLine[] {
  let oldIndex = 0;
  let newIndex = 0;
  return kinds.map((kind) => {
    if (kind === "added") return { kind, text: b[newIndex]!, newLine: ++newIndex };
    if (kind === "removed") return { kind, text: a[oldIndex]!, oldLine: ++oldIndex };
    return { kind, text: a[oldIndex]!, oldLine: ++oldIndex, newLine: ++newIndex };
  });
}
