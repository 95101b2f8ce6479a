// Builds the dashboard into dashboard/dist, the directory Workers static assets serve:
// dashboard/src bundled by esbuild into one app.js (no CDN, no eval), next to the page,
// its stylesheet app.css (the files of src/styles joined in cascade order) and the _headers
// file with the strict CSP. wrangler.toml's [build] runs it before `wrangler dev` and
// `wrangler deploy`; `npm run build:dashboard` by hand.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const DIR = import.meta.dirname;
const OUT = path.join(DIR, "dist");
/** Copied as they are: the page and the headers Workers static assets apply. */
const STATIC_FILES = ["index.html", "_headers"];
/**
 * The stylesheet's parts in src/styles, in cascade order: a later rule wins over an earlier
 * one of the same weight, so the order is part of the styles. Each inner list is one section,
 * opened by its comment; sections are set apart by a blank line, the files of one section
 * (Workflows is too long for one file) follow each other directly.
 */
const STYLESHEET_SECTIONS = [
  ["base"],
  ["frame"],
  ["status"],
  ["runs"],
  ["run"],
  ["json"],
  ["approvals-metrics-audit"],
  ["workflows", "workflow-editor", "workflow-versions"],
  ["map-items"],
];

const result = await build({
  entryPoints: { app: path.join(DIR, "src/main.ts") },
  bundle: true,
  // Pages loaded with import() (lazy-page.ts) become chunks of their own.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  format: "esm",
  target: "es2022",
  platform: "browser",
  minify: true,
  sourcemap: false,
  legalComments: "none",
  write: false,
  logLevel: "warning",
  outdir: OUT,
});

mkdirSync(OUT, { recursive: true });
mkdirSync(path.join(OUT, "chunks"), { recursive: true });
const outputs = [
  ...result.outputFiles.map((file) => ({ name: path.relative(OUT, file.path), content: Buffer.from(file.contents) })),
  ...STATIC_FILES.map((file) => ({ name: file, content: readFileSync(path.join(DIR, file)) })),
  { name: "app.css", content: stylesheet() },
];
const written = outputs.filter(({ name, content }) => writeIfChanged(path.join(OUT, name), content));
// Chunk names carry a content hash: the ones an earlier build left behind are garbage.
const current = new Set(outputs.map(({ name }) => name));
for (const chunk of readdirSync(path.join(OUT, "chunks"))) {
  // A .tmp file is another build (a parallel `wrangler dev`) writing right now.
  if (!chunk.endsWith(".tmp") && !current.has(path.join("chunks", chunk)))
    rmSync(path.join(OUT, "chunks", chunk), { force: true });
}
console.log(
  `dashboard: ${written.length === 0 ? "up to date" : `wrote ${written.map((file) => file.name).join(", ")}`} in ${path.relative(process.cwd(), OUT) || "."}`,
);

/** One app.css from src/styles, as STYLESHEET_SECTIONS orders it. */
function stylesheet(): Buffer {
  const section = (files: string[]) =>
    files.map((file) => readFileSync(path.join(DIR, "src/styles", `${file}.css`), "utf8")).join("");
  return Buffer.from(STYLESHEET_SECTIONS.map(section).join("\n"));
}

/**
 * Several `wrangler dev` may build at once (tests run in parallel), and each watches
 * the folder: write only what changed, and atomically, so a running server never sees a
 * half-written file or reloads for nothing.
 */
function writeIfChanged(file: string, content: Buffer): boolean {
  try {
    if (readFileSync(file).equals(content)) return false;
  } catch {
    // not there yet
  }
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
  return true;
}
