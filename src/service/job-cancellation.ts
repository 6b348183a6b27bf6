// Cancelling a BullMQ job from any process. A marker (with a TTL) is seen by a job that has not
// started yet; a pub/sub message reaches the worker running it, which aborts the processor's own
// signal through BullMQ's `Worker.cancelJob`. Used for generation and training alike.
import type { Worker } from "bullmq";
import type { RedisConnection } from "../store/redis-connection.js";
import type { Logger } from "../log/index.js";
import type { RedisKeys } from "../store/redis-keys.js";

/** Why a processor's signal was aborted by {@link JobCancellation}. */
export const CANCELLED = "cancelled";

/** Cancellations of one queue's jobs. */
export class JobCancellation {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: RedisKeys,
    private readonly queue: string,
    /** How long a cancellation is remembered for jobs that have not started. Default: 600 s. */
    private readonly ttlSeconds = 600,
  ) {}

  /** Marks the job cancelled and tells every worker. */
  async cancel(jobId: string): Promise<void> {
    await this.redis.set(this.keys.cancelled(this.queue, jobId), "1", "EX", this.ttlSeconds);
    await this.redis.publish(this.keys.cancelChannel(this.queue), jobId);
  }

  /** Whether the job was cancelled (before a worker took it, or while it ran). */
  async isCancelled(jobId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.cancelled(this.queue, jobId))) === 1;
  }

  /**
   * Makes `worker` abort the processor signal of a job when it is cancelled anywhere. Returns the
   * function that stops listening.
   */
  async relayTo(worker: Worker, log?: Logger): Promise<() => Promise<void>> {
    const subscriber = this.redis.duplicate();
    subscriber.on("message", (_channel: string, jobId: string) => {
      if (worker.cancelJob(jobId, CANCELLED)) log?.info({ jobId, queue: this.queue }, "job cancelled");
    });
    subscriber.on("error", (error) => log?.warn({ err: error }, "cancellation subscriber error"));
    await subscriber.subscribe(this.keys.cancelChannel(this.queue));
    return async () => {
      await subscriber.quit().catch(() => undefined);
    };
  }
}
