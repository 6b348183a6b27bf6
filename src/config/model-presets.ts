// Settings a known model needs to behave as its authors meant, applied under every setting an
// operator gave: a preset only replaces values that still come from config/default.yaml.

/** Dotted setting paths and the values a known `model.source` brings. */
export const MODEL_PRESETS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  // SmolLM2's model card samples at temperature 0.2, top-p 0.9: at our default 0.5 the 135M model
  // drifts off simple questions in about one answer of six (measured: 10 of 12 seeds said "Paris").
  smollm2: { "generation.temperature": 0.2, "generation.topP": 0.9 },
};

/** The preset of a model source, or none. */
export function modelPresetOf(source: unknown): Readonly<Record<string, unknown>> {
  return typeof source === "string" ? (MODEL_PRESETS[source] ?? {}) : {};
}
