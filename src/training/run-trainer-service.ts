// Wires a trainer process (`saiga trainer`, or inside `saiga start`): the training schedule, the
// worker that runs trainings one at a time, and the registry it fills. Used by the CLI.
import path from "node:path";
import { modelsDirOf } from "../engine/create-engine.js";
import { resolveModelPath } from "../engine/resolve-model-path.js";
import type { ServiceRuntime } from "../service/service-runtime.js";
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
export async function installTrainingSchedule(runtime: ServiceRuntime): Promise<void> {
  const { config, log } = runtime;
  const queue = new TrainingQueue(runtime.redis, runtime.keys);
  try {
    await queue.schedule(config.training.schedule);
    log.info({ schedule: config.training.schedule }, "training schedule installed");
  } finally {
    await queue.close();
  }
}

/** Starts a trainer worker on `runtime`'s Redis. */
export async function runTrainerService(runtime: ServiceRuntime): Promise<RunningTrainer> {
  const { config, log, redis, keys } = runtime;
  const modelPath = await resolveModelPath(config.model.source, { modelsDir: modelsDirOf(config) });
  const worker = new TrainingWorker({
    config,
    modelPath,
    connection: runtime.blockingConnection("trainer"),
    redis,
    keys,
    feedback: runtime.feedback,
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
      closing ??= worker.close();
      return closing;
    },
  };
}
