// Saiga JSONL files: one example per line, `{"messages":[{"role":"system|user|bot","content":…}],
// "label":true|false}` with an optional "weight". Reading validates every line and reports each
// problem as `file:line: problem`; a line without a label is a desirable example.
import { readFile } from "node:fs/promises";
import type { ZodIssue } from "zod";
import { DatasetError } from "./dataset-error.js";
import { writeJsonLines } from "../../files/json-lines.js";
import { saigaExampleSchema, type SaigaExample } from "./saiga-example.js";

/** Problems listed in one error before the rest are only counted. */
const MAX_REPORTED_PROBLEMS = 10;

/** Writes examples as Saiga JSONL. */
export function writeSaigaJsonl(file: string, examples: Iterable<SaigaExample>): Promise<void> {
  const lines = [...examples].map(({ messages, label, weight }) => ({ messages, label, weight }));
  return writeJsonLines(file, lines);
}

/**
 * Reads a Saiga JSONL file.
 * @throws {DatasetError} when the file cannot be read, a line is not a valid example, or there are no examples
 */
export async function readSaigaJsonl(file: string): Promise<SaigaExample[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory, not a JSONL file"
          : (error as Error).message;
    throw new DatasetError(`${file}: ${why}`, { cause: error });
  }
  return parseSaigaJsonl(text, file);
}

/**
 * Parses Saiga JSONL text; `name` is used in the messages.
 * @throws {DatasetError} listing the first problems as `name:line: problem`
 */
export function parseSaigaJsonl(text: string, name: string): SaigaExample[] {
  const examples: SaigaExample[] = [];
  const problems: string[] = [];
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  lines.forEach((line, index) => {
    if (line.trim() === "") return;
    const where = `${name}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      problems.push(`${where}: not a JSON object (${(error as Error).message})`);
      return;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      problems.push(`${where}: expected a JSON object {"messages": [...], "label": true|false}`);
      return;
    }
    const parsed = saigaExampleSchema.safeParse(value);
    if (parsed.success) examples.push(parsed.data);
    else problems.push(`${where}: ${describeIssue(parsed.error.issues[0])}`);
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED_PROBLEMS);
    const more = problems.length - shown.length;
    throw new DatasetError(
      `${problems.length === 1 ? "a line" : `${problems.length} lines`} of ${name} cannot be used ` +
        `(expected {"messages":[{"role":"system|user|bot","content":"…"}],"label":true|false} per line):\n` +
        shown.join("\n") +
        (more > 0 ? `\n… and ${more} more` : ""),
    );
  }
  if (examples.length === 0)
    throw new DatasetError(`${name}: no examples (the file is empty; expected one JSON example per line)`);
  return examples;
}

function describeIssue(issue: ZodIssue | undefined): string {
  if (!issue) return "invalid example";
  const path = issue.path.join(".");
  const message = issue.code === "invalid_type" && issue.received === "undefined" ? "missing" : issue.message;
  return path ? `${path}: ${message}` : message;
}
