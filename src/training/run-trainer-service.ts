// Wires a trainer process (`saiga trainer`, or inside `saiga start`): the training schedule, the
// worker that runs trainings one at a time, and the registry it fills. Used by the CLI.
import path from "node:path";
import type { Config } from "../config/index.js";
import { modelsDirOf } from "../engine/create-engine.js";
import { resolveModelPath } from "../engine/resolve-model-path.js";
import type { Logger } from "../log/index.js";
import { FeedbackStore } from "../store/feedback-store.js";
import { createRedis } from "../store/redis-connection.js";
import { RedisKeys } from "../store/redis-keys.js";
import { AdapterRegistry } from "./adapter-registry.js";
import { TrainingQueue } from "./training-queue.js";
import { TrainingWorker } from "./training-worker.js";

/** A running trainer. */
export interface RunningTrainer {
  worker: TrainingWorker;
  /** Stops; a training in progress is killed. Idempotent. */
  close(): Promise<void>;
}

/** Installs the schedule from `training.schedule` (any process may: it is idempotent). */
export async function installTrainingSchedule(config: Config, redisUrl: string, log: Logger): Promise<void> {
  const redis = createRedis(redisUrl, { role: "client", log, name: "training-schedule" });
  const queue = new TrainingQueue(redis, new RedisKeys(config.redis.prefix));
  try {
    await queue.schedule(config.training.schedule);
    log.info({ schedule: config.training.schedule }, "training schedule installed");
  } finally {
    await queue.close();
    await redis.quit().catch(() => undefined);
  }
}

/** Starts a trainer worker against the Redis at `redisUrl`. */
export async function runTrainerService(
  config: Config,
  redisUrl: string,
  log: Logger,
): Promise<RunningTrainer> {
  const modelPath = await resolveModelPath(config.model.source, { modelsDir: modelsDirOf(config) });
  const redis = createRedis(redisUrl, { role: "worker", log, name: "trainer" });
  const connection = createRedis(redisUrl, { role: "worker", log, name: "trainer-worker" });
  const keys = new RedisKeys(config.redis.prefix);
  const worker = new TrainingWorker({
    config,
    modelPath,
    connection,
    redis,
    keys,
    feedback: new FeedbackStore({ redis, keys, log }),
    registry: AdapterRegistry.fromConfig(config, redis, keys, log),
    log,
  });
  await worker.waitUntilReady();
  log.info(
    { model: path.basename(modelPath), python: config.training.python },
    "trainer serving training jobs",
  );
  let closing: Promise<void> | undefined;
  return {
    worker,
    close() {
      closing ??= (async () => {
        await worker.close();
        await Promise.all([redis.quit().catch(() => undefined), connection.quit().catch(() => undefined)]);
      })();
      return closing;
    },
  };
}
