// The engine worker (`saiga engine`): a BullMQ worker that answers chats with an engine. Per job it takes the
// chat's lease (one generation per chat anywhere), fixes which user messages the answer covers,
// streams the text to the request's token stream and appends the answer to the history.
import path from "node:path";
import { DelayedError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../log/index.js";
import { ChatLease } from "../queue/chat-lease.js";
import { GENERATE_QUEUE, generateJobSchema, type GenerateJob } from "../queue/generate-job.js";
import { TokenStreamWriter } from "../queue/token-stream.js";
import type { ChatStore, StoredTurn } from "../store/chat-store.js";
import type { GenerationRecords } from "../store/generation-records.js";
import type { UserLimits } from "../store/user-limits.js";
import type { RedisKeys } from "../store/redis-keys.js";
import type { ChatMessage } from "./chat-message.js";
import type { GenerationBackend } from "./generation-backend.js";
import type { SamplingOptions } from "./sampling-options.js";

/** Options of {@link EngineWorker}. */
export interface EngineWorkerOptions {
  engine: GenerationBackend;
  /** BullMQ's blocking connection (maxRetriesPerRequest: null). */
  connection: Redis;
  /** Connection for the store, leases and token streams. */
  redis: Redis;
  keys: RedisKeys;
  store: ChatStore;
  /** Where each answer's generation record (the prompt as the model saw it) goes. Default: not kept. */
  records?: GenerationRecords;
  /** Counts each answer's tokens (prompt + completion) against the asking user's daily quota. Default: not counted. */
  limits?: UserLimits;
  /** System prompt for chats without their own. */
  systemPrompt: string;
  /** Generations at once. Default: 1. */
  concurrency?: number;
  /** Job lock and lease lifetime: a killed worker's job moves on after this. Default: 30000 ms. */
  lockMs?: number;
  /** Token stream cap and TTL. Defaults: 4000 entries, 600 s. */
  streamMaxLength?: number;
  streamTtlSeconds?: number;
  /** How long a job waits before trying a busy chat's lease again. Default: 100 ms. */
  leaseRetryMs?: number;
  log?: Logger;
}

/** Serves `generate` jobs until closed. */
export class EngineWorker {
  readonly worker: Worker;
  private readonly lease: ChatLease;
  private readonly subscriber: Redis;
  private readonly running = new Map<string, AbortController>();
  private closing?: Promise<void>;

  constructor(private readonly options: EngineWorkerOptions) {
    const lockMs = options.lockMs ?? 30_000;
    this.lease = new ChatLease(options.redis, options.keys, lockMs);
    this.subscriber = options.redis.duplicate();
    void this.subscriber.subscribe(options.keys.cancelChannel());
    this.subscriber.on("message", (_channel: string, requestId: string) => {
      this.running.get(requestId)?.abort(new Error("cancelled"));
    });
    this.worker = new Worker(GENERATE_QUEUE, (job, token) => this.process(job, token), {
      connection: options.connection,
      prefix: options.keys.queuePrefix(),
      concurrency: options.concurrency ?? 1,
      lockDuration: lockMs,
      stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
      maxStalledCount: 3,
    });
    this.worker.on("failed", (job, error) =>
      options.log?.warn({ requestId: job?.id, err: error, attempts: job?.attemptsMade }, "generation failed"),
    );
    this.worker.on("error", (error) => options.log?.error({ err: error }, "worker error"));
  }

  private async process(job: Job, token?: string): Promise<Record<string, unknown>> {
    const data = generateJobSchema.parse(job.data);
    const { chatId } = data;
    const requestId = job.id as string;
    const { redis, keys } = this.options;
    const [cancelled, leased] = await Promise.all([
      redis.exists(keys.cancelled(requestId)),
      this.lease.acquire(chatId, requestId),
    ]);
    if (cancelled) {
      if (leased) await this.lease.release(chatId, requestId);
      // Whoever reads the stream is waiting for its end.
      await this.streamOf(requestId).end("", { stopReason: "aborted", cancelled: true });
      return { cancelled: true };
    }
    if (!leased) {
      // Another answer of this chat is being generated: try again shortly, without using an attempt.
      await job.moveToDelayed(Date.now() + (this.options.leaseRetryMs ?? 100), token);
      throw new DelayedError();
    }
    const abort = new AbortController();
    this.running.set(requestId, abort);
    const lockMs = this.options.lockMs ?? 30_000;
    const renew = setInterval(
      () => void this.lease.acquire(chatId, requestId).catch(() => undefined),
      lockMs / 3,
    );
    const stream = this.streamOf(requestId);
    try {
      return await this.answer(job, data, stream, abort.signal);
    } catch (error) {
      // Readers wait for an `end`: after the last attempt, tell them the answer will not come.
      if ((job.opts.attempts ?? 1) <= job.attemptsMade + 1) {
        await stream.end("", {}, (error as Error).message).catch(() => undefined);
      }
      throw error;
    } finally {
      clearInterval(renew);
      this.running.delete(requestId);
      await this.lease.release(chatId, requestId).catch(() => undefined);
    }
  }

  private async answer(
    job: Job,
    { chatId, answer, userId }: GenerateJob,
    stream: TokenStreamWriter,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const { store, engine, log } = this.options;
    const requestId = job.id as string;
    const begun = await store.beginAnswer(chatId, answer);
    if (!begun) return this.skip(stream, "stale answer number");
    // An earlier attempt stored the answer, then died before completing the job.
    if (begun.answered) {
      // The reader may have missed the end: repeat it from the record of that attempt.
      const record = await this.options.records?.get(requestId);
      if (record) await stream.end(record.answer, { stopReason: record.stopReason });
      else await stream.end("", { stopReason: "skipped" });
      return { skipped: "already answered" };
    }
    const [turns, settings] = await Promise.all([
      store.history(chatId, { before: begun.boundary }),
      store.getSettings(chatId),
    ]);
    const messages = toMessages(settings.systemPrompt ?? this.options.systemPrompt, turns);
    if (messages.at(-1)?.role !== "user") return this.skip(stream, "nothing to answer"); // e.g. reset meanwhile

    // A retried or taken-over job starts the text again: readers drop what they have.
    if (job.attemptsMade > 0 || job.stalledCounter > 0) stream.reset();
    const sampling: Partial<SamplingOptions> = Object.fromEntries(
      Object.entries({
        temperature: settings.temperature,
        topP: settings.topP,
        topK: settings.topK,
        repeatPenalty: settings.repeatPenalty,
        maxTokens: settings.maxTokens,
      }).filter(([, value]) => value !== undefined),
    );
    const model = path.basename(engine.info.modelPath);
    for await (const event of engine.generate({ messages, sampling }, signal)) {
      if (event.type === "delta") {
        stream.delta(event.text);
        continue;
      }
      const { stats } = event;
      // The adapter this very answer used: it may have been swapped while the job waited.
      const adapterPath = event.adapterPath !== undefined ? event.adapterPath : engine.info.adapterPath;
      const adapter = adapterPath ? adapterVersionOf(adapterPath) : null;
      if (stats.stopReason !== "aborted") {
        await store.appendAssistantTurn(
          chatId,
          {
            role: "assistant",
            text: event.text,
            time: Date.now(),
            requestId,
            model,
            adapter,
            promptTokens: stats.promptTokens,
            completionTokens: stats.completionTokens,
          },
          // Placed right after the messages it answers, before any that arrived while it was generated.
          { answer },
        );
      }
      await this.options.records?.save({
        requestId,
        chatId,
        // The engine dropped the oldest turns that did not fit; the record keeps what it saw.
        prompt: [messages[0] as ChatMessage, ...messages.slice(1 + stats.droppedMessages)],
        answer: event.text,
        model,
        adapter,
        promptTokens: stats.promptTokens,
        completionTokens: stats.completionTokens,
        stopReason: stats.stopReason,
        time: Date.now(),
      });
      if (userId && this.options.limits) {
        await this.options.limits.addTokens(userId, stats.promptTokens + stats.completionTokens);
      }
      await stream.end(event.text, { ...stats });
      log?.info({ requestId, ...stats }, "answered");
      return { ...stats, model, adapter };
    }
    throw new Error("the engine ended without a result");
  }

  /** Ends the stream without an answer, so that a reader waiting for it stops. */
  private async skip(stream: TokenStreamWriter, reason: string): Promise<Record<string, unknown>> {
    await stream.end("", { stopReason: "skipped", skipped: reason });
    return { skipped: reason };
  }

  private streamOf(requestId: string): TokenStreamWriter {
    const { redis, keys, streamMaxLength, streamTtlSeconds } = this.options;
    return new TokenStreamWriter(redis, keys, requestId, streamMaxLength ?? 4000, streamTtlSeconds ?? 600);
  }

  /** Waits until the worker is connected and taking jobs. */
  async waitUntilReady(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  /**
   * Stops taking jobs and lets the running ones finish (a graceful SIGTERM). With `force`, running
   * generations are aborted and their jobs go back to the queue for another worker. Idempotent.
   */
  close(force = false): Promise<void> {
    this.closing ??= (async () => {
      if (force)
        for (const controller of this.running.values()) controller.abort(new Error("worker closing"));
      await this.worker.close(force);
      await this.subscriber.quit().catch(() => undefined);
    })();
    return this.closing;
  }
}

/** An adapter's version: its file name without `.gguf` (registry files are named after their version). */
function adapterVersionOf(adapterPath: string): string {
  return path.basename(adapterPath, ".gguf");
}

/** Conversation for the engine: consecutive user turns (a burst) become one user message. */
function toMessages(systemPrompt: string, turns: readonly StoredTurn[]): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: "system", content: systemPrompt }];
  for (const turn of turns) {
    const last = messages.at(-1);
    if (turn.role === "user" && last?.role === "user" && messages.length > 1)
      last.content += "\n" + turn.text;
    else messages.push({ role: turn.role, content: turn.text });
  }
  return messages;
}
