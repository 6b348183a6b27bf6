// The SmolLM2 engine of the real-model tests: the real-model counterpart of testEngine.
import { loadConfig } from "../../src/config/index.js";
import type { SaigaEngine, SaigaEngineOptions } from "../../src/engine/index.js";
import { sharedEngine } from "./test-engine.js";
import { smollm2Path } from "./smollm2.js";

/**
 * A memoized engine on SmolLM2 with the default system prompt, greedy answers of at most 48 tokens
 * and the given overrides; closed after the file's tests.
 */
export function smollm2Engine(overrides: Partial<SaigaEngineOptions> = {}): Promise<SaigaEngine> {
  const { generation } = loadConfig({ env: {} });
  return sharedEngine(
    smollm2Path,
    {
      sampling: { ...generation, temperature: 0, maxTokens: 48 },
    },
    overrides,
  );
}
