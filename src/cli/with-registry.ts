// Runs an operator command against the adapter registry and the training queue in Redis (no
// private Redis: these commands act on a running installation), closing the connections after.
import path from "node:path";
import type { Command } from "commander";
import type { Config } from "../config/index.js";
import type { Logger } from "../log/index.js";
import { AdapterStore } from "../store/adapter-store.js";
import { ensureRedis } from "../store/ensure-redis.js";
import { createRedis } from "../store/redis-connection.js";
import { RedisKeys } from "../store/redis-keys.js";
import { AdapterRegistry } from "../training/adapter-registry.js";
import { TrainingQueue } from "../training/training-queue.js";
import { startCli } from "./cli-runtime.js";

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
  const { url } = await ensureRedis({
    configuredUrl: config.redis.url,
    dataDir: config.dataDir,
    log,
    embedded: false,
  });
  const redis = createRedis(url, { role: "client", log, name: "operator" });
  const keys = new RedisKeys(config.redis.prefix);
  const registry = new AdapterRegistry(
    new AdapterStore({ redis, keys, log }),
    config.training.adaptersDir,
    path.join(config.dataDir, "model-hashes.json"),
  );
  const training = new TrainingQueue(redis, keys);
  try {
    return await body({ config, log, registry, training });
  } finally {
    await training.close();
    await redis.quit().catch(() => undefined);
  }
}
