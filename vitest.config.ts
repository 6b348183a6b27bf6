import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Finds or starts the Redis the integration tests use (TEST_REDIS_URL).
    globalSetup: ["tests/global-setup.ts"],
    // llama.cpp inference on 2 cores: give model tests room, and run files one at a time
    // so that parallel test files do not fight over the same cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // Two projects, so that the real model's time shows on its own line: "unit" (the demo model,
    // Redis, the trainer on CPU) and "real-model" (SmolLM2, fetched once by tests/helpers/smollm2.ts).
    // `npm test` runs both, one after the other; `vitest run --project real-model` runs one.
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["tests/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "tests/real-model/**"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "real-model",
          include: ["tests/real-model/**/*.test.ts"],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
