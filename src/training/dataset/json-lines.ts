// Writes JSON Lines files: one JSON value per line, written aside and renamed into place, so a
// reader never sees half a file.
import { rename, writeFile } from "node:fs/promises";

/** Writes `values` to `file`, one JSON line each. */
export async function writeJsonLines(file: string, values: Iterable<unknown>): Promise<void> {
  let text = "";
  for (const value of values) text += JSON.stringify(value) + "\n";
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, text, "utf8");
  await rename(partial, file);
}
