// A task file: the prompts both sides of a side-by-side evaluation answer (JSON Lines, one task a
// line). `saiga eval answers` reads it; the answers it writes carry the same ids.
import { z } from "zod";
import { readJsonLines } from "../files/json-lines.js";

/** One task: an instruction, optionally with an input to work on and a category for the report. */
export const taskSchema = z.object({
  id: z.string().min(1, "expected a task id"),
  instruction: z.string().min(1, "expected an instruction"),
  input: z.string().optional(),
  category: z.string().optional(),
});
export type Task = z.infer<typeof taskSchema>;

/**
 * Reads a task file (JSON Lines of {@link taskSchema}).
 * @throws {SaigaError} FILE_NOT_FOUND, BAD_JSON_LINES
 */
export async function readTasks(file: string): Promise<Task[]> {
  return readJsonLines(file, taskSchema);
}
