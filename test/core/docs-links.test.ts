// Every relative link in README.md, CONTRIBUTING.md and docs/*.md names a file that exists,
// and every `#anchor` names a heading of its target file, by GitHub's anchor rules.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const files = [
  "README.md",
  "CONTRIBUTING.md",
  ...readdirSync(path.join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

/** The text outside fenced code blocks, one entry per line (fenced lines become ""). */
function proseLines(markdown: string): string[] {
  let fence: string | null = null;
  return markdown.split("\n").map((line) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === null && marker) {
      fence = marker;
      return "";
    }
    if (fence !== null) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = null;
      return "";
    }
    return line;
  });
}

/** GitHub's anchor for a heading: lower-case, punctuation but '-' and '_' dropped, spaces to '-'. */
function anchorOf(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link shows its text
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "").replace(/ /g, "-");
}

/** Every anchor the headings of a markdown text produce, duplicates suffixed -1, -2, …. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of proseLines(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (!heading) continue;
    const base = anchorOf(heading[1] ?? "");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The targets of `[text](target)` and `![alt](target)` outside code blocks and code spans. */
function linkTargets(markdown: string): string[] {
  const prose = proseLines(markdown)
    .join("\n")
    .replace(/(`+)[\s\S]*?\1/g, "");
  return [...prose.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1] ?? "");
}

/** What is wrong with each relative link of `file` (a path relative to the repository). */
function brokenLinks(file: string, fs: Files = realFiles): string[] {
  const { read, exists, isDirectory } = fs;
  const problems: string[] = [];
  for (const target of linkTargets(read(path.join(root, file)))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto: …
    const hash = target.indexOf("#");
    const linkPath = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
    const fragment = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
    const absolute =
      linkPath === "" ? path.join(root, file) : path.resolve(path.dirname(path.join(root, file)), linkPath);
    if (!exists(absolute)) {
      problems.push(`${file}: ${target}: no such file`);
      continue;
    }
    if (fragment === null) continue;
    if (!absolute.endsWith(".md") || isDirectory(absolute)) {
      problems.push(`${file}: ${target}: an anchor into a file that is not markdown`);
      continue;
    }
    if (!anchorsOf(read(absolute)).has(fragment)) problems.push(`${file}: ${target}: no heading makes that anchor`);
  }
  return problems;
}

interface Files {
  read(absolute: string): string;
  exists(absolute: string): boolean;
  isDirectory(absolute: string): boolean;
}

const realFiles: Files = {
  read: readText,
  exists: existsSync,
  isDirectory: (absolute) => statSync(absolute).isDirectory(),
};

function readText(absolute: string): string {
  return readFileSync(absolute, "utf8");
}

describe("documentation links", () => {
  it("anchors follow GitHub's rules", () => {
    expect(anchorOf("The life of a run")).toBe("the-life-of-a-run");
    expect(anchorOf("Any other HMAC sender (`hmac`)")).toBe("any-other-hmac-sender-hmac");
    expect(anchorOf("Key rotation, limits and headers")).toBe("key-rotation-limits-and-headers");
    expect(anchorOf("snake_case and-hyphen")).toBe("snake_case-and-hyphen");
    expect([...anchorsOf("# A\n## A\n```\n# A\n```\n### A\n")]).toEqual(["a", "a-1", "a-2"]);
  });

  it("skips code blocks, code spans and absolute URLs, and finds a broken link", () => {
    const text = [
      "[ok](#a) [web](https://example.com/x) [mail](mailto:a@example.com) `[code](nowhere.md)`",
      "```",
      "[fenced](nowhere.md)",
      "```",
      "# A",
      "[bad anchor](#b) [bad file](nowhere.md)",
    ].join("\n");
    const fake = path.join(root, "fake.md");
    const files: Files = {
      read: (absolute) => (absolute === fake ? text : readText(absolute)),
      exists: (absolute) => absolute === fake || existsSync(absolute),
      isDirectory: (absolute) => absolute !== fake && statSync(absolute).isDirectory(),
    };
    expect(brokenLinks("fake.md", files)).toEqual([
      "fake.md: #b: no heading makes that anchor",
      "fake.md: nowhere.md: no such file",
    ]);
  });

  it("the docs link to one another", () => {
    const count = files.reduce((sum, file) => sum + linkTargets(readText(path.join(root, file))).length, 0);
    expect(count).toBeGreaterThan(50);
  });

  it.each(files)("every relative link and anchor in %s resolves", (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });
});
