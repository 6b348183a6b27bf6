import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Finds or starts the Redis the integration tests use (TEST_REDIS_URL).
    globalSetup: ["tests/global-setup.ts"],
    // llama.cpp inference on 2 cores: give model tests room, and run files one at a time
    // so that parallel test files do not fight over the same cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
