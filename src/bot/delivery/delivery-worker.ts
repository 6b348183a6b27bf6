// Runs `deliver` jobs in a gateway process. Any gateway can deliver any answer: a job whose
// gateway died stalls and is taken over here, continuing from the progress saved in it.
import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Api } from "grammy";
import type { RedisConnection } from "../../store/redis-connection.js";
import type { Config } from "../../config/index.js";
import type { Logger } from "../../log/index.js";
import { saigaMetrics } from "../../metrics/saiga-metrics.js";
import type { GenerationClient } from "../../service/generation-client.js";
import type { RedisKeys } from "../../store/redis-keys.js";
import { deliverAnswer } from "./answer-delivery.js";
import { isPermanentFailure } from "./bot-api-failures.js";
import { DELIVER_QUEUE, deliveryJobSchema } from "./delivery-job.js";

/** Options of {@link DeliveryWorker}. */
export interface DeliveryWorkerOptions {
  api: Api;
  /** BullMQ's blocking connection (maxRetriesPerRequest: null). */
  connection: RedisConnection;
  /** Duplicated for each delivery's stream reader. */
  redis: RedisConnection;
  keys: RedisKeys;
  generation: GenerationClient;
  config: Config;
  log?: Logger;
}

/** Serves `deliver` jobs until closed. */
export class DeliveryWorker {
  readonly worker: Worker;
  private readonly drafts = { supported: true };
  private readonly running = new Set<AbortController>();
  private closing?: Promise<void>;

  constructor(private readonly options: DeliveryWorkerOptions) {
    const { config, keys, log } = options;
    this.worker = new Worker(DELIVER_QUEUE, (job) => this.process(job), {
      connection: options.connection,
      prefix: keys.queuePrefix(),
      concurrency: config.telegram.deliveryConcurrency,
      lockDuration: config.queue.lockMs,
      stalledInterval: Math.max(1000, Math.floor(config.queue.lockMs / 2)),
      maxStalledCount: 3,
    });
    this.worker.on("failed", (job, error) =>
      log?.warn({ requestId: job?.id, err: error, attempts: job?.attemptsMade }, "delivery failed"),
    );
    this.worker.on("error", (error) => log?.error({ err: error }, "delivery worker error"));
  }

  private async process(job: Job): Promise<Record<string, unknown>> {
    const data = deliveryJobSchema.parse(job.data);
    const { api, redis, keys, generation, config, log } = this.options;
    const reader = redis.duplicate();
    const abort = new AbortController();
    this.running.add(abort);
    try {
      const outcome = await deliverAnswer(
        data,
        {
          api,
          reader,
          keys,
          generation,
          telegram: config.telegram,
          drafts: this.drafts,
          ...(log ? { log } : {}),
        },
        (progress) => job.updateData({ ...data, progress }),
        abort.signal,
      );
      log?.info({ requestId: data.requestId, ...outcome }, "delivered");
      saigaMetrics().telegramDeliveries.inc({ outcome: outcome.outcome });
      return { ...outcome };
    } catch (error) {
      const permanent = isPermanentFailure(error);
      // An abandoned delivery (gateway closing) is taken over: not an outcome.
      if (!abort.signal.aborted) countFailedDelivery(permanent, error);
      // A user who blocked the bot will not read it on the next attempt either.
      if (permanent) throw new UnrecoverableError((error as Error).message);
      throw error;
    } finally {
      this.running.delete(abort);
      reader.disconnect();
    }
  }

  async waitUntilReady(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  /**
   * Stops. Deliveries in progress are abandoned, not awaited (an answer can take minutes): their
   * jobs stall and another gateway, or this one restarted, takes them over. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const abort of this.running) abort.abort(new Error("gateway closing"));
      await this.worker.close(true);
    })();
    return this.closing;
  }
}

/** A delivery attempt that failed: `refused` by Telegram for good (400/403), else `error` (retried). */
function countFailedDelivery(permanent: boolean, error: unknown): void {
  const metrics = saigaMetrics();
  metrics.telegramDeliveries.inc({ outcome: permanent ? "refused" : "error" });
  metrics.countError("delivery", error);
}
