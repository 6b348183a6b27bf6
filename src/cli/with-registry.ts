// Runs an operator command against the adapter registry and the training queue in Redis.
import type { Command } from "commander";
import type { Config } from "../config/index.js";
import type { Logger } from "../log/index.js";
import { AdapterRegistry } from "../training/adapter-registry.js";
import { TrainingQueue } from "../training/training-queue.js";
import { startCli } from "./cli-runtime.js";
import { withRedis } from "./with-redis.js";

/** What an operator command gets. */
export interface RegistryContext {
  config: Config;
  log: Logger;
  registry: AdapterRegistry;
  training: TrainingQueue;
}

export async function withRegistry<T>(
  command: Command,
  body: (context: RegistryContext) => Promise<T>,
): Promise<T> {
  const { config, log } = startCli(command);
  return withRedis(config, log, "operator", async ({ redis, keys }) => {
    const training = new TrainingQueue(redis, keys);
    try {
      return await body({
        config,
        log,
        registry: AdapterRegistry.fromConfig(config, redis, keys, log),
        training,
      });
    } finally {
      await training.close();
    }
  });
}
