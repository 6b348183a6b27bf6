// One training run, start to end: feedback → dataset (tokenized with the served chat format) →
// the Python trainer → a candidate in the registry → the evaluation gate → activation when it
// passes. Used by the trainer worker; independent of BullMQ so that it reads top to bottom.
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Config } from "../config/index.js";
import type { Logger } from "../log/index.js";
import type { FeedbackStore } from "../store/feedback-store.js";
import type { AdapterRegistry } from "./adapter-registry.js";
import { DATASET_FILES, exportDataset } from "./dataset/export-dataset.js";
import { readSaigaJsonl } from "./dataset/saiga-jsonl.js";
import { evaluateCandidate } from "./eval-gate.js";
import { judgeCandidate } from "./judge-candidate.js";
import { evalArgsOf, trainerArgsOf } from "./trainer-args.js";
import { runTrainer } from "./trainer/trainer-process.js";
import type { TrainingOutcome } from "./training-job.js";
import { lossCurveOf } from "./training-progress.js";

/** Options of {@link runTraining}. */
export interface RunTrainingOptions {
  config: Config;
  /** The served model's local GGUF file. */
  modelPath: string;
  feedback: FeedbackStore;
  registry: AdapterRegistry;
  /** Train even below `training.minNewFeedback`. */
  force: boolean;
  /** Time of the newest feedback the previous training used (ms); 0 when none. */
  since: number;
  /** Users who opted out of training (`/privacy off`): their records stay out. Default: none. */
  optedOut?: ReadonlySet<string>;
  /** Every JSON line of the trainer (step, loss, tokens/s, lr). */
  onProgress?: (line: Record<string, unknown>) => void;
  signal?: AbortSignal;
  log?: Logger;
}

/** What a run ended with, and the watermark for the next run's "new feedback". */
export async function runTraining(
  options: RunTrainingOptions,
): Promise<TrainingOutcome & { newestFeedback: number }> {
  const { config, feedback, registry, log } = options;
  const training = config.training;
  const records = await feedback.since(0);
  const newest = records.reduce((max, record) => Math.max(max, record.time), options.since);
  const newFeedback = records.filter((record) => record.time > options.since).length;
  if (!options.force && newFeedback < training.minNewFeedback) {
    return {
      skipped: `${newFeedback} new feedback records, fewer than ${training.minNewFeedback}`,
      newFeedback,
      newestFeedback: options.since,
    };
  }
  const work = await mkdtemp(path.join(os.tmpdir(), "saiga-training-"));
  try {
    // The same files `saiga dataset export` writes, tokenized with the served chat format.
    const data = path.join(work, "dataset");
    const dataset = await exportDataset(records, {
      ...training,
      ...(options.optedOut ? { optedOut: options.optedOut } : {}),
      outDir: data,
      tokenize: {
        modelPath: options.modelPath,
        modelSource: config.model.source,
        chatFormat: config.model.chatFormat,
        contextSize: config.model.contextSize,
        systemPrompt: config.model.systemPrompt,
        ...(log ? { log } : {}),
      },
    });
    const tokens = dataset.tokens;
    if (!tokens || tokens.train === 0) {
      return {
        skipped: "no usable training examples in the feedback",
        newFeedback,
        newestFeedback: options.since,
      };
    }
    const trainFile = path.join(data, DATASET_FILES.trainTokens);
    const validationFile = path.join(data, DATASET_FILES.validationTokens);

    // KTO needs undesirable examples; with 👍 only it falls back to SFT.
    const loss = dataset.counts.undesirable > 0 ? training.loss : "sft";
    const out = path.join(work, "out");
    await mkdir(out, { recursive: true });
    log?.info({ examples: tokens.train, validation: tokens.validation, loss }, "training started");
    const run = await runTrainer(
      ["--model", options.modelPath, "--data", trainFile, "--out", out, ...trainerArgsOf(training, loss)],
      {
        python: training.python,
        ...(options.onProgress ? { onLine: options.onProgress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    if (run.code !== 0) {
      throw new Error(`the trainer failed (exit ${run.code}): ${run.stderr.trim().split("\n").at(-1) ?? ""}`);
    }
    const metrics = JSON.parse(await readFile(path.join(out, "metrics.json"), "utf8")) as Record<
      string,
      unknown
    >;
    const candidate = await registry.register({
      adapterFile: path.join(out, "adapter.gguf"),
      baseModelPath: options.modelPath,
      dataset: { hash: dataset.hash, train: tokens.train, validation: tokens.validation },
      hyperparameters: { ...training, gate: undefined, python: undefined, loss },
      metrics,
      lossCurve: lossCurveOf(run.lines),
    });

    const active = await registry.activeManifest();
    const gate = await evaluateCandidate({
      modelPath: options.modelPath,
      validationFile,
      candidate: { version: candidate.version, file: registry.fileOf(candidate) },
      baseline: active ? { version: active.version, file: registry.fileOf(active) } : null,
      maxPerplexityIncrease: training.gate.maxPerplexityIncrease,
      python: training.python,
      trainerArgs: evalArgsOf(training),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const judge = await judgeCandidate({
      config,
      examples: await readSaigaJsonl(path.join(data, DATASET_FILES.validation)),
      candidateFile: registry.fileOf(candidate),
      baselineFile: active ? registry.fileOf(active) : null,
      ...(log ? { log } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (judge) gate.judge = judge;
    await registry.recordGate(candidate.version, gate);
    log?.info({ version: candidate.version, passed: gate.passed, reasons: gate.reasons }, "evaluation gate");
    if (gate.passed) await registry.activate(candidate.version);
    return {
      newFeedback,
      newestFeedback: newest,
      version: candidate.version,
      gate: { passed: gate.passed, reasons: gate.reasons, ...(judge ? { judge } : {}) },
      activated: gate.passed,
      metrics,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
