// Wires a whole engine role: the loaded model, the worker serving generate jobs, the adapter
// follower and the heartbeat, on a role's runtime. Used by `saiga engine` and `saiga start`.
import path from "node:path";
import { createEngine } from "../engine/create-engine.js";
import type { SaigaEngine } from "../engine/saiga-engine.js";
import { AdapterFollower } from "./adapter-follower.js";
import { EnginePresence } from "./engine-presence.js";
import { EngineWorker, type EngineWorkerObserver } from "./engine-worker.js";
import type { ServiceRuntime } from "./service-runtime.js";

/** A running engine role. */
export interface RunningEngineWorker {
  engine: SaigaEngine;
  worker: EngineWorker;
  follower: AdapterFollower;
  /** Graceful stop: running generations finish (or, with `force`, go back to the queue). Idempotent. */
  close(force?: boolean): Promise<void>;
}

/** Options of {@link runEngineWorker}. */
export interface RunEngineWorkerOptions {
  observer?: EngineWorkerObserver;
}

/** Loads the model and starts serving `generate` jobs on `runtime`'s Redis. */
export async function runEngineWorker(
  runtime: ServiceRuntime,
  options: RunEngineWorkerOptions = {},
): Promise<RunningEngineWorker> {
  const { config, log, redis, keys } = runtime;
  const engine = await createEngine(config, { log });
  // Engines follow the registry's active LoRA adapter (hot swap, rollback).
  const follower = new AdapterFollower({
    engine,
    store: runtime.adapters,
    redis,
    keys,
    adaptersDir: config.training.adaptersDir,
    hashCacheFile: path.join(config.dataDir, "model-hashes.json"),
    log,
  });
  const concurrency = config.queue.concurrency ?? config.model.sequences;
  const worker = new EngineWorker({
    engine,
    connection: runtime.blockingConnection("worker"),
    redis,
    keys,
    store: runtime.chats,
    records: runtime.records,
    limits: runtime.limits,
    adapters: follower,
    systemPrompt: config.model.systemPrompt,
    concurrency,
    lockMs: config.queue.lockMs,
    streamMaxLength: config.queue.streamMaxLength,
    streamTtlSeconds: config.queue.streamTtlSeconds,
    ...(options.observer ? { observer: options.observer } : {}),
    log,
  });
  const presence = new EnginePresence(redis, keys, () => ({
    model: path.basename(engine.info.modelPath),
    adapter: engine.info.adapterPath ? path.basename(engine.info.adapterPath, ".gguf") : null,
    sequences: engine.info.sequences,
    contextSize: engine.info.contextSize,
    gpu: engine.info.gpu,
    threads: engine.info.threads,
  }));
  try {
    await follower.start();
    await worker.waitUntilReady();
    await presence.start();
  } catch (error) {
    await worker.close(true);
    await follower.close();
    await engine.close();
    throw error;
  }
  log.info({ concurrency }, "engine worker serving generate jobs");
  let closing: Promise<void> | undefined;
  return {
    engine,
    worker,
    follower,
    close(force = false) {
      closing ??= (async () => {
        await presence.stop();
        await worker.close(force);
        await follower.close();
        await engine.close();
      })();
      return closing;
    },
  };
}
