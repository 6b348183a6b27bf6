// Takes over the own queues of engines that died (chat-routing.ts): no job routed to a warm
// engine is lost when it is killed. Every engine checks the registered engine queues each
// heartbeat; for an engine whose heartbeat expired and whose queue still holds jobs, it runs a
// worker on that queue until the queue is empty. BullMQ's stalled-job check in that worker moves
// the dead engine's active jobs back to waiting once their locks expire; the chat lease and the
// stable job ids keep each answer to one generation.
import type { Logger } from "../log/index.js";
import type { RedisConnection } from "../store/redis-connection.js";
import type { RedisKeys } from "../store/redis-keys.js";
import { engineQueueName, type PendingCounter } from "./chat-routing.js";
import { servingEngine } from "./engine-presence.js";
import { HEARTBEAT_MS } from "./process-presence.js";

/** A worker serving one queue, as the takeover starts and stops it. */
export interface QueueWorker {
  waitUntilReady(): Promise<void>;
  close(force?: boolean): Promise<void>;
}

/** Options of {@link EngineQueueTakeover}. */
export interface EngineQueueTakeoverOptions {
  redis: RedisConnection;
  keys: RedisKeys;
  /** This engine's id: its own queue is never taken over by itself. */
  selfId: string;
  pendingOf: PendingCounter;
  /** Starts a worker on `queue` (the same processor as the engine's own workers). */
  startWorker(queue: string): QueueWorker;
  /** How often the engine queues are checked. Default: HEARTBEAT_MS. */
  intervalMs?: number;
  log?: Logger;
}

/**
 * Checks in a row that a dead engine's queue must be seen empty before it is forgotten: a
 * producer that read the engine's last heartbeat just before it expired may still add a job.
 */
const EMPTY_CHECKS = 2;

/** Runs workers on dead engines' queues until they are drained. */
export class EngineQueueTakeover {
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private readonly workers = new Map<string, QueueWorker>();
  private readonly empty = new Map<string, number>();
  private closed = false;

  constructor(private readonly options: EngineQueueTakeoverOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      this.checking ??= this.check()
        .catch((error: unknown) => this.options.log?.warn({ err: error }, "engine queue check failed"))
        .finally(() => (this.checking = undefined));
    }, this.options.intervalMs ?? HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Queues being taken over now (engine ids). */
  get takingOver(): string[] {
    return [...this.workers.keys()];
  }

  private async check(): Promise<void> {
    const { redis, keys, selfId, pendingOf, log } = this.options;
    for (const engineId of await redis.smembers(keys.engineQueues())) {
      if (this.closed) return;
      if (engineId === selfId || (await servingEngine(redis, keys, engineId))) continue;
      const queue = engineQueueName(engineId);
      if ((await pendingOf(queue)) > 0) {
        this.empty.delete(engineId);
        if (!this.workers.has(engineId)) {
          const worker = this.options.startWorker(queue);
          this.workers.set(engineId, worker);
          await worker.waitUntilReady();
          log?.info({ engineId, queue }, "taking over a dead engine's queue");
        }
        continue;
      }
      const empties = (this.empty.get(engineId) ?? 0) + 1;
      this.empty.set(engineId, empties);
      if (empties < EMPTY_CHECKS) continue;
      this.empty.delete(engineId);
      const worker = this.workers.get(engineId);
      if (worker) {
        this.workers.delete(engineId);
        await worker.close();
        log?.info({ engineId, queue }, "dead engine's queue drained");
      }
      await redis.srem(keys.engineQueues(), engineId);
    }
  }

  /** Stops checking and closes the takeover workers (running jobs finish, or with `force` go back). */
  async close(force = false): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.checking;
    await Promise.all([...this.workers.values()].map((worker) => worker.close(force)));
    this.workers.clear();
  }
}
