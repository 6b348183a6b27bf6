// Engines the tests share: one per test file, model and set of options, loaded once (llama.cpp
// model loads are the slow part) and closed after the file's tests.
import { afterAll } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { SaigaEngine, ensureDemoModel, type SaigaEngineOptions } from "../../src/engine/index.js";
import { TEST_DATA_DIR } from "./run-saiga.js";
import path from "node:path";

/** The demo model file the tests share (made on first use). */
export function demoModelPath(): Promise<string> {
  return ensureDemoModel(path.join(TEST_DATA_DIR, "models"));
}

const engines = new Map<string, Promise<SaigaEngine>>();

/**
 * A memoized engine on the model at `modelPath()` with the default configuration, its own chat
 * template (`auto`), 1 thread (the fastest on the 2-vCPU CI machines when other processes share the
 * cores, docs/BENCHMARKS.md; `auto` is tested on its own), the caller's defaults and the overrides.
 */
export function sharedEngine(
  modelPath: () => Promise<string>,
  defaults: Partial<SaigaEngineOptions>,
  overrides: Partial<SaigaEngineOptions> = {},
): Promise<SaigaEngine> {
  // Keyed by what the caller asked for: a test that names a default again (`sequences: 2`) gets an
  // engine of its own, e.g. one that never swapped adapters.
  const key = JSON.stringify([modelPath.name, overrides]);
  let engine = engines.get(key);
  if (!engine) {
    const config = loadConfig({ env: {} });
    engine = modelPath().then((file) =>
      SaigaEngine.create({
        modelPath: file,
        chatFormat: "auto",
        systemPrompt: config.model.systemPrompt,
        contextSize: 1024,
        sequences: 1,
        threads: 1,
        gpu: "cpu",
        sampling: config.generation,
        ...defaults,
        ...overrides,
      }),
    );
    engines.set(key, engine);
  }
  return engine;
}

/** A memoized engine on the demo model: two sequences, answers of at most 24 tokens. */
export function testEngine(overrides: Partial<SaigaEngineOptions> = {}): Promise<SaigaEngine> {
  const { generation } = loadConfig({ env: {} });
  return sharedEngine(
    demoModelPath,
    {
      sequences: 2,
      sampling: { ...generation, maxTokens: 24 },
    },
    overrides,
  );
}

afterAll(async () => {
  for (const engine of engines.values()) await (await engine).close();
  engines.clear();
});
