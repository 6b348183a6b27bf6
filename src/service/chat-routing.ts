// Chats go to the engine that holds them warm. Every engine consumes the shared generate queue
// and its own (`generate@<engine id>`). After an engine answers a chat it writes the chat's route
// record; the next answer of that chat is put on that engine's own queue while the engine is
// alive and not saturated, else on the shared queue, which any engine takes from. A request's
// queue is remembered (its placement), so that dedupe, cancel and position find its job.
import { Queue, type JobState } from "bullmq";
import type { RedisConnection } from "../store/redis-connection.js";
import type { RedisKeys } from "../store/redis-keys.js";
import { servingEngine } from "./engine-presence.js";
import { GENERATE_QUEUE } from "./protocol/generate-job.js";

/** `warm`: a chat's next answer goes to the engine that answered it last; `any`: every job to the shared queue. */
export type ChatRoutingMode = "warm" | "any";

/**
 * How long a route record lives. A chat idle for longer has most likely been evicted from its
 * engine's sequences by other chats, so it may as well go to any engine.
 */
export const ROUTE_TTL_SECONDS = 3600;

/** How long a request's placement is remembered: as long as BullMQ keeps failed jobs. */
export const PLACEMENT_TTL_SECONDS = 24 * 3600;

/** BullMQ states of a job that is still to run or running (it counts against the engine's capacity). */
export const PENDING_STATES = ["waiting", "prioritized", "active", "delayed"] as const;

/** The own generate queue of an engine. */
export function engineQueueName(engineId: string): string {
  return `${GENERATE_QUEUE}@${engineId}`;
}

/** The engine id of an engine's own queue; null for the shared queue. */
export function engineIdOfQueue(queue: string): string | null {
  return queue.startsWith(`${GENERATE_QUEUE}@`) ? queue.slice(GENERATE_QUEUE.length + 1) : null;
}

/** Records, after an answer, that `engineId` holds the chat warm. */
export async function rememberRoute(
  redis: RedisConnection,
  keys: RedisKeys,
  chatId: string,
  engineId: string,
): Promise<void> {
  await redis.set(keys.route(chatId), engineId, "EX", ROUTE_TTL_SECONDS);
}

/** Counts of pending jobs of one queue (waiting, prioritized, active, delayed). */
export type PendingCounter = (queue: string) => Promise<number>;

/** Picks the queue of a chat's next answer (gateway side). */
export class ChatRouter {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: RedisKeys,
    private readonly mode: ChatRoutingMode,
    private readonly pendingOf: PendingCounter,
  ) {}

  /**
   * The warm engine's own queue when the chat has a route, that engine's heartbeat is fresh and
   * its own queue holds fewer pending jobs than its capacity (its sequences: beyond that the
   * chat would wait behind others while another engine is free); else the shared queue.
   * The checks go out together.
   */
  private async queueOfRoute(engineId: string | null): Promise<string> {
    if (engineId === null) return GENERATE_QUEUE;
    const own = engineQueueName(engineId);
    const [engine, pending] = await Promise.all([
      servingEngine(this.redis, this.keys, engineId),
      this.pendingOf(own),
    ]);
    if (!engine) return GENERATE_QUEUE;
    return pending < (engine.capacity ?? engine.sequences) ? own : GENERATE_QUEUE;
  }

  /**
   * The queue of a request's job: where it was placed before (a message joining a queued answer),
   * else the queue of the chat's route (see queueOfRoute), remembered. A placement on a dead engine's queue whose job is gone
   * (a crash between placing and adding) is routed again.
   */
  async place(
    requestId: string,
    chatId: string,
    jobExists: (queue: string) => Promise<boolean>,
  ): Promise<string> {
    const key = this.keys.placement(requestId);
    // Both reads in one round trip (they are in different slots, so not one script).
    const [placed, route] = await Promise.all([
      this.redis.get(key),
      this.mode === "any" ? null : this.redis.get(this.keys.route(chatId)),
    ]);
    if (placed !== null) {
      const engineId = engineIdOfQueue(placed);
      const usable =
        engineId === null ||
        (await servingEngine(this.redis, this.keys, engineId)) !== null ||
        (await jobExists(placed));
      if (usable) return placed;
    }
    const target = await this.queueOfRoute(route);
    if (placed !== null) {
      await this.redis.set(key, target, "EX", PLACEMENT_TTL_SECONDS);
      return target;
    }
    // Two producers placing the same answer at once agree on the first one's queue.
    if ((await this.redis.set(key, target, "EX", PLACEMENT_TTL_SECONDS, "NX")) === null) {
      return (await this.redis.get(key)) ?? target;
    }
    return target;
  }

  /** The queue a request's job was put on: its placement, else the shared queue (stateless requests). */
  async queueOf(requestId: string): Promise<string> {
    return (await this.redis.get(this.keys.placement(requestId))) ?? GENERATE_QUEUE;
  }
}

/**
 * The shared generate queue as channels see it: `getJobState` and `remove` of a job that was
 * routed to an engine's own queue act on that queue, so callers that only know the shared queue
 * (the Telegram gateway's delivery, /stop, forgetting a user) keep working.
 */
class SharedGenerateQueue extends Queue {
  /** The engine queue a job was placed on; null when it is on this one (or unknown). */
  placedOn: (jobId: string) => Promise<Queue | null> = () => Promise.resolve(null);

  override async getJobState(jobId: string): Promise<JobState | "unknown"> {
    const placed = await this.placedOn(jobId);
    return placed ? placed.getJobState(jobId) : super.getJobState(jobId);
  }

  override async remove(jobId: string, options?: { removeChildren?: boolean }): Promise<number> {
    const placed = await this.placedOn(jobId);
    return placed ? placed.remove(jobId, options) : super.remove(jobId, options);
  }
}

/** Producer-side handles of the generate queues (the shared one and engines' own), opened on demand. */
export class GenerateQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: RedisKeys,
  ) {}

  /** The queue named `name`, on the shared connection and the BullMQ prefix. */
  get(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      const options = { connection: this.redis, prefix: this.keys.queuePrefix() };
      if (name === GENERATE_QUEUE) {
        const shared = new SharedGenerateQueue(name, options);
        shared.placedOn = async (jobId) => {
          const placed = await this.redis.get(this.keys.placement(jobId));
          return placed !== null && engineIdOfQueue(placed) !== null ? this.get(placed) : null;
        };
        queue = shared;
      } else queue = new Queue(name, options);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Jobs of `name` still to run or running. */
  readonly pending: PendingCounter = async (name) => {
    const counts = await this.get(name).getJobCounts(...PENDING_STATES);
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  };

  /** The registered engine queues (engines alive, and dead ones not yet drained). */
  async engineQueues(): Promise<Queue[]> {
    const ids = await this.redis.smembers(this.keys.engineQueues());
    return ids.map((id) => this.get(engineQueueName(id)));
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
  }
}
