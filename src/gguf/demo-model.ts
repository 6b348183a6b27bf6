// The project's demo model: a tiny random-weight llama GGUF with the saiga_v2 chat template.
import { GgmlType } from "./ggml-type.js";
import { writeLlamaModel, type LlamaModelOptions, type LlamaModelResult } from "./llama-model-builder.js";
import { SAIGA_V2_JINJA_TEMPLATE } from "./saiga-v2-jinja-template.js";

/** `general.name` of the demo model; says up front that its replies are noise. */
export const DEMO_MODEL_NAME = "saiga-demo (random weights: replies are gibberish by construction)";

/** Options the demo model is written with (fixed seed: the same bytes every time). */
export const DEMO_MODEL_OPTIONS: LlamaModelOptions = {
  nEmbd: 128,
  nLayer: 4,
  nHead: 4,
  nHeadKv: 4,
  nFf: 384,
  contextLength: 2048,
  weightType: GgmlType.F16,
  seed: 20240601,
  name: DEMO_MODEL_NAME,
  chatTemplate: SAIGA_V2_JINJA_TEMPLATE,
};

/**
 * Writes the demo model (about 2 MB) to `path`: real llama.cpp can load and run it, which makes
 * it good for exercising the whole bot without downloading a multi-gigabyte Saiga model.
 */
export async function writeDemoModel(path: string): Promise<LlamaModelResult> {
  return writeLlamaModel(path, DEMO_MODEL_OPTIONS);
}
