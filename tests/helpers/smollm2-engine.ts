// One SmolLM2 engine per test file and set of options, loaded once (model loads are the slow part)
// and closed after the file's tests: the real-model counterpart of test-engine.ts.
import { afterAll } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { SaigaEngine, type SaigaEngineOptions } from "../../src/engine/index.js";
import { smollm2Path } from "./smollm2.js";

const engines = new Map<string, Promise<SaigaEngine>>();

/**
 * A memoized engine on SmolLM2 with its own chat template (`auto`), the default system prompt,
 * greedy sampling, 1 thread (2 are faster on an idle 2-vCPU machine, but slow down many times when
 * other processes share the cores) and the given overrides; closed after the file's tests.
 */
export function smollm2Engine(overrides: Partial<SaigaEngineOptions> = {}): Promise<SaigaEngine> {
  const key = JSON.stringify(overrides);
  let engine = engines.get(key);
  if (!engine) {
    const config = loadConfig({ env: {} });
    engine = smollm2Path().then((modelPath) =>
      SaigaEngine.create({
        modelPath,
        chatFormat: "auto",
        systemPrompt: config.model.systemPrompt,
        contextSize: 1024,
        sequences: 1,
        threads: 1,
        gpu: "cpu",
        sampling: { ...config.generation, temperature: 0, maxTokens: 48 },
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
