// `saiga eval answers`: one side's answers to a task file, as the Saiga authors produced them for
// their side-by-side (rulm's infer scripts): each task's prompt built the same way for every side,
// greedy by default. The output is resumable: each finished answer is appended as one line, and a
// rerun answers only the tasks whose ids the output does not hold yet.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { SaigaError } from "../errors/saiga-error.js";
import { appendJsonLine, readFinishedLines, repairCutOffLine } from "../files/json-lines.js";
import type { Logger } from "../log/index.js";
import { answerRecordSchema, type AnswerRecord } from "./answer-record.js";
import type { AnswerSampling, AnswerSide } from "./answer-side.js";
import { taskMessages } from "./task-prompt.js";
import type { Task } from "./task-file.js";
import { TaskProgress } from "./task-progress.js";

/** Options of {@link evalAnswers}. */
export interface EvalAnswersOptions {
  tasks: readonly Task[];
  /** The JSONL output; answers already there are kept and not asked again. */
  out: string;
  /** The side's label in the records, e.g. `base`, an adapter version, `gpt-4o`. */
  sideName: string;
  /**
   * Opens the side (loads the engine, say) when some task is left to answer; a rerun of a finished
   * output never opens it. The caller closes what it opened.
   */
  openSide: () => Promise<AnswerSide>;
  /** The system prompt of every task ("" for none). */
  systemPrompt: string;
  sampling: AnswerSampling;
  log?: Logger;
  /** Stops the run: answers in progress are dropped, finished ones stay in `out`. */
  signal?: AbortSignal;
  /** Draw a progress bar. Default: when stderr is a terminal. */
  progressBar?: boolean;
}

/** What a run did. */
export interface EvalAnswersSummary {
  /** Tasks in the task file (after --limit). */
  total: number;
  /** Answered by this run. */
  answered: number;
  /** Answered by an earlier run (found in the output). */
  alreadyDone: number;
  /** Tasks that failed (a rerun tries them again). */
  failed: { id: string; message: string }[];
  /** Whether the run was stopped before it finished. */
  stopped: boolean;
}

/**
 * Answers every task of `tasks` not yet in `out` with the side, `side.concurrency` at a time.
 * A task that fails is logged and counted, and the others go on.
 * @throws {SaigaError} DUPLICATE_TASK_ID, ANSWERS_OF_ANOTHER_SIDE
 */
export async function evalAnswers(options: EvalAnswersOptions): Promise<EvalAnswersSummary> {
  const { tasks, out, sideName, log, signal } = options;
  requireUniqueIds(tasks);
  const finished = await readFinishedLines(out, answerRecordSchema);
  const other = finished.find((record) => record.side !== sideName);
  if (other) {
    throw new SaigaError(
      "ANSWERS_OF_ANOTHER_SIDE",
      `${out} holds answers of side "${other.side}", not "${sideName}": give another --out, or --side ${other.side} to continue it.`,
    );
  }
  const doneIds = new Set(finished.map((record) => record.id));
  const pending = tasks.filter((task) => !doneIds.has(task.id));
  const summary: EvalAnswersSummary = {
    total: tasks.length,
    answered: 0,
    alreadyDone: tasks.length - pending.length,
    failed: [],
    stopped: false,
  };
  if (pending.length === 0) return summary;

  const side = await options.openSide();
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await repairCutOffLine(out);
  const progress = new TaskProgress({
    label: `answers of ${sideName}`,
    total: tasks.length,
    done: summary.alreadyDone,
    log,
    bar: options.progressBar,
  });
  const queue = pending.values();
  const answerNext = async (): Promise<void> => {
    for (let next = queue.next(); !next.done && !signal?.aborted; next = queue.next()) {
      const task = next.value;
      try {
        const record = await answerTask(task, side, options);
        if (signal?.aborted) return; // the engine returns what it had; an unfinished answer is not kept
        await appendJsonLine(out, record);
        summary.answered++;
        progress.tick(task.id);
      } catch (error) {
        if (signal?.aborted) return;
        const message = (error as Error).message;
        summary.failed.push({ id: task.id, message });
        log?.warn({ task: task.id, err: message }, "task failed; a rerun tries it again");
      }
    }
  };
  try {
    const workers = Math.max(1, Math.min(side.concurrency, pending.length));
    await Promise.all(Array.from({ length: workers }, answerNext));
  } finally {
    progress.stop();
  }
  summary.stopped = signal?.aborted === true;
  return summary;
}

/** One task's answer record. */
async function answerTask(task: Task, side: AnswerSide, options: EvalAnswersOptions): Promise<AnswerRecord> {
  const { sideName, systemPrompt, sampling, signal } = options;
  const started = performance.now();
  const answer = await side.answer(taskMessages(task, systemPrompt), sampling, signal);
  return {
    id: task.id,
    instruction: task.instruction,
    ...(task.input !== undefined ? { input: task.input } : {}),
    ...(task.category !== undefined ? { category: task.category } : {}),
    answer,
    side: sideName,
    model: side.info.model,
    ...(side.info.adapter !== undefined ? { adapter: side.info.adapter } : {}),
    latencyMs: Math.round(performance.now() - started),
  };
}

function requireUniqueIds(tasks: readonly Task[]): void {
  const seen = new Set<string>();
  for (const task of tasks) {
    if (seen.has(task.id)) {
      throw new SaigaError(
        "DUPLICATE_TASK_ID",
        `task id ${task.id} appears twice in the task file: answers are matched by id, so each must be unique.`,
      );
    }
    seen.add(task.id);
  }
}
