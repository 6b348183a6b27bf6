// The side-by-side evaluation the Saiga authors ran: a judge compares two sides' answers task by
// task and the result is wins-draws-losses. Works on answer sets in memory (the CLI reads them
// from files, the evaluation gate builds them), so it knows nothing of files but its cache.
import type { AnswerRecord } from "../answer-record.js";
import type { OpenAIEndpoint } from "../openai-endpoint.js";
import { judgeOrdering } from "./judge-ordering.js";
import { JudgementCache } from "./judgement-cache.js";
import { mapConcurrently } from "./map-concurrently.js";
import { pairAnswers, sideLabel, type AnswerPair } from "./pair-answers.js";
import { sideAFirst } from "./seeded-side-order.js";
import { sideScores, taskOutcome, type JudgedOrdering, type TaskOutcome } from "./task-outcome.js";
import { tallyOutcomes, type WdlTally } from "./wdl-tally.js";

/** Tasks without a category are counted under this one. */
export const UNCATEGORIZED = "uncategorized";

export interface SideBySideOptions {
  /** Side A's answers (the side the wins are counted for) and side B's. */
  a: readonly AnswerRecord[];
  b: readonly AnswerRecord[];
  judge: OpenAIEndpoint;
  /** Seed of the left/right assignment and of the bootstrap. Default: 1. */
  seed?: number;
  /** Judge each task in both orders; a verdict that changes with the order is a draw. Default: false. */
  bothOrders?: boolean;
  /** Judge requests at once. Default: 4. */
  concurrency?: number;
  /** Further attempts after a reply without a verdict or a failed call. Default: 2. */
  retries?: number;
  /** Pause before another attempt after a failed call, doubled each time. Default: 2000 ms. */
  failurePauseMs?: number;
  /** Most tokens of one judge reply. Default: 1024. */
  maxTokens?: number;
  /** JSON Lines file of judgements kept between runs; null: in memory only. Default: null. */
  cacheFile?: string | null;
  /** Called after each task is judged (`id`: the task's). */
  onProgress?: (done: number, total: number, id: string) => void;
  signal?: AbortSignal;
}

/** One task as judged. */
export interface TaskVerdict {
  id: string;
  category: string;
  outcome: TaskOutcome;
  orderings: {
    sideAFirst: boolean;
    /** Scores of side A and B; null without a verdict. */
    scoreA: number | null;
    scoreB: number | null;
    explanation: string | null;
    cached: boolean;
    /** The reply that had no verdict, or the error of the failed call. */
    problem?: string;
  }[];
}

export interface SideBySideResult {
  sideA: string;
  sideB: string;
  judgeModel: string;
  seed: number;
  bothOrders: boolean;
  overall: WdlTally;
  /** Tallies by task category, sorted by name. */
  categories: Record<string, WdlTally>;
  /** Tasks only one side answered: reported, not counted. */
  missing: { onlyA: string[]; onlyB: string[] };
  /** Judge calls this run made (0 when everything came from the cache). */
  judgeCalls: number;
  verdicts: TaskVerdict[];
}

/** Judges side A against side B and tallies the outcome. */
export async function runSideBySide(options: SideBySideOptions): Promise<SideBySideResult> {
  const seed = options.seed ?? 1;
  const bothOrders = options.bothOrders ?? false;
  const { pairs, onlyA, onlyB } = pairAnswers(options.a, options.b);
  const cache = await JudgementCache.open(options.cacheFile ?? null);
  const callsBefore = options.judge.calls;
  const ordering = {
    judge: options.judge,
    cache,
    retries: options.retries ?? 2,
    failurePauseMs: options.failurePauseMs ?? 2000,
    maxTokens: options.maxTokens ?? 1024,
    ...(options.signal ? { signal: options.signal } : {}),
  };

  let done = 0;
  const verdicts = await mapConcurrently(pairs, options.concurrency ?? 4, async (pair) => {
    const aFirst = sideAFirst(seed, pair.id);
    const orders = bothOrders ? [aFirst, !aFirst] : [aFirst];
    const judged: JudgedOrdering[] = [];
    for (const first of orders)
      judged.push({ sideAFirst: first, judgement: await judgeInOrder(pair, first) });
    options.onProgress?.(++done, pairs.length, pair.id);
    return verdictOf(pair, judged);
  });

  function judgeInOrder(pair: AnswerPair, aFirst: boolean) {
    const task = { ...pair.b, ...pair.a };
    const [first, second] = aFirst ? [pair.a.answer, pair.b.answer] : [pair.b.answer, pair.a.answer];
    return judgeOrdering(task, first, second, ordering);
  }

  const byCategory = new Map<string, TaskOutcome[]>();
  for (const verdict of verdicts)
    byCategory.set(verdict.category, [...(byCategory.get(verdict.category) ?? []), verdict.outcome]);
  return {
    sideA: sideLabel(options.a, "A"),
    sideB: sideLabel(options.b, "B"),
    judgeModel: options.judge.settings.model,
    seed,
    bothOrders,
    overall: tallyOutcomes(
      verdicts.map((verdict) => verdict.outcome),
      seed,
    ),
    categories: Object.fromEntries(
      [...byCategory.keys()]
        .sort()
        .map((category) => [category, tallyOutcomes(byCategory.get(category)!, seed)]),
    ),
    missing: { onlyA, onlyB },
    judgeCalls: options.judge.calls - callsBefore,
    verdicts,
  };
}

function verdictOf(pair: AnswerPair, judged: JudgedOrdering[]): TaskVerdict {
  return {
    id: pair.id,
    category: pair.a.category ?? pair.b.category ?? UNCATEGORIZED,
    outcome: taskOutcome(judged),
    orderings: judged.map((ordering) => {
      const { judgement } = ordering;
      const scores = sideScores(ordering);
      return {
        sideAFirst: ordering.sideAFirst,
        scoreA: scores?.a ?? null,
        scoreB: scores?.b ?? null,
        explanation: judgement.kind === "verdict" ? judgement.explanation : null,
        cached: judgement.kind === "verdict" && judgement.cached,
        ...(judgement.kind === "unparsed" ? { problem: judgement.reply } : {}),
        ...(judgement.kind === "failed" ? { problem: judgement.error } : {}),
      };
    }),
  };
}
