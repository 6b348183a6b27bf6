// Wires a whole engine role: the loaded model, the worker serving generate jobs, the adapter
// follower and the heartbeat, on a role's runtime. Used by `saiga engine` and `saiga start`. It
// serves the shared generate queue, its own queue (chats routed to it warm, chat-routing.ts) and
// the queues of dead engines that it takes over.
import path from "node:path";
import { createEngine } from "../engine/create-engine.js";
import type { SaigaEngine } from "../engine/saiga-engine.js";
import { AdapterFollower } from "./adapter-follower.js";
import { EnginePresence } from "./engine-presence.js";
import { engineQueueName, GenerateQueues, rememberRoute } from "./chat-routing.js";
import { EngineQueueTakeover } from "./engine-queue-takeover.js";
import { EngineWorker, type EngineWorkerObserver } from "./engine-worker.js";
import { GENERATE_QUEUE } from "./protocol/generate-job.js";
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
  // The heartbeat's id names this engine's own queue (chat routing, chat-routing.ts).
  const workers: EngineWorker[] = [];
  const presence = new EnginePresence(redis, keys, () => ({
    model: path.basename(engine.info.modelPath),
    adapter: engine.info.adapterPath ? path.basename(engine.info.adapterPath, ".gguf") : null,
    sequences: engine.info.sequences,
    contextSize: engine.info.contextSize,
    gpu: engine.info.gpu,
    threads: engine.info.threads,
    active: workers.reduce((sum, one) => sum + one.running, 0),
    capacity: engine.info.sequences,
  }));
  // A full engine stops taking from the shared queue, so that a free engine gets those jobs;
  // its own queue's jobs (routed here warm, within its capacity) wait for a sequence.
  let stopping = false;
  let gate = Promise.resolve();
  const full = () => workers.reduce((sum, one) => sum + one.running, 0) >= concurrency;
  const regate = () => {
    gate = gate
      .then(async () => {
        if (stopping) return;
        const shared = worker.worker;
        if (full() && !shared.isPaused()) await shared.pause(true);
        else if (!full() && shared.isPaused()) await shared.resume();
      })
      .catch((error: unknown) => log.warn({ err: error }, "shared queue gate failed"));
  };
  const serve = (queue: string, purpose: string, gated = false): EngineWorker => {
    const one = new EngineWorker({
      engine,
      connection: runtime.blockingConnection(purpose),
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
      queue,
      onChatAnswered: (chatId) => rememberRoute(redis, keys, chatId, presence.id),
      onLoadChange: regate,
      // BullMQ may still hand a just-paused worker one job: that one goes back too.
      ...(gated ? { admit: () => !full() } : {}),
      log,
    });
    workers.push(one);
    return one;
  };
  const worker = serve(GENERATE_QUEUE, "worker", true);
  const own = serve(engineQueueName(presence.id), "worker-own");
  const queues = new GenerateQueues(redis, keys);
  const takeover = new EngineQueueTakeover({
    redis,
    keys,
    selfId: presence.id,
    pendingOf: queues.pending,
    startWorker: (queue) => {
      const taking = serve(queue, "worker-takeover");
      return {
        waitUntilReady: () => taking.waitUntilReady(),
        close: async (force) => {
          await taking.close(force);
          workers.splice(workers.indexOf(taking), 1);
        },
      };
    },
    log,
  });
  try {
    await follower.start();
    // Registered before the first heartbeat, so that a crash from here on leaves a queue others drain.
    await redis.sadd(keys.engineQueues(), presence.id);
    await Promise.all([worker.waitUntilReady(), own.waitUntilReady()]);
    await presence.start();
    takeover.start();
  } catch (error) {
    await takeover.close(true);
    await Promise.all(workers.map((one) => one.close(true)));
    await queues.close();
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
        // Its own queue's waiting jobs are taken over by the other engines once the heartbeat is gone.
        await presence.stop();
        stopping = true;
        await gate;
        await takeover.close(force);
        await Promise.all(workers.map((one) => one.close(force)));
        // Drained: nothing left for others to take over.
        if ((await queues.pending(engineQueueName(presence.id)).catch(() => 1)) === 0) {
          await redis.srem(keys.engineQueues(), presence.id).catch(() => undefined);
        }
        await queues.close();
        await follower.close();
        await engine.close();
      })();
      return closing;
    },
  };
}
