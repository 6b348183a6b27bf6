// Settings a known model needs to behave as its authors meant, applied under every setting an
// operator gave: a preset only replaces values that still come from config/default.yaml.

/** Dotted setting paths and the values a known `model.source` brings. */
export const MODEL_PRESETS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  // SmolLM2's model card samples at temperature 0.2, top-p 0.9. The Saiga system prompt is Russian,
  // and the English-first 135M model then wavers between English and French from the first token:
  // "What is the capital of France?" got "Paris" in 10 of 12 seeded answers at 0.5, 28 of 30 even
  // at 0.1; with an empty system message and 0.2, in 40 of 40.
  smollm2: { "model.systemPrompt": "", "generation.temperature": 0.2, "generation.topP": 0.9 },
};

/** The preset of a model source, or none. */
export function modelPresetOf(source: unknown): Readonly<Record<string, unknown>> {
  return typeof source === "string" ? (MODEL_PRESETS[source] ?? {}) : {};
}
