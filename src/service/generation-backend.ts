// What a generation worker needs from an engine: the real SaigaEngine, or a stand-in that
// measures the pipeline alone (bench/null-engine.ts).
import type { SaigaEngine } from "../engine/saiga-engine.js";

/** The part of {@link SaigaEngine} the worker uses. */
export type GenerationBackend = Pick<SaigaEngine, "generate"> & {
  /** Model and adapter recorded with each answer. */
  readonly info: { modelPath: string; adapterPath: string | null };
};
