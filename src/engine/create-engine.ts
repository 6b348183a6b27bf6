// Builds the engine the configuration describes: resolves MODEL (demo, smollm2, hf:, path) and loads it.
import path from "node:path";
import type { Config } from "../config/index.js";
import type { Logger } from "../log/index.js";
import { SMOLLM2_NOTICE } from "./fetch-smollm2.js";
import { resolveModelPath } from "./resolve-model-path.js";
import { SaigaEngine, type SaigaEngineOptions } from "./saiga-engine.js";

/** What the demo model is, said wherever it is used. */
export const DEMO_MODEL_NOTICE =
  "MODEL=demo: a tiny model with random weights, made for tests and for trying the plumbing; its replies are gibberish by construction. Set MODEL to a Saiga GGUF for real answers (or to smollm2 for a small real English model).";

/** Options of {@link createEngine} that the configuration does not hold. */
export interface CreateEngineOptions extends Partial<
  Omit<SaigaEngineOptions, "modelPath" | "log" | "sampling">
> {
  log?: Logger;
}

/** The models directory of a configuration. */
export function modelsDirOf(config: Config): string {
  return path.resolve(config.model.dir ?? path.join(config.dataDir, "models"));
}

/** Resolves and loads the configured model. */
export async function createEngine(config: Config, options: CreateEngineOptions = {}): Promise<SaigaEngine> {
  const { log, ...overrides } = options;
  const modelPath = await resolveModelPath(config.model.source, {
    modelsDir: modelsDirOf(config),
    cacheDir: path.resolve(config.dataDir, "cache"),
    log,
    signal: options.signal,
  });
  if (config.model.source === "demo") log?.warn(DEMO_MODEL_NOTICE);
  if (config.model.source === "smollm2") log?.info(SMOLLM2_NOTICE);
  return SaigaEngine.create({
    modelPath,
    chatFormat: config.model.chatFormat,
    systemPrompt: config.model.systemPrompt,
    contextSize: config.model.contextSize,
    sequences: config.model.sequences,
    adapterContexts: config.model.adapterContexts,
    batchSize: config.model.batchSize,
    threads: config.model.threads,
    gpu: config.model.gpu,
    llamaBuild: config.model.llamaBuild,
    flashAttention: config.model.flashAttention,
    gpuLayers: config.model.gpuLayers,
    sampling: config.generation,
    threadCalibrationCache: path.resolve(config.dataDir, "thread-calibration.json"),
    stateCache: config.model.stateCache,
    log,
    ...overrides,
  });
}
