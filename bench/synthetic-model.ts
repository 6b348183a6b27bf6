// The ~113M-parameter F16 llama model the benchmarks share (random weights, byte-fallback
// vocabulary): it decodes at the speed of a real model of its size, and says nothing. It never
// says a byte or control token, so its greedy answers are valid UTF-8 text (llama-server refuses
// to stream invalid text, and a chat's answer must tokenize back to the same tokens next turn).
import { existsSync } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import path from "node:path";
import { GgmlType } from "../src/gguf/ggml-type.js";
import { writeLlamaModel } from "../src/gguf/llama-model-builder.js";
import { SAIGA_V2_JINJA_TEMPLATE } from "../src/gguf/saiga-v2-jinja-template.js";
import { buildSpmVocab, SPM_DEFAULT_CHARS, SPM_FIRST_BYTE_ID } from "../src/gguf/spm-vocab.js";
import { PROJECT_ROOT } from "./bench-report.js";

export const BENCH_DIR = path.join(PROJECT_ROOT, "data/bench");

/** Path of the synthetic model, written on first use (about 5 s, 228 MB). */
export async function syntheticModel(): Promise<string> {
  const file = path.join(BENCH_DIR, "synthetic-113m-f16-text.gguf");
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
      // Single characters, no merges: an answer tokenizes back to the tokens that said it, so a
      // chat's next turn can reuse them (as a real model's own text mostly does).
      vocab: buildSpmVocab({ pieces: SPM_DEFAULT_CHARS }),
      // <unk>, <s>, </s> and the 256 byte tokens.
      mutedTokens: Array.from({ length: SPM_FIRST_BYTE_ID + 256 }, (_, id) => id),
    });
    await rename(`${file}.partial`, file);
  }
  return file;
}
