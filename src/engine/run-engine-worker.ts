// Wires a whole engine process: Redis connections, the store, the loaded model and the worker.
// Used by `saiga engine` (a worker on its own) and `saiga start` (everything in one process).
import path from "node:path";
import type { Config } from "../config/index.js";
import type { Logger } from "../log/index.js";
import { AdapterStore } from "../store/adapter-store.js";
import { ChatStore } from "../store/chat-store.js";
import { GenerationRecords } from "../store/generation-records.js";
import { createRedis } from "../store/redis-connection.js";
import { RedisKeys } from "../store/redis-keys.js";
import { UserLimits } from "../store/user-limits.js";
import { AdapterFollower } from "./adapter-follower.js";
import { createEngine } from "./create-engine.js";
import { EngineWorker } from "./engine-worker.js";
import type { SaigaEngine } from "./saiga-engine.js";

/** A running engine process. */
export interface RunningEngineWorker {
  engine: SaigaEngine;
  worker: EngineWorker;
  follower: AdapterFollower;
  /** Graceful stop: running generations finish (or, with `force`, go back to the queue). Idempotent. */
  close(force?: boolean): Promise<void>;
}

/** Loads the model and starts serving `generate` jobs from the Redis at `redisUrl`. */
export async function runEngineWorker(
  config: Config,
  redisUrl: string,
  log: Logger,
): Promise<RunningEngineWorker> {
  const engine = await createEngine(config, { log });
  // "worker" role on both: an engine waits out a Redis restart instead of failing its jobs.
  const redis = createRedis(redisUrl, { role: "worker", log, name: "engine" });
  const connection = createRedis(redisUrl, { role: "worker", log, name: "engine-worker" });
  const keys = new RedisKeys(config.redis.prefix);
  const store = ChatStore.fromConfig(config, redis, keys, log);
  const worker = new EngineWorker({
    engine,
    connection,
    redis,
    keys,
    store,
    records: new GenerationRecords({ redis, keys, ttlSeconds: config.history.idleTtlSeconds, log }),
    limits: UserLimits.fromConfig(config, redis, keys),
    systemPrompt: config.model.systemPrompt,
    concurrency: config.queue.concurrency ?? config.model.sequences,
    lockMs: config.queue.lockMs,
    streamMaxLength: config.queue.streamMaxLength,
    streamTtlSeconds: config.queue.streamTtlSeconds,
    log,
  });
  // Engines follow the registry's active LoRA adapter (hot swap, rollback).
  const follower = new AdapterFollower({
    engine,
    store: new AdapterStore({ redis, keys, log }),
    redis,
    keys,
    adaptersDir: config.training.adaptersDir,
    hashCacheFile: path.join(config.dataDir, "model-hashes.json"),
    log,
  });
  await follower.start();
  await worker.waitUntilReady();
  log.info(
    { concurrency: config.queue.concurrency ?? config.model.sequences },
    "engine worker serving generate jobs",
  );
  let closing: Promise<void> | undefined;
  return {
    engine,
    worker,
    follower,
    close(force = false) {
      closing ??= (async () => {
        await worker.close(force);
        await follower.close();
        await engine.close();
        await Promise.all([redis.quit().catch(() => undefined), connection.quit().catch(() => undefined)]);
      })();
      return closing;
    },
  };
}
