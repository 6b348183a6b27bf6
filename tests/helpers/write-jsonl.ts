// Writes test data files as JSONL: one JSON value a line, a newline at the end.
import { writeFileSync } from "node:fs";
import path from "node:path";

/** Writes `lines` to `dir/name` as JSONL and returns the file's path. */
export function writeJsonl(dir: string, name: string, lines: readonly object[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, lines.map((line) => JSON.stringify(line)).join("\n") + "\n");
  return file;
}
