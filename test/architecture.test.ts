// The layering of src/, checked from the imports themselves (type-only imports included):
// each folder imports only from its own folder and from lower layers, and no group of
// folders or files imports itself round in a loop. docs/architecture.md draws the same
// picture for people.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseSync } from "oxc-parser";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(import.meta.dirname, "../src");

/**
 * Lowest first. A module may import from its own top-level folder or from a folder of a
 * lower layer; folders of one layer do not import each other.
 */
const LAYERS: readonly (readonly string[])[] = [
  // Pure: definitions, expressions, the engine, errors, limits. No I/O, no bindings.
  ["core"],
  // Platform helpers with no state of Waymark's own: crypto, Durable Object plumbing and the
  // contracts (RPC interfaces and stubs) through which everyone reaches a run or a gate,
  // and what outbound HTTP calls share.
  ["security", "durable", "http"],
  // D1 (definitions, index rows, audit) and the model providers.
  ["db", "ai"],
  // Durable Objects: a run's coordinator, a workflow's flow-control gate, the index writers
  // that batch runs' rows into D1.
  ["run", "gate", "writer"],
  // The intake shards: claims on idempotency keys and webhook delivery ids, and the starts
  // they hold until their runs exist.
  ["intake"],
  // What starts runs: webhooks, events, cron.
  ["triggers"],
  // The HTTP API, the queue consumer's tasks, housekeeping.
  ["api", "tasks", "maintenance"],
  // Composition roots: the cron entry, then the Worker's entry (which wires everything) and
  // the local development starter.
  ["scheduled.ts"],
  ["index.ts", "dev"],
];

/**
 * Imports allowed against the rules, each with why. None today; an entry here is a debt
 * with a reason, not a way round the test.
 */
const ALLOWED: readonly { from: string; to: string; why: string }[] = [];

/** What the pure core may import from packages: no runtime bindings, no database. */
const CORE_PACKAGES = new Set(["zod", "jsonata", "yaml", "ulid", "@cfworker/json-schema"]);

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** Every static import and re-export, and every `import()` of a literal, of one file. */
function importsOf(file: string): { specifier: string; typeOnly: boolean }[] {
  const text = fs.readFileSync(file, "utf8");
  const { module, errors } = parseSync(file, text);
  if (errors.length > 0) throw new Error(`${file} does not parse: ${errors[0]!.message}`);
  const allTypes = (entries: readonly { isType: boolean }[]) =>
    entries.length > 0 && entries.every((entry) => entry.isType);
  const reExports = new Map<string, { isType: boolean }[]>();
  for (const entry of module.staticExports.flatMap((statement) => statement.entries)) {
    if (entry.moduleRequest)
      reExports.set(entry.moduleRequest.value, [...(reExports.get(entry.moduleRequest.value) ?? []), entry]);
  }
  return [
    ...module.staticImports.map((statement) => ({
      specifier: statement.moduleRequest.value,
      typeOnly: allTypes(statement.entries),
    })),
    ...[...reExports].map(([specifier, entries]) => ({ specifier, typeOnly: allTypes(entries) })),
    ...module.dynamicImports.map(({ moduleRequest }) => {
      const literal = text.slice(moduleRequest.start, moduleRequest.end);
      // Only a plain string names a module this test can place.
      if (!/^(["'])[^"'`$]*\1$/.test(literal)) throw new Error(`${file} imports a computed module: ${literal}`);
      return { specifier: literal.slice(1, -1), typeOnly: false };
    }),
    // `import("…")` in a type position (`typeof import("…")`) is no import to the parser.
    ...[...text.matchAll(/(?<![\w.])import\(\s*(["'])([^"']+)\1\s*\)/g)]
      .filter(
        (match) =>
          !module.dynamicImports.some(
            ({ moduleRequest }) => moduleRequest.start === match.index! + match[0].indexOf(match[1]!),
          ),
      )
      .map((match) => ({ specifier: match[2]!, typeOnly: true })),
  ];
}

function resolveRelative(file: string, specifier: string): string {
  const base = path.resolve(path.dirname(file), specifier);
  const candidates = [base, `${base}.ts`, path.join(base, "index.ts")];
  const hit = candidates.find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
  if (!hit) throw new Error(`${path.relative(SRC, file)} imports ${specifier}, which does not resolve`);
  return path.relative(SRC, hit);
}

const files = sourceFiles(SRC).filter((file) => !file.endsWith("worker-configuration.d.ts"));
const imports: Import[] = files.flatMap((file) =>
  importsOf(file)
    .filter(({ specifier }) => specifier.startsWith("."))
    .map(({ specifier, typeOnly }) => ({
      from: path.relative(SRC, file),
      to: resolveRelative(file, specifier),
      typeOnly,
    })),
);

const topLevel = (module: string) => module.split("/")[0]!;
const layerOf = (module: string) => LAYERS.findIndex((layer) => layer.includes(topLevel(module)));
const isAllowed = ({ from, to }: Import) => ALLOWED.some((allowed) => allowed.from === from && allowed.to === to);

/** Strongly connected groups of more than one node (Tarjan), each sorted. */
function cycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1) groups.push(group.sort());
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return groups;
}

function graph(key: (module: string) => string): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const edge of imports) {
    if (isAllowed(edge)) continue;
    const from = key(edge.from);
    const to = key(edge.to);
    if (from === to) continue;
    edges.set(from, (edges.get(from) ?? new Set()).add(to));
  }
  return edges;
}

describe("the layering of src/", () => {
  it("places every top-level folder and file of src/ in a layer", () => {
    const unplaced = fs
      .readdirSync(SRC)
      .filter((name) => name !== "worker-configuration.d.ts")
      .filter((name) => layerOf(name) === -1);
    expect(unplaced).toEqual([]);
  });

  it("imports only from the same folder or a lower layer", () => {
    const upward = imports
      .filter((edge) => topLevel(edge.from) !== topLevel(edge.to) && !isAllowed(edge))
      .filter((edge) => layerOf(edge.to) >= layerOf(edge.from))
      .map((edge) => `${edge.from} → ${edge.to}${edge.typeOnly ? " (type only)" : ""}`);
    expect(upward).toEqual([]);
  });

  it("has no import cycle between folders, at any depth", () => {
    expect(cycles(graph((module) => path.dirname(module)))).toEqual([]);
  });

  it("has no import cycle between files", () => {
    expect(cycles(graph((module) => module))).toEqual([]);
  });

  it("keeps the core pure: no Workers runtime, no database, no other package outside its list", () => {
    const impure = files
      .filter((file) => topLevel(path.relative(SRC, file)) === "core")
      .flatMap((file) =>
        importsOf(file)
          .map(({ specifier }) => specifier)
          .filter((specifier) => !specifier.startsWith(".") && !CORE_PACKAGES.has(specifier))
          .map((specifier) => `${path.relative(SRC, file)} → ${specifier}`),
      );
    expect(impure).toEqual([]);
  });

  it("lets the dashboard use only the pure core of src/", () => {
    const dashboard = path.resolve(SRC, "../dashboard/src");
    const reaching = sourceFiles(dashboard).flatMap((file) =>
      importsOf(file)
        .filter(({ specifier }) => specifier.startsWith("."))
        .map(({ specifier }) => path.relative(SRC, path.resolve(path.dirname(file), specifier)))
        .filter((target) => !target.startsWith("..") && topLevel(target) !== "core")
        .map((target) => `${path.relative(dashboard, file)} → src/${target}`),
    );
    expect(reaching).toEqual([]);
  });

  it("lists only allowed imports that still exist", () => {
    const stale = ALLOWED.filter(({ from, to }) => !imports.some((edge) => edge.from === from && edge.to === to));
    expect(stale).toEqual([]);
  });
});

describe("the checker itself", () => {
  it("finds a cycle and names its members", () => {
    const edges = new Map([
      ["a", new Set(["b"])],
      ["b", new Set(["c"])],
      ["c", new Set(["a"])],
      ["d", new Set(["a"])],
    ]);
    expect(cycles(edges)).toEqual([["a", "b", "c"]]);
  });

  it("sees type-only imports, re-exports and dynamic imports", () => {
    const probe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "architecture-")), "probe.ts");
    fs.writeFileSync(
      probe,
      'import type { A } from "./a";\nimport { type B } from "./b";\nexport * from "./c";\nconst d = () => import("./d");\ntype E = typeof import("./e");\n',
    );
    try {
      expect(importsOf(probe)).toEqual([
        { specifier: "./a", typeOnly: true },
        { specifier: "./b", typeOnly: true },
        { specifier: "./c", typeOnly: false },
        { specifier: "./d", typeOnly: false },
        { specifier: "./e", typeOnly: true },
      ]);
    } finally {
      fs.rmSync(probe);
    }
  });
});
