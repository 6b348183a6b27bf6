// One demo-model engine per test file, loaded once (llama.cpp model loads are the slow part).
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
 * A memoized engine on the demo model with the default configuration, 1 thread and the given
 * overrides; closed after the file's tests.
 */
export function testEngine(overrides: Partial<SaigaEngineOptions> = {}): Promise<SaigaEngine> {
  const key = JSON.stringify(overrides);
  let engine = engines.get(key);
  if (!engine) {
    const config = loadConfig({ env: {} });
    engine = demoModelPath().then((modelPath) =>
      SaigaEngine.create({
        modelPath,
        chatFormat: "auto",
        systemPrompt: config.model.systemPrompt,
        contextSize: 1024,
        sequences: 2,
        threads: 1, // the fastest on the 2-vCPU CI machines (docs/BENCHMARKS.md); `auto` is tested on its own
        gpu: "cpu",
        sampling: { ...config.generation, maxTokens: 24 },
        ...overrides,
      }),
    );
    engines.set(key, engine);
  }
  return engine;
}

afterAll(async () => {
  for (const engine of engines.values()) await (await engine).close();
  engines.clear();
});
