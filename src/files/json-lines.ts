// JSON Lines files: one JSON value per line. Whole files are written aside and renamed into place,
// so a reader never sees half a file; resumable outputs append one line per finished item and
// read back what a killed run had finished. (A leaf module: it imports nothing of ours but errors.)
import { existsSync } from "node:fs";
import { appendFile, open, readFile, rename, writeFile } from "node:fs/promises";
import type { ZodType } from "zod";
import { SaigaError } from "../errors/saiga-error.js";

/** Writes `values` to `file`, one JSON line each. */
export async function writeJsonLines(file: string, values: Iterable<unknown>): Promise<void> {
  let text = "";
  for (const value of values) text += JSON.stringify(value) + "\n";
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, text, "utf8");
  await rename(partial, file);
}

/**
 * Reads a JSON Lines file, each line checked by `schema`; empty lines are skipped.
 * @throws {SaigaError} BAD_JSON_LINES naming the file, the line and what is wrong
 */
export async function readJsonLines<T>(file: string, schema: ZodType<T>): Promise<T[]> {
  if (!existsSync(file)) throw new SaigaError("FILE_NOT_FOUND", `${file} does not exist.`);
  const lines = (await readFile(file, "utf8")).split("\n");
  const values: T[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new SaigaError("BAD_JSON_LINES", `${file}:${index + 1}: not JSON (${(error as Error).message}).`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      throw new SaigaError("BAD_JSON_LINES", `${file}:${index + 1}: ${where}${issue?.message ?? "invalid"}.`);
    }
    values.push(parsed.data);
  });
  return values;
}

/**
 * Reads what a resumable output holds so far (none when the file is missing). A last line cut off
 * by a killed run is dropped, as are lines the schema refuses.
 */
export async function readFinishedLines<T>(file: string, schema: ZodType<T>): Promise<T[]> {
  if (!existsSync(file)) return [];
  const values: T[] = [];
  for (const line of (await readFile(file, "utf8")).split("\n")) {
    if (line.trim() === "") continue;
    try {
      const parsed = schema.safeParse(JSON.parse(line));
      if (parsed.success) values.push(parsed.data);
    } catch {
      // a line cut off mid-write
    }
  }
  return values;
}

/**
 * Makes a resumable output safe to append to: a run killed mid-write leaves a last line without
 * its newline, which the next line must not join. That line is dropped when it is not JSON (cut
 * off), and ended with a newline when it is. Call it once before the first {@link appendJsonLine}.
 */
export async function repairCutOffLine(file: string): Promise<void> {
  if (!existsSync(file)) return;
  const handle = await open(file, "r+");
  try {
    const { size } = await handle.stat();
    if (size === 0) return;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] === 0x0a) return;
    const text = await readFile(file, "utf8");
    const start = text.lastIndexOf("\n") + 1;
    if (isJson(text.slice(start))) await handle.write("\n", size);
    else await handle.truncate(Buffer.byteLength(text.slice(0, start), "utf8"));
  } finally {
    await handle.close();
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Appends one finished item to a resumable output (see {@link repairCutOffLine} for one a killed
 * run left). Appends of one process never interleave.
 */
export async function appendJsonLine(file: string, value: unknown): Promise<void> {
  await appendFile(file, JSON.stringify(value) + "\n", "utf8");
}
