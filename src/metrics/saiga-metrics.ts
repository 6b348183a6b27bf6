// The Prometheus metrics of a saiga process: one prom-client registry with Node's default process
// metrics and saiga's own, typed, so that every role (engine, gateway, trainer, api) counts into
// the same names and `/metrics` serves them all. docs/OPERATIONS.md lists every name.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The states of the `generate` queue that `saiga_generate_queue_jobs` reports. */
export const QUEUE_STATES = ["waiting", "prioritized", "delayed", "active"] as const;
export type QueueState = (typeof QUEUE_STATES)[number];
/** Job counts per state, as BullMQ's `Queue.getJobCounts(...QUEUE_STATES)` returns them. */
export type QueueCounts = Partial<Record<QueueState, number>>;

/** Where an error was counted: the `where` label of `saiga_errors_total`. */
export type ErrorSite = "engine" | "delivery" | "training" | "api";

/** Outcomes of a Telegram delivery: the answer's ending, or the delivery attempt failing. */
export type DeliveryMetricOutcome = "answered" | "stopped" | "failed" | "skipped" | "refused" | "error";

/** Outcomes of a `train` job. */
export type TrainingMetricOutcome = "trained" | "skipped" | "failed" | "cancelled";

// Bucket boundaries for a CPU LLM: a demo model answers in milliseconds, a 7B on CPU in minutes.
const QUEUE_WAIT_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const FIRST_TOKEN_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];
const TOKENS_PER_SECOND_BUCKETS = [0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 200, 500, 1000];

/** How long a scrape waits for the queue's counts before leaving the gauge empty. */
const QUEUE_COUNT_TIMEOUT_MS = 1000;

/** Options of {@link SaigaMetrics}. */
export interface SaigaMetricsOptions {
  /** Register Node's default process metrics (CPU, memory, event loop lag, GC). Default: true. */
  defaultMetrics?: boolean;
}

/** One registry with every metric saiga records. Create one per process: {@link saigaMetrics}. */
export class SaigaMetrics {
  readonly registry = new Registry();

  /** Jobs of the `generate` queue by state, read from BullMQ on every scrape. */
  readonly generateQueueJobs: Gauge<"state">;
  /** Seconds from enqueueing a request to an engine starting it, per attempt. */
  readonly queueWaitSeconds: Histogram<"kind">;
  /** Generations running in this process now. */
  readonly generationsRunning: Gauge;
  /** Generations (attempts) by how they ended: answered, cancelled, skipped, failed. */
  readonly generations: Counter<"outcome" | "kind">;
  /** Tokens generated; its rate is the engine's throughput in tokens/s. */
  readonly generatedTokens: Counter<"kind">;
  /** Decoding speed of each generation (completion tokens per second after the first token). */
  readonly tokensPerSecond: Histogram;
  /** Seconds from the engine taking a request to its first token (a free sequence, the prompt). */
  readonly timeToFirstTokenSeconds: Histogram;
  /** Seconds a generation took in the engine, prompt evaluation included. */
  readonly generationDurationSeconds: Histogram;
  /** Prompt tokens of every generation. */
  readonly promptTokens: Counter<"kind">;
  /** Prompt tokens found in a sequence's KV cache (not evaluated again): prompt-cache reuse. */
  readonly reusedPromptTokens: Counter<"kind">;
  /** Errors by where they happened and their stable code. */
  readonly errors: Counter<"where" | "code">;
  /** Telegram deliveries by outcome. */
  readonly telegramDeliveries: Counter<"outcome">;
  /** Bot API answers 429 (flood limit), counted before auto-retry waits and retries them. */
  readonly telegramRateLimited: Counter<"method">;
  /** Training runs by outcome. */
  readonly trainingRuns: Counter<"outcome">;

  private queueCounts?: () => Promise<QueueCounts>;

  constructor(options: SaigaMetricsOptions = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.generateQueueJobs = new Gauge({
      name: "saiga_generate_queue_jobs",
      help: "Jobs of the generate queue by state (waiting, prioritized, delayed, active)",
      labelNames: ["state"],
      registers,
      collect: () => this.collectQueueCounts(),
    });
    this.queueWaitSeconds = new Histogram({
      name: "saiga_queue_wait_seconds",
      help: "Seconds from enqueueing a generation to an engine starting it (per attempt)",
      labelNames: ["kind"],
      buckets: QUEUE_WAIT_BUCKETS,
      registers,
    });
    this.generationsRunning = new Gauge({
      name: "saiga_generations_running",
      help: "Generations running in this process",
      registers,
    });
    this.generations = new Counter({
      name: "saiga_generations_total",
      help: "Generation attempts by outcome (answered, cancelled, skipped, failed) and kind (chat, messages)",
      labelNames: ["outcome", "kind"],
      registers,
    });
    this.generatedTokens = new Counter({
      name: "saiga_generated_tokens_total",
      help: "Completion tokens generated (rate: tokens per second)",
      labelNames: ["kind"],
      registers,
    });
    this.tokensPerSecond = new Histogram({
      name: "saiga_generation_tokens_per_second",
      help: "Decoding speed of each generation in tokens per second",
      buckets: TOKENS_PER_SECOND_BUCKETS,
      registers,
    });
    this.timeToFirstTokenSeconds = new Histogram({
      name: "saiga_time_to_first_token_seconds",
      help: "Seconds from the engine taking a generation to its first token (waiting for a sequence, prompt evaluation)",
      buckets: FIRST_TOKEN_BUCKETS,
      registers,
    });
    this.generationDurationSeconds = new Histogram({
      name: "saiga_generation_duration_seconds",
      help: "Seconds a generation took in the engine",
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.promptTokens = new Counter({
      name: "saiga_prompt_tokens_total",
      help: "Prompt tokens of all generations",
      labelNames: ["kind"],
      registers,
    });
    this.reusedPromptTokens = new Counter({
      name: "saiga_prompt_tokens_reused_total",
      help: "Prompt tokens reused from a sequence's KV cache instead of evaluated (prompt-cache reuse)",
      labelNames: ["kind"],
      registers,
    });
    this.errors = new Counter({
      name: "saiga_errors_total",
      help: "Errors by where they happened (engine, delivery, training, api) and code",
      labelNames: ["where", "code"],
      registers,
    });
    this.telegramDeliveries = new Counter({
      name: "saiga_telegram_deliveries_total",
      help: "Telegram answer deliveries by outcome",
      labelNames: ["outcome"],
      registers,
    });
    this.telegramRateLimited = new Counter({
      name: "saiga_telegram_rate_limited_total",
      help: "Bot API 429 answers (flood limits) by method, before auto-retry retries them",
      labelNames: ["method"],
      registers,
    });
    this.trainingRuns = new Counter({
      name: "saiga_training_runs_total",
      help: "Training runs by outcome (trained, skipped, failed, cancelled)",
      labelNames: ["outcome"],
      registers,
    });
  }

  /**
   * Where `saiga_generate_queue_jobs` reads the queue's counts on each scrape (e.g. BullMQ's
   * `queue.getJobCounts(...QUEUE_STATES)`). Until set, the gauge has no samples.
   */
  countQueueWith(counts: () => Promise<QueueCounts>): void {
    this.queueCounts = counts;
  }

  /** Counts an error under its stable code (a SaigaError's `code`), else its class name. */
  countError(where: ErrorSite, error: unknown): void {
    this.errors.inc({ where, code: errorCodeOf(error) });
  }

  private async collectQueueCounts(): Promise<void> {
    if (!this.queueCounts) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      const counts = await Promise.race([
        this.queueCounts(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("queue counts timed out")), QUEUE_COUNT_TIMEOUT_MS);
        }),
      ]);
      for (const state of QUEUE_STATES) this.generateQueueJobs.set({ state }, counts[state] ?? 0);
    } catch {
      // Redis is away: no number is better than a stale one.
      this.generateQueueJobs.reset();
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A bounded label for an error: stable codes (`PROMPT_TOO_LONG`, `ECONNREFUSED`), else the class name. */
export function errorCodeOf(error: unknown): string {
  if (error !== null && typeof error === "object") {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]{1,63}$/.test(code)) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === "string" && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) return name;
  }
  return "Error";
}

let processMetrics: SaigaMetrics | undefined;

/** The metrics of this process (created on first use): every role of one process shares them. */
export function saigaMetrics(): SaigaMetrics {
  processMetrics ??= new SaigaMetrics();
  return processMetrics;
}
