// Self-instruct with a teacher model, the way the Saiga authors made ru_turbo_alpaca: each batch
// request shows the teacher a few tasks from the pool and asks for new ones; the new tasks are
// parsed, filtered (length, blacklist, ROUGE-L against the pool) and every kept one is answered
// by the teacher in a call of its own. Each answered task is appended to the output at once, so
// a killed run loses at most the calls in flight, and a restart rebuilds the pool from the file.
import type { ZodType } from "zod";
import { appendJsonLine, readFinishedLines, repairCutOffLine } from "../../files/json-lines.js";
import type { OpenAIEndpoint } from "../openai-endpoint.js";
import { taskMessages } from "../task-prompt.js";
import { sampleExamples } from "./example-sampler.js";
import { buildGenerationMessages } from "./generation-prompt.js";
import { emptyDropCounts, type SelfInstructReport } from "./self-instruct-report.js";
import {
  selfInstructRecord,
  selfInstructRecordSchema,
  type SelfInstructRecord,
} from "./self-instruct-record.js";
import type { PoolTask } from "./seed-task.js";
import { SimilarityPool } from "./similarity-pool.js";
import { parseTaskBatch } from "./task-batch-parser.js";
import { TaskFilter, type TaskFilterOptions } from "./task-filter.js";

/** Sampling of batch requests: high, for varied tasks (rulm used 1.0). */
const GENERATION_TEMPERATURE = 1;
/** Sampling of answers: lower, for careful ones. */
const ANSWER_TEMPERATURE = 0.7;

export interface SelfInstructOptions {
  teacher: OpenAIEndpoint;
  /** Human-written tasks the pool starts from (see readSeedTasks). */
  seeds: readonly PoolTask[];
  /** The Saiga JSONL output; examples already in it count towards `count`. */
  out: string;
  /** Examples the output should hold. */
  count: number;
  /** The system prompt of the examples (config model.systemPrompt); none when empty. */
  systemPrompt: string;
  /** Tasks asked for per batch request. Default: 10. */
  batch?: number;
  /** Example tasks shown per request. Default: 3. */
  examples?: number;
  /** Teacher calls at once. Default: 4. */
  concurrency?: number;
  /** Seed of the example sampling (and of the teacher where it takes one). Default: 42. */
  seed?: number;
  /** The filters' limits; `similarity` defaults to 0.7. */
  filter?: TaskFilterOptions;
  /** Batch requests at most, so a teacher that gives nothing usable cannot keep a run going. Default: 10 per batch needed, at least 10. */
  maxBatches?: number;
  /**
   * Checked on every example before it is written: the CLI passes the trainer's schema
   * (saigaExampleSchema; eval sits below training and cannot import it).
   */
  exampleSchema?: ZodType<unknown>;
  /** Called once the output has been read, before any teacher call (`report.kept`: examples already there). */
  onStart?: (report: SelfInstructReport) => void;
  /** Called after each example is written. */
  onExample?: (record: SelfInstructRecord, report: SelfInstructReport) => void;
  /** Called after each batch is parsed and filtered. */
  onBatch?: (report: SelfInstructReport) => void;
  signal?: AbortSignal;
}

/**
 * Generates examples into `out` until it holds `count` (no teacher call when it already does).
 * @throws {SaigaError} ENDPOINT_FAILED when the teacher fails after its retries (what was
 *   finished stays in the file; run again to go on)
 */
export async function generateSelfInstruct(options: SelfInstructOptions): Promise<SelfInstructReport> {
  const { teacher, seeds, out, count, systemPrompt } = options;
  const batchSize = options.batch ?? 10;
  const exampleCount = options.examples ?? 3;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const seed = options.seed ?? 42;
  await repairCutOffLine(out);
  const existing = await readFinishedLines(out, selfInstructRecordSchema);
  const maxBatches =
    options.maxBatches ?? Math.max(10, 10 * Math.ceil((count - existing.length) / batchSize));

  const pool = new SimilarityPool();
  for (const task of seeds) pool.add(task.instruction);
  const generated: PoolTask[] = existing.map(({ instruction, input }) => ({ instruction, input }));
  for (const task of generated) pool.add(task.instruction);
  const filter = new TaskFilter(pool, options.filter);
  const callsBefore = teacher.calls;

  const report: SelfInstructReport = {
    count,
    kept: existing.length,
    added: 0,
    generated: 0,
    dropped: emptyDropCounts(),
    surplus: 0,
    batches: 0,
    teacherCalls: 0,
    complete: false,
  };
  options.onStart?.(snapshot(report, teacher, callsBefore));
  const toAnswer: PoolTask[] = [];
  let reserved = 0; // kept by the filters, answer pending
  let batchesInFlight = 0;
  const remaining = () => count - report.kept - reserved;

  const runBatch = async (request: number, signal: AbortSignal) => {
    const shown = sampleExamples(seeds, generated, exampleCount, seed, existing.length + request);
    const text = await teacher.chat(
      buildGenerationMessages(shown, batchSize),
      { temperature: GENERATION_TEMPERATURE, seed: seed + existing.length + request },
      signal,
    );
    const parsed = parseTaskBatch(text);
    report.generated += parsed.tasks.length;
    report.dropped.unparsed += parsed.unparsed;
    for (const task of parsed.tasks) {
      if (remaining() <= 0) {
        report.surplus++;
        continue;
      }
      const reason = filter.admit(task);
      if (reason) report.dropped[reason]++;
      else {
        reserved++;
        toAnswer.push(task);
      }
    }
    options.onBatch?.(snapshot(report, teacher, callsBefore));
  };

  const runAnswer = async (task: PoolTask, signal: AbortSignal) => {
    try {
      const answer = await teacher.chat(
        taskMessages(task, systemPrompt),
        { temperature: ANSWER_TEMPERATURE },
        signal,
      );
      if (answer.trim() === "") {
        report.dropped.emptyAnswer++;
        return;
      }
      const record = selfInstructRecord(task, systemPrompt, answer);
      options.exampleSchema?.parse(record);
      await appendJsonLine(out, record);
      report.kept++;
      report.added++;
      generated.push(task);
      options.onExample?.(record, snapshot(report, teacher, callsBefore));
    } finally {
      reserved--;
    }
  };

  /** The next call to make: answers first; a new batch only while the ones in flight cannot fill the count. */
  const nextJob = (): ((signal: AbortSignal) => Promise<void>) | null => {
    const task = toAnswer.shift();
    if (task) return (signal) => runAnswer(task, signal);
    const wanted = remaining() - batchesInFlight * batchSize;
    if (wanted <= 0 || report.batches >= maxBatches) return null;
    const request = report.batches++;
    batchesInFlight++;
    return (signal) => runBatch(request, signal).finally(() => batchesInFlight--);
  };

  await runJobs(nextJob, concurrency, options.signal);
  report.complete = report.kept >= count;
  return snapshot(report, teacher, callsBefore);
}

/**
 * Runs jobs from `next` with at most `concurrency` at once until it has none and none is
 * running. The first failure aborts the others and is rethrown once they have stopped.
 */
async function runJobs(
  next: () => ((signal: AbortSignal) => Promise<void>) | null,
  concurrency: number,
  outer?: AbortSignal,
): Promise<void> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener("abort", onAbort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      let failure: { error: unknown } | null = null;
      const pump = () => {
        while (!failure && !controller.signal.aborted && running < concurrency) {
          const job = next();
          if (!job) break;
          running++;
          job(controller.signal).then(
            () => {
              running--;
              pump();
            },
            (error: unknown) => {
              running--;
              failure ??= { error };
              controller.abort();
              pump();
            },
          );
        }
        if (running > 0) return;
        if (failure) reject(failure.error);
        else if (controller.signal.aborted) reject(outer?.reason ?? new Error("aborted"));
        else resolve();
      };
      pump();
    });
  } finally {
    outer?.removeEventListener("abort", onAbort);
  }
}

function snapshot(
  report: SelfInstructReport,
  teacher: OpenAIEndpoint,
  callsBefore: number,
): SelfInstructReport {
  return { ...report, dropped: { ...report.dropped }, teacherCalls: teacher.calls - callsBefore };
}
