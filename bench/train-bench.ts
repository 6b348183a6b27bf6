// Benchmark of the LoRA trainer on the CPU: tokens/s, seconds per optimizer step and peak memory
// of train.py with its default settings on the demo model and on SmolLM2-135M, SFT and KTO, on
// the few-dozen-example datasets the learning tests use (one short prompt, a fixed answer), and
// the same runs with float32 base weights for comparison (a few steps: the BLAS Debian's torch
// links is slow). Writes bench/results/train.json and the table in docs/BENCHMARKS.md.
import { readFile } from "node:fs/promises";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../src/config/index.js";
import { ensureDemoModel, fetchSmolLM2 } from "../src/engine/index.js";
import { ExampleTokenizer, type SaigaExample } from "../src/training/index.js";
import { runTrainer } from "../src/training/trainer/trainer-process.js";
import {
  machineInfo,
  markdownTable,
  PROJECT_ROOT,
  updateBenchmarksDoc,
  writeResult,
} from "./bench-report.js";

const PYTHON = process.env.SAIGA_TRAINING_PYTHON ?? "/usr/bin/python3";
/** float32 runs are this many steps: enough for a per-step figure. */
const FLOAT32_STEPS = 8;
const work = mkdtempSync(path.join(tmpdir(), "saiga-train-bench-"));

interface Dataset {
  model: string;
  modelPath: string;
  loss: "sft" | "kto";
  file: string;
}

interface Row {
  model: string;
  loss: string;
  dtype: string;
  lr: number;
  batchSize: number;
  steps: number;
  examples: number;
  tokensPerSecond: number;
  secondsPerStep: number;
  trainSeconds: number;
  totalSeconds: number;
  peakRssMiB: number;
  finalLoss: number;
}

function examples(
  system: string | null,
  question: string,
  good: string,
  bad: string,
  kto: boolean,
): SaigaExample[] {
  const chat = (answer: string, label: boolean): SaigaExample => ({
    messages: [
      ...(system ? [{ role: "system" as const, content: system }] : []),
      { role: "user", content: question },
      { role: "bot", content: answer },
    ],
    label,
    weight: 1,
  });
  return [
    ...Array.from({ length: 24 }, () => chat(good, true)),
    ...(kto ? Array.from({ length: 24 }, () => chat(bad, false)) : []),
  ];
}

async function tokenized(
  model: string,
  modelPath: string,
  loss: "sft" | "kto",
  list: SaigaExample[],
): Promise<Dataset> {
  const config = loadConfig({ env: {} });
  const tokenizer = await ExampleTokenizer.open({
    modelPath,
    chatFormat: "auto",
    contextSize: 1024,
    systemPrompt: config.model.systemPrompt,
  });
  try {
    const file = path.join(work, `${model}-${loss}.tokens.jsonl`);
    writeFileSync(
      file,
      tokenizer
        .tokenizeAll(list)
        .examples.map((e) => JSON.stringify(e))
        .join("\n") + "\n",
    );
    return { model, modelPath, loss, file };
  } finally {
    await tokenizer.close();
  }
}

async function train(data: Dataset, extra: string[]): Promise<Row> {
  const out = path.join(work, `${data.model}-${data.loss}-${extra.join("")}`);
  const started = Date.now();
  const run = await runTrainer(
    ["--model", data.modelPath, "--data", data.file, "--out", out, "--loss", data.loss, ...extra],
    { python: PYTHON },
  );
  if (run.code !== 0) throw new Error(`train.py failed: ${run.stderr.trim().split("\n").at(-1) ?? ""}`);
  const totalSeconds = (Date.now() - started) / 1000;
  const metrics = JSON.parse(await readFile(path.join(out, "metrics.json"), "utf8")) as {
    tokens_per_s: number;
    seconds_per_step: number;
    train_seconds: number;
    steps: number;
    examples: number;
    final_loss: number;
    peak_rss_bytes: number;
    dtype: string;
    hyperparameters: { lr: number; batch_size: number };
  };
  const row: Row = {
    model: data.model,
    loss: data.loss,
    dtype: metrics.dtype,
    lr: metrics.hyperparameters.lr,
    batchSize: metrics.hyperparameters.batch_size,
    steps: metrics.steps,
    examples: metrics.examples,
    tokensPerSecond: metrics.tokens_per_s,
    secondsPerStep: metrics.seconds_per_step,
    trainSeconds: metrics.train_seconds,
    totalSeconds: Math.round(totalSeconds * 10) / 10,
    peakRssMiB: Math.round(metrics.peak_rss_bytes / 2 ** 20),
    finalLoss: Math.round(metrics.final_loss * 1000) / 1000,
  };
  console.log(JSON.stringify(row));
  return row;
}

const demo = await ensureDemoModel(path.join(PROJECT_ROOT, "data", "models"));
const smollm2 = await fetchSmolLM2({ modelsDir: path.join(PROJECT_ROOT, "data", "models") });
const datasets: Dataset[] = [
  await tokenized("demo", demo, "sft", examples(null, "Как тебя зовут?", "Меня зовут Сайга!", "", false)),
  await tokenized(
    "demo",
    demo,
    "kto",
    examples(null, "Как тебя зовут?", "Меня зовут Сайга!", "Не знаю.", true),
  ),
  await tokenized(
    "SmolLM2-135M",
    smollm2,
    "sft",
    examples("You are Saiga.", "What is your name?", "My name is Saiga.", "", false),
  ),
  await tokenized(
    "SmolLM2-135M",
    smollm2,
    "kto",
    examples("You are Saiga.", "What is your name?", "My name is Saiga.", "I do not know.", true),
  ),
];
const rows: Row[] = [];
for (const data of datasets) {
  rows.push(await train(data, []));
  rows.push(await train(data, ["--dtype", "float32", "--max-steps", String(FLOAT32_STEPS)]));
}

await writeResult("train", { machine: await machineInfo(), python: PYTHON, rows });
await updateBenchmarksDoc(
  "train",
  markdownTable(
    [
      "model",
      "loss",
      "weights",
      "lr",
      "batch",
      "steps",
      "tokens/s",
      "s/step",
      "train s",
      "run s",
      "peak RSS MiB",
      "final loss",
    ],
    rows.map((r) => [
      r.model,
      r.loss,
      r.dtype,
      r.lr,
      r.batchSize,
      r.steps,
      r.tokensPerSecond,
      r.secondsPerStep,
      r.trainSeconds,
      r.totalSeconds,
      r.peakRssMiB,
      r.finalLoss,
    ]),
  ),
);
console.log("bench/results/train.json and docs/BENCHMARKS.md updated");
