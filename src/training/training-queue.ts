// Producer side of training: a BullMQ job scheduler adds a `train` job on the configured cron
// (it checks the new-feedback threshold itself), and people add one by hand. One training runs
// at a time across every trainer host (the queue's global concurrency is 1).
import { Queue } from "bullmq";
import type { RedisConnection } from "../store/redis-connection.js";
import type { RedisKeys } from "../store/redis-keys.js";
import { TRAIN_QUEUE, trainingJobSchema } from "./training-job.js";
import { JobCancellation } from "../service/job-cancellation.js";

const SCHEDULER_ID = "feedback-training";

/** Adds training jobs and keeps the schedule. */
export class TrainingQueue {
  readonly queue: Queue;
  private closing?: Promise<void>;

  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: RedisKeys,
  ) {
    this.queue = new Queue(TRAIN_QUEUE, { connection: redis, prefix: keys.queuePrefix() });
  }

  /** Installs (or replaces) the cron schedule; null removes it. */
  async schedule(cron: string | null): Promise<void> {
    await this.queue.setGlobalConcurrency(1);
    if (cron === null || cron.trim() === "") {
      await this.queue.removeJobScheduler(SCHEDULER_ID);
      return;
    }
    await this.queue.upsertJobScheduler(
      SCHEDULER_ID,
      { pattern: cron, tz: "UTC" },
      { name: TRAIN_QUEUE, data: trainingJobSchema.parse({ requestedBy: "schedule" }), opts: jobOptions() },
    );
  }

  /** Asks for a training now; returns the job id. */
  async trainNow(requestedBy: string): Promise<string> {
    await this.queue.setGlobalConcurrency(1);
    const job = await this.queue.add(
      TRAIN_QUEUE,
      trainingJobSchema.parse({ force: true, requestedBy }),
      jobOptions(),
    );
    return job.id as string;
  }

  /** Stops a waiting or running training (the trainer kills its Python process). */
  async cancel(jobId: string): Promise<void> {
    await new JobCancellation(this.redis, this.keys, TRAIN_QUEUE, 24 * 3600).cancel(jobId);
    const state = await this.queue.getJobState(jobId);
    if (state === "waiting" || state === "delayed" || state === "prioritized") await this.queue.remove(jobId);
  }

  close(): Promise<void> {
    this.closing ??= this.queue.close();
    return this.closing;
  }
}

function jobOptions() {
  // A failed training is not retried on its own: the next schedule or a person tries again.
  return {
    attempts: 1,
    removeOnComplete: { age: 30 * 24 * 3600, count: 100 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
}
