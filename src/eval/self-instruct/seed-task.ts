// Seed tasks of self-instruct, in rulm's seed format: one JSON line per task,
// `{"instruction": …, "instances": [{"input": …, "output": …}]}` (an empty input means none).
// The teacher is shown a few of them as examples of the tasks it should invent.
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { readJsonLines } from "../../files/json-lines.js";

/** The Russian seed set shipped with the project. */
export const DEFAULT_SEEDS_FILE = fileURLToPath(
  new URL("../../../data/eval/self-instruct-seeds-ru.jsonl", import.meta.url),
);

/** One seed task: an instruction and at least one worked instance. */
export const seedTaskSchema = z.object({
  instruction: z.string().trim().min(1, "expected an instruction"),
  instances: z
    .array(z.object({ input: z.string().default(""), output: z.string() }))
    .min(1, "expected at least one instance {input, output}"),
});
export type SeedTask = z.infer<typeof seedTaskSchema>;

/** A task of the pool: what the teacher is shown and new tasks are compared with. */
export interface PoolTask {
  instruction: string;
  /** The input to work on; empty when the task has none. */
  input: string;
}

/**
 * Reads a seed file as pool tasks (the first instance's input of each seed).
 * @throws {SaigaError} FILE_NOT_FOUND, BAD_JSON_LINES
 */
export async function readSeedTasks(file: string): Promise<PoolTask[]> {
  const seeds = await readJsonLines(file, seedTaskSchema);
  return seeds.map((seed) => ({
    instruction: seed.instruction,
    input: (seed.instances[0]?.input ?? "").trim(),
  }));
}
