// `saiga trainer`: consumes `train` jobs, one at a time, on the host that has the GPU (or, for
// small models and tests, any CPU). Progress lines of the trainer go into the job; a cancel
// marker or the time limit kills the Python process.
import { Worker, type Job } from "bullmq";
import type { RedisConnection } from "../store/redis-connection.js";
import type { Config } from "../config/index.js";
import type { Logger } from "../log/index.js";
import { saigaMetrics } from "../metrics/saiga-metrics.js";
import type { FeedbackStore } from "../store/feedback-store.js";
import { PrivacyChoices } from "../store/privacy-choices.js";
import type { RedisKeys } from "../store/redis-keys.js";
import type { AdapterRegistry } from "./adapter-registry.js";
import { runTraining } from "./run-training.js";
import { TRAIN_QUEUE, trainingJobSchema, type TrainingOutcome } from "./training-job.js";
import { TrainingProgressTracker } from "./training-progress.js";
import { CANCELLED, JobCancellation } from "../service/job-cancellation.js";

/** Options of {@link TrainingWorker}. */
export interface TrainingWorkerOptions {
  config: Config;
  modelPath: string;
  /** BullMQ's blocking connection. */
  connection: RedisConnection;
  redis: RedisConnection;
  keys: RedisKeys;
  feedback: FeedbackStore;
  registry: AdapterRegistry;
  log?: Logger;
}

/** Serves `train` jobs until closed. */
export class TrainingWorker {
  readonly worker: Worker;
  private readonly cancellation: JobCancellation;
  private readonly stopRelay: Promise<() => Promise<void>>;
  private closing?: Promise<void>;

  constructor(private readonly options: TrainingWorkerOptions) {
    const { keys, log } = options;
    this.cancellation = new JobCancellation(options.redis, keys, TRAIN_QUEUE, 24 * 3600);
    this.worker = new Worker(TRAIN_QUEUE, (job, _token, signal) => this.process(job, signal), {
      connection: options.connection,
      prefix: keys.queuePrefix(),
      concurrency: 1,
      // A training takes long and renews its lock; a dead trainer's job is not retried by itself.
      lockDuration: 60_000,
      maxStalledCount: 0,
    });
    this.worker.on("failed", (job, error) => log?.warn({ jobId: job?.id, err: error }, "training failed"));
    this.worker.on("error", (error) => log?.error({ err: error }, "trainer worker error"));
    this.stopRelay = this.cancellation.relayTo(this.worker, log);
  }

  private async process(job: Job, cancelled = new AbortController().signal): Promise<TrainingOutcome> {
    const data = trainingJobSchema.parse(job.data);
    const { redis, keys, config, log } = this.options;
    if (await this.cancellation.isCancelled(job.id as string)) {
      saigaMetrics().trainingRuns.inc({ outcome: "cancelled" });
      throw new Error("training cancelled");
    }
    const signal = AbortSignal.any([
      cancelled,
      AbortSignal.timeout(config.training.timeLimitMinutes * 60_000),
    ]);
    try {
      const since = Number((await redis.get(keys.training("last"))) ?? 0);
      log?.info({ jobId: job.id, requestedBy: data.requestedBy, force: data.force }, "training job");
      // The job's progress: the last step, the plan's step count, an ETA and the curve so far.
      const progress = new TrainingProgressTracker();
      const outcome = await runTraining({
        config,
        modelPath: this.options.modelPath,
        feedback: this.options.feedback,
        registry: this.options.registry,
        force: data.force,
        since,
        optedOut: await new PrivacyChoices({ redis, keys }).optedOut(),
        signal,
        onProgress: (line) => void job.updateProgress(progress.take(line)).catch(() => undefined),
        ...(log ? { log } : {}),
      });
      const { newestFeedback, ...result } = outcome;
      if (result.version) await redis.set(keys.training("last"), String(newestFeedback));
      log?.info({ jobId: job.id, ...result }, result.skipped ? "training skipped" : "training finished");
      saigaMetrics().trainingRuns.inc({ outcome: result.skipped ? "skipped" : "trained" });
      return result;
    } catch (error) {
      const byCancel = signal.aborted && signal.reason === CANCELLED;
      saigaMetrics().trainingRuns.inc({ outcome: byCancel ? "cancelled" : "failed" });
      if (!byCancel) saigaMetrics().countError("training", error);
      // Say why it stopped: cancelled, or over training.timeLimitMinutes.
      if (signal.aborted) {
        const reason: unknown = signal.reason;
        if (reason instanceof Error && reason.name === "TimeoutError") {
          throw new Error(
            `training took longer than training.timeLimitMinutes (${config.training.timeLimitMinutes})`,
          );
        }
        throw new Error(reason === CANCELLED ? "training cancelled" : String(reason));
      }
      throw error;
    }
  }

  async waitUntilReady(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  /** Stops: a running training is killed (it fails; the next schedule tries again). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.worker.cancelAllJobs("trainer closing");
      await this.worker.close();
      await (
        await this.stopRelay
      )();
    })();
    return this.closing;
  }
}
