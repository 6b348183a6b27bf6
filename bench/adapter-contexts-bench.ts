// `npm run bench:adapter-contexts`: what one more LoRA adapter context costs. Each adapter that
// answers per request (`GenerateRequest.adapterPath`, the API's `model`) gets its own llama.cpp
// context on the shared weights; this measures, on the demo model and on SmolLM2, the process RSS
// and node-llama-cpp's VRAM reading before and after each extra context, next to the KV cache
// computed from the model's dimensions and node-llama-cpp's own estimate of a context, and the
// first answer's time with a new adapter (its context is created) against the next one.
// Writes bench/results/adapter-contexts.json and its table in docs/BENCHMARKS.md.
import { mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { SaigaEngine, ensureDemoModel, fetchSmolLM2 } from "../src/engine/index.js";
import { writeRandomAdapter } from "../tests/helpers/random-lora-adapter.js";
import {
  PROJECT_ROOT,
  machineInfo,
  markdownTable,
  updateBenchmarksDoc,
  writeResult,
} from "./bench-report.js";
import { BENCH_DIR } from "./synthetic-model.js";

/** The shapes measured: the default configuration (model.contextSize 2048, model.sequences 4) and one sequence. */
const SHAPES = [
  { contextSize: 2048, sequences: 4 },
  { contextSize: 2048, sequences: 1 },
];
/** Adapters beyond the current context: model.adapterContexts' default of 3 is the current one plus two. */
const EXTRA_CONTEXTS = 2;
const MiB = 2 ** 20;

interface ContextStep {
  /** Contexts that exist after this step (1: the current one only). */
  contexts: number;
  rssMiB: number;
  rssDeltaMiB: number;
  vramUsedMiB: number;
  vramDeltaMiB: number;
  /** The first answer with this adapter: creating its context, then a short greedy answer. */
  firstAnswerMs: number;
  /** The next answer with the same adapter, on the context that now exists. */
  nextAnswerMs: number;
}

interface Measurement {
  model: string;
  contextSize: number;
  sequences: number;
  gpu: string;
  adapterMiB: number;
  /** The KV cache of one context: layers × tokens (context × sequences) × K and V × KV width × 2 bytes (F16). */
  kvCacheMiB: number;
  /** node-llama-cpp's estimate (GgufInsights) of one context of this shape, compute buffers included. */
  estimateMiB: { cpuRam: number; gpuVram: number };
  steps: ContextStep[];
}

const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;

async function measure(model: { name: string; path: string }, shape: (typeof SHAPES)[number]) {
  const adapters: string[] = [];
  mkdirSync(path.join(BENCH_DIR, "adapters"), { recursive: true });
  for (let i = 0; i < EXTRA_CONTEXTS; i++) {
    const file = path.join(BENCH_DIR, "adapters", `${path.basename(model.path, ".gguf")}-random-${i}.gguf`);
    await writeRandomAdapter(model.path, file, { seed: 100 + i, rank: 8 });
    adapters.push(file);
  }
  const engine = await SaigaEngine.create({
    modelPath: model.path,
    chatFormat: "auto",
    ...shape,
    threads: 1,
    gpu: "auto",
    adapterContexts: 1 + EXTRA_CONTEXTS,
    sampling: { temperature: 0, topP: 1, topK: 0, repeatPenalty: 1, maxTokens: 8, seed: 1 },
  });
  const llama = engine.model.llama;
  try {
    const request = { messages: [{ role: "user" as const, content: "Hello!" }] };
    const answer = async (adapterPath: string | null) => {
      const started = performance.now();
      await engine.complete({ ...request, adapterPath });
      return Math.round(performance.now() - started);
    };
    const reading = async () => ({ rss: process.memoryUsage().rss, vram: (await llama.getVramState()).used });

    const firstAnswerMs = await answer(null);
    let before = await reading();
    const steps: ContextStep[] = [
      {
        contexts: 1,
        rssMiB: mib(before.rss),
        rssDeltaMiB: 0,
        vramUsedMiB: mib(before.vram),
        vramDeltaMiB: 0,
        firstAnswerMs,
        nextAnswerMs: await answer(null),
      },
    ];
    for (const adapter of adapters) {
      const first = await answer(adapter);
      const after = await reading();
      steps.push({
        contexts: engine.adapterContexts().length,
        rssMiB: mib(after.rss),
        rssDeltaMiB: mib(after.rss - before.rss),
        vramUsedMiB: mib(after.vram),
        vramDeltaMiB: mib(after.vram - before.vram),
        firstAnswerMs: first,
        nextAnswerMs: await answer(adapter),
      });
      before = after;
    }
    const estimate = engine.model.fileInsights.estimateContextResourceRequirements({
      ...shape,
      modelGpuLayers: engine.info.gpuLayers,
      batchSize: 512,
    });
    const measurement: Measurement = {
      model: model.name,
      ...shape,
      gpu: engine.info.gpu,
      adapterMiB: mib(statSync(adapters[0] as string).size),
      kvCacheMiB: mib(kvCacheBytes(engine, shape)),
      estimateMiB: { cpuRam: mib(estimate.cpuRam), gpuVram: mib(estimate.gpuVram) },
      steps,
    };
    return measurement;
  } finally {
    await engine.close();
  }
}

/** The F16 KV cache a context of `shape` allocates, from the model's dimensions. */
function kvCacheBytes(engine: SaigaEngine, shape: (typeof SHAPES)[number]): number {
  const meta = engine.model.fileInfo.architectureMetadata;
  const layers = meta.block_count ?? 0;
  const heads = meta.attention?.head_count ?? 1;
  const kvHeads = meta.attention?.head_count_kv ?? heads;
  const headWidth = (meta.embedding_length ?? 0) / heads;
  return layers * shape.contextSize * shape.sequences * 2 * kvHeads * headWidth * 2;
}

async function main(): Promise<void> {
  const models = [
    { name: "demo (1M, F16)", path: await ensureDemoModel(path.join(BENCH_DIR, "models")) },
    {
      name: "SmolLM2-135M Q4_1",
      path: await fetchSmolLM2({
        modelsDir: path.join(PROJECT_ROOT, "data/models"),
        cacheDir: path.join(PROJECT_ROOT, "data/cache"),
      }),
    },
  ];
  const measurements: Measurement[] = [];
  for (const model of models) {
    for (const shape of SHAPES) {
      const m = await measure(model, shape);
      measurements.push(m);
      const extra = m.steps.slice(1);
      console.error(
        `${m.model} ${m.contextSize}×${m.sequences} (${m.gpu}): +${extra.map((s) => s.rssDeltaMiB).join(", +")} MiB RSS ` +
          `per extra context, KV cache ${m.kvCacheMiB} MiB, estimate ${m.estimateMiB.cpuRam} MiB RAM / ` +
          `${m.estimateMiB.gpuVram} MiB VRAM, first answer ${extra.map((s) => s.firstAnswerMs).join("/")} ms`,
      );
    }
  }
  const file = await writeResult("adapter-contexts", {
    benchmark: "adapter-contexts",
    machine: await machineInfo(),
    measurements,
  });
  console.error(`wrote ${file}`);

  const rows = measurements.map((m) => {
    const extra = m.steps.slice(1);
    const mean = (values: number[]) =>
      Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10;
    return [
      m.model,
      `${m.contextSize} × ${m.sequences}`,
      m.gpu,
      mean(extra.map((s) => s.rssDeltaMiB)),
      mean(extra.map((s) => s.vramDeltaMiB)),
      m.kvCacheMiB,
      `${m.estimateMiB.cpuRam} / ${m.estimateMiB.gpuVram}`,
      m.adapterMiB,
      `${mean(extra.map((s) => s.firstAnswerMs))} / ${mean(extra.map((s) => s.nextAnswerMs))}`,
    ];
  });
  await updateBenchmarksDoc(
    "adapter-contexts",
    markdownTable(
      [
        "model",
        "context × sequences",
        "backend",
        "RSS per extra context, MiB",
        "VRAM per extra context, MiB",
        "KV cache of a context (computed), MiB",
        "node-llama-cpp estimate RAM / VRAM, MiB",
        "adapter file, MiB",
        "first / next answer with a new adapter, ms",
      ],
      rows,
    ),
  );
}

await main();
