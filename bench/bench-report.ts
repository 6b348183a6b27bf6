// Shared plumbing of the benchmarks: machine facts, the JSON result file, and the table that
// replaces the benchmark's section of docs/BENCHMARKS.md.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Facts about where a benchmark ran; numbers are only comparable within one file. */
export async function machineInfo(): Promise<Record<string, unknown>> {
  const packageJson = JSON.parse(
    await readFile(path.join(PROJECT_ROOT, "node_modules/node-llama-cpp/package.json"), "utf8"),
  ) as { version: string };
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? "unknown",
    logicalCpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    nodeLlamaCpp: packageJson.version,
  };
}

/** Writes `bench/results/<name>.json`. */
export async function writeResult(name: string, result: unknown): Promise<string> {
  const file = path.join(PROJECT_ROOT, "bench/results", `${name}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(result, null, 2) + "\n");
  return file;
}

/** Replaces the text between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` in docs/BENCHMARKS.md. */
export async function updateBenchmarksDoc(name: string, markdown: string): Promise<void> {
  const file = path.join(PROJECT_ROOT, "docs/BENCHMARKS.md");
  const doc = await readFile(file, "utf8");
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/BENCHMARKS.md has no ${start} … ${end} section`);
  await writeFile(file, doc.slice(0, from + start.length) + "\n" + markdown.trim() + "\n" + doc.slice(to));
}

/** A markdown table. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The p-th percentile (nearest rank), rounded to 0.01. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN);
}

/** Rounded to 0.01. */
export function round(value: number): number {
  return Math.round(value * 100) / 100;
}
