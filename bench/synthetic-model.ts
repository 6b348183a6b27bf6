// The ~113M-parameter F16 llama model the benchmarks share (random weights, byte-level vocabulary):
// it decodes at the speed of a real model of its size, and says nothing.
import { existsSync } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import path from "node:path";
import { GgmlType } from "../src/gguf/ggml-type.js";
import { writeLlamaModel } from "../src/gguf/llama-model-builder.js";
import { SAIGA_V2_JINJA_TEMPLATE } from "../src/gguf/saiga-v2-jinja-template.js";
import { PROJECT_ROOT } from "./bench-report.js";

export const BENCH_DIR = path.join(PROJECT_ROOT, "data/bench");

/** Path of the synthetic model, written on first use (about 5 s, 228 MB). */
export async function syntheticModel(): Promise<string> {
  const file = path.join(BENCH_DIR, "synthetic-113m-f16.gguf");
  if (!existsSync(file)) {
    await mkdir(BENCH_DIR, { recursive: true });
    await writeLlamaModel(`${file}.partial`, {
      nEmbd: 768,
      nLayer: 12,
      nHead: 12,
      nFf: 3072,
      contextLength: 4096,
      weightType: GgmlType.F16,
      seed: 7,
      name: "synthetic-113m-f16 (random weights)",
      chatTemplate: SAIGA_V2_JINJA_TEMPLATE,
    });
    await rename(`${file}.partial`, file);
  }
  return file;
}
