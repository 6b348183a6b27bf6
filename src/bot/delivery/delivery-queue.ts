// Producer side of deliveries: the handler that enqueued a generation asks for its answer to be
// streamed into the chat.
import { Queue } from "bullmq";
import type { RedisConnection } from "../../store/redis-connection.js";
import type { RedisKeys } from "../../store/redis-keys.js";
import { DELIVER_QUEUE, deliveryJobSchema, type DeliveryJob } from "./delivery-job.js";

/** Adds `deliver` jobs. */
export class DeliveryQueue {
  readonly queue: Queue;
  private closing?: Promise<void>;

  constructor(redis: RedisConnection, keys: RedisKeys) {
    this.queue = new Queue(DELIVER_QUEUE, { connection: redis, prefix: keys.queuePrefix() });
  }

  /**
   * Asks for an answer to be delivered. One delivery per request: adding it again (a burst of
   * messages that share the answer, a replayed update) is a no-op.
   */
  async add(job: DeliveryJob): Promise<void> {
    const data = deliveryJobSchema.parse(job);
    await this.queue.add(DELIVER_QUEUE, data, {
      jobId: data.requestId,
      attempts: 5,
      backoff: { type: "exponential", delay: 1000 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 24 * 3600 },
    });
  }

  /** Closes the queue (not the connection). Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.queue.close();
    return this.closing;
  }
}
