// The side-by-side runs the evaluations page lists: each is a subfolder of the evaluations folder
// (`dashboard.evaluationsDir`, default `<dataDir>/evaluations`, where `saiga eval sbs` writes by
// default) holding the result.json of `saiga eval sbs`. Folders without a readable result are
// skipped (a run still judging has only its judgement cache).
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { SBS_FILES } from "../../eval/sbs/index.js";
import type { Logger } from "../../log/index.js";

const tallySchema = z.object({
  tasks: z.number(),
  wins: z.number(),
  draws: z.number(),
  losses: z.number(),
  unparsed: z.number(),
  failed: z.number(),
  winRate: z.number().nullable(),
  winRateInterval: z.tuple([z.number(), z.number()]).nullable(),
});

/** The part of result.json the page shows (verdicts stay in the file). */
export const evaluationResultSchema = z.object({
  sideA: z.string(),
  sideB: z.string(),
  judgeModel: z.string(),
  seed: z.number(),
  bothOrders: z.boolean(),
  overall: tallySchema,
  categories: z.record(z.string(), tallySchema),
  missing: z.object({ onlyA: z.array(z.string()), onlyB: z.array(z.string()) }),
});

export type EvaluationResult = z.infer<typeof evaluationResultSchema>;

/** One listed run. */
export interface EvaluationRun {
  /** The subfolder's name (the run's id in URLs). */
  id: string;
  /** When result.json was written, ms since the epoch. */
  time: number;
  result: EvaluationResult;
}

/** Whether `id` names a folder right inside the evaluations folder (no path can leave it). */
export function isRunId(id: string): boolean {
  return id !== "" && id !== "." && id !== ".." && !/[/\\\0]/.test(id);
}

/** Every run under `dir`, newest first; a missing folder has none. */
export async function listEvaluationRuns(dir: string, log?: Logger): Promise<EvaluationRun[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && isRunId(entry.name))
      .map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const runs = await Promise.all(entries.map((id) => readEvaluationRun(dir, id, log)));
  return runs.filter((run): run is EvaluationRun => run !== null).sort((a, b) => b.time - a.time);
}

/** The run `id` under `dir`, or null when it has no readable result. */
export async function readEvaluationRun(
  dir: string,
  id: string,
  log?: Logger,
): Promise<EvaluationRun | null> {
  if (!isRunId(id)) return null;
  const file = path.join(dir, id, SBS_FILES.result);
  try {
    const [text, info] = await Promise.all([readFile(file, "utf8"), stat(file)]);
    const parsed = evaluationResultSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      log?.warn({ file }, "skipping an evaluation result that does not match the sbs format");
      return null;
    }
    return { id, time: info.mtimeMs, result: parsed.data };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR")
      log?.warn({ file, err: error }, "skipping an unreadable evaluation result");
    return null;
  }
}
