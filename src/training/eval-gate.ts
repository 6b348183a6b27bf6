// The evaluation gate: before a candidate adapter goes live it is compared, on the validation
// split, with what serves now (the active adapter, or the bare model). It must separate
// desirable from undesirable answers better (a larger log-likelihood margin per token) and must
// not make desirable answers much less likely (perplexity at most `maxPerplexityIncrease` worse).
import type { GateResult, GateScore } from "../store/adapter-manifest.js";
import { runTrainer } from "./trainer/trainer-process.js";

/** Options of {@link evaluateCandidate}. */
export interface EvaluateCandidateOptions {
  modelPath: string;
  /** Tokenized validation examples (train.py's JSONL). */
  validationFile: string;
  candidate: { version: string; file: string };
  /** What serves now; null: the bare model. */
  baseline: { version: string; file: string } | null;
  /** Allowed relative perplexity increase on desirable answers (0.05 = 5%). */
  maxPerplexityIncrease: number;
  python?: string;
  /** Extra train.py arguments (`--threads 1`, `--device cpu`). */
  trainerArgs?: readonly string[];
  signal?: AbortSignal;
}

interface EvalLine {
  label: boolean;
  tokens: number;
  base: number;
  adapter?: number;
}

/** Runs the comparison; the result goes into the candidate's manifest. */
export async function evaluateCandidate(options: EvaluateCandidateOptions): Promise<GateResult> {
  const candidateLines = await evalLines(options, options.candidate.file);
  const baselineLines = options.baseline ? await evalLines(options, options.baseline.file) : candidateLines;
  const candidate = score(options.candidate.version, candidateLines, "adapter");
  const baseline = score(
    options.baseline?.version ?? null,
    baselineLines,
    options.baseline ? "adapter" : "base",
  );
  const desirable = candidateLines.filter((line) => line.label).length;
  const undesirable = candidateLines.length - desirable;
  const reasons: string[] = [];
  let passed = true;
  if (candidateLines.length === 0) {
    passed = false;
    reasons.push("the validation split is empty: collect more feedback");
  }
  if (candidate.margin !== null && baseline.margin !== null) {
    const better = candidate.margin > baseline.margin;
    passed &&= better;
    reasons.push(
      `margin desirable − undesirable ${format(candidate.margin)} vs ${format(baseline.margin)} nats/token: ${better ? "better" : "not better"}`,
    );
  } else if (candidateLines.length > 0) {
    reasons.push("no margin check: the validation split lacks desirable or undesirable answers");
  }
  if (candidate.desirablePerplexity !== null && baseline.desirablePerplexity !== null) {
    const limit = baseline.desirablePerplexity * (1 + options.maxPerplexityIncrease);
    const ok = candidate.desirablePerplexity <= limit;
    passed &&= ok;
    reasons.push(
      `perplexity of desirable answers ${format(candidate.desirablePerplexity)} vs ${format(baseline.desirablePerplexity)} (limit ${format(limit)}): ${ok ? "ok" : "too high"}`,
    );
  }
  return { passed, reasons, candidate, baseline, examples: { desirable, undesirable } };
}

async function evalLines(options: EvaluateCandidateOptions, adapterFile: string): Promise<EvalLine[]> {
  const run = await runTrainer(
    [
      "--eval",
      "--model",
      options.modelPath,
      "--data",
      options.validationFile,
      "--adapter",
      adapterFile,
      ...(options.trainerArgs ?? []),
    ],
    {
      ...(options.python ? { python: options.python } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  if (run.code !== 0) {
    throw new Error(`evaluation failed (exit ${run.code}): ${run.stderr.trim().split("\n").at(-1) ?? ""}`);
  }
  return run.lines.filter(
    (line): line is EvalLine & Record<string, unknown> => typeof line.label === "boolean",
  ) as EvalLine[];
}

function score(version: string | null, lines: readonly EvalLine[], column: "base" | "adapter"): GateScore {
  const perToken = (label: boolean) => {
    const chosen = lines.filter((line) => line.label === label);
    const tokens = chosen.reduce((sum, line) => sum + line.tokens, 0);
    if (tokens === 0) return null;
    return chosen.reduce((sum, line) => sum + (line[column] ?? line.base), 0) / tokens;
  };
  const desirable = perToken(true);
  const undesirable = perToken(false);
  return {
    version,
    margin: desirable !== null && undesirable !== null ? desirable - undesirable : null,
    desirablePerplexity: desirable === null ? null : Math.exp(-desirable),
  };
}

function format(value: number): string {
  return value.toFixed(4);
}
