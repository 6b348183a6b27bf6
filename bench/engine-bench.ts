// `npm run bench:engine`: decode speed and time to first token of the engine on the demo model
// and a ~113M-parameter F16 synthetic model, for 1/4/8/16 parallel sequences of one context,
// with the chosen thread count, every count from 1 to the cores, and node-llama-cpp's default.
// Writes bench/results/engine.json and the table in docs/BENCHMARKS.md.
import path from "node:path";
import {
  SaigaEngine,
  ensureDemoModel,
  physicalCoreCount,
  type ThreadCalibration,
} from "../src/engine/index.js";
import { machineInfo, markdownTable, round, updateBenchmarksDoc, writeResult } from "./bench-report.js";
import { BENCH_DIR, syntheticModel } from "./synthetic-model.js";

type Threads = number | "llama-default";

interface Measurement {
  model: string;
  threadsSetting: string;
  threads: number;
  parallel: number;
  /** Time to first token, mean over the sequences (prompt evaluation included). */
  ttftMs: number;
  /** Completion tokens per second of one sequence, after its first token (mean). */
  perSequenceTokensPerSecond: number;
  /** All sequences together: tokens after the first ones / time from the last first token to the end. */
  aggregateTokensPerSecond: number;
  completionTokens: number;
}

const PARALLEL = [1, 4, 8, 16];
// Short on purpose: the byte-level demo vocabulary spends 2 tokens per Cyrillic letter, and this
// benchmark is about decoding; prompt evaluation shows in the time to first token.
const SYSTEM_PROMPT = "Ты — Сайга.";
const PROMPT = "Привет! Как дела?";

function createEngine(modelPath: string, threads: Threads | "auto", parallel: number, tokens: number) {
  return SaigaEngine.create({
    modelPath,
    chatFormat: "saiga_v2",
    contextSize: 512,
    sequences: parallel,
    batchSize: 512,
    threads,
    gpu: "cpu",
    systemPrompt: SYSTEM_PROMPT,
    sampling: { temperature: 0, topP: 1, topK: 0, repeatPenalty: 1, maxTokens: tokens, seed: 1 },
  });
}

/** What `model.threads: auto` picks for a model (measured afresh, no cache). */
async function chosenThreads(modelPath: string): Promise<ThreadCalibration> {
  const engine = await createEngine(modelPath, "auto", 1, 1);
  await engine.close();
  return { threads: engine.info.threads, measured: engine.info.threadChoice.measured ?? [] };
}

async function measure(
  modelName: string,
  modelPath: string,
  threads: Threads,
  parallel: number,
  tokens: number,
  repetitions: number,
): Promise<Measurement> {
  const engine = await createEngine(modelPath, threads, parallel, tokens);
  try {
    let best: Measurement | undefined;
    for (let repetition = 0; repetition < repetitions; repetition++) {
      const started = performance.now();
      // A different first message per run and sequence: nothing is reused from the KV cache.
      const results = await Promise.all(
        Array.from({ length: parallel }, (_, index) =>
          engine.complete({ messages: [{ role: "user", content: `${repetition}-${index}. ${PROMPT}` }] }),
        ),
      );
      const ended = performance.now();
      const firstTokens = results.map((r) => started + r.stats.timeToFirstTokenMs);
      const decoded = results.reduce((sum, r) => sum + Math.max(0, r.stats.completionTokens - 1), 0);
      const measurement: Measurement = {
        model: modelName,
        threadsSetting: threads === "llama-default" ? "node-llama-cpp default" : String(threads),
        threads: engine.info.threads,
        parallel,
        ttftMs: round(mean(results.map((r) => r.stats.timeToFirstTokenMs))),
        perSequenceTokensPerSecond: round(mean(results.map((r) => r.stats.tokensPerSecond))),
        aggregateTokensPerSecond: round((decoded * 1000) / (ended - Math.max(...firstTokens))),
        completionTokens: results.reduce((sum, r) => sum + r.stats.completionTokens, 0),
      };
      if (!best || measurement.aggregateTokensPerSecond > best.aggregateTokensPerSecond) best = measurement;
    }
    return best as Measurement;
  } finally {
    await engine.close();
  }
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
function ratio(a: number, b: number): number {
  return Number((a / b).toFixed(2));
}

async function main(): Promise<void> {
  const cores = physicalCoreCount();
  const models = [
    { name: "demo (1M, F16)", path: await ensureDemoModel(path.join(BENCH_DIR, "models")), tokens: 64 },
    { name: "synthetic 113M F16", path: await syntheticModel(), tokens: 32 },
  ];
  const sweep: Threads[] = [...Array.from({ length: cores }, (_, i) => i + 1), "llama-default"];
  const measurements: Measurement[] = [];
  const log = (m: Measurement) => {
    measurements.push(m);
    console.error(
      `${m.model} threads=${m.threadsSetting}(${m.threads}) parallel=${m.parallel}: ` +
        `${m.aggregateTokensPerSecond} tok/s aggregate, ${m.perSequenceTokensPerSecond} tok/s per sequence, TTFT ${m.ttftMs} ms`,
    );
  };
  const chosen = new Map<string, ThreadCalibration>();
  for (const model of models) {
    chosen.set(model.name, await chosenThreads(model.path));
    console.error(`${model.name}: auto chose ${JSON.stringify(chosen.get(model.name))}`);
    for (const threads of sweep) {
      // node-llama-cpp's default is very slow on small machines: fewer tokens keep the run short.
      const tokens = threads === "llama-default" ? Math.min(8, model.tokens) : model.tokens;
      for (const parallel of PARALLEL) {
        log(
          await measure(
            model.name,
            model.path,
            threads,
            parallel,
            tokens,
            threads === "llama-default" ? 1 : 2,
          ),
        );
      }
    }
  }

  const pick = (model: string, threads: string, parallel: number) =>
    measurements.find((m) => m.model === model && m.threadsSetting === threads && m.parallel === parallel);
  const checks = models.map(({ name }) => {
    const calibration = chosen.get(name) as ThreadCalibration;
    const explicit = measurements.filter(
      (m) => m.model === name && m.parallel === 1 && m.threadsSetting !== "node-llama-cpp default",
    );
    const best = Math.max(...explicit.map((m) => m.aggregateTokensPerSecond));
    const chosenSingle = pick(name, String(calibration.threads), 1)?.aggregateTokensPerSecond ?? 0;
    const chosenBatch8 = pick(name, String(calibration.threads), 8)?.aggregateTokensPerSecond ?? 0;
    const defaultSingle = pick(name, "node-llama-cpp default", 1)?.aggregateTokensPerSecond ?? 0;
    return {
      model: name,
      chosenThreads: calibration.threads,
      calibration: calibration.measured,
      chosenVsBestSingleStream: ratio(chosenSingle, best),
      chosenVsNodeLlamaCppDefault: ratio(chosenSingle, defaultSingle),
      batch8VsSingleStream: ratio(chosenBatch8, chosenSingle),
      targets: {
        chosenWithin10PercentOfBest: chosenSingle >= 0.9 * best,
        batch8AtLeast2x: chosenBatch8 >= 2 * chosenSingle,
      },
    };
  });

  const result = {
    benchmark: "engine",
    machine: await machineInfo(),
    physicalCores: cores,
    chosenThreads: chosen,
    measurements,
    checks,
  };
  const file = await writeResult("engine", result);
  console.error(`wrote ${file}`);

  const rows = measurements.map((m) => [
    m.model,
    m.threadsSetting === String(chosen.get(m.model)?.threads)
      ? `${m.threadsSetting} (auto's choice)`
      : m.threadsSetting,
    m.threads,
    m.parallel,
    m.aggregateTokensPerSecond,
    m.perSequenceTokensPerSecond,
    m.ttftMs,
  ]);
  const summary = checks.map(
    (c) =>
      `- ${c.model}: chosen ${c.chosenThreads} threads = ${c.chosenVsBestSingleStream}× the best of 1..${cores} ` +
      `(target ≥ 0.9), ${c.chosenVsNodeLlamaCppDefault}× node-llama-cpp's default; ` +
      `8 sequences = ${c.batch8VsSingleStream}× the single-stream aggregate (target ≥ 2).`,
  );
  await updateBenchmarksDoc(
    "engine",
    [
      `Measured ${result.machine.date as string} on ${result.machine.cpu as string} (${cores} physical cores), node-llama-cpp ${result.machine.nodeLlamaCpp as string}, CPU only.`,
      "",
      markdownTable(
        [
          "model",
          "threads setting",
          "threads",
          "parallel sequences",
          "aggregate tok/s",
          "per-sequence tok/s",
          "TTFT ms",
        ],
        rows,
      ),
      "",
      ...summary,
    ].join("\n"),
  );
}

await main();
