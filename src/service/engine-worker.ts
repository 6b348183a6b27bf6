// The engine worker (`saiga engine`): a BullMQ worker that answers generate jobs with an engine.
// A `chat` job takes the chat's lease (one generation per chat anywhere), fixes which user
// messages the answer covers, and appends the answer to the history; a `messages` job answers
// the conversation it carries. Both stream their text to the request's token stream.
import path from "node:path";
import { DelayedError, UnrecoverableError, Worker, type Job } from "bullmq";
import type { RedisConnection } from "../store/redis-connection.js";
import type { ChatMessage } from "../engine/chat-message.js";
import { PromptTooLongError } from "../engine/engine-errors.js";
import type { GenerateRequest } from "../engine/saiga-engine.js";
import type { RequestSampling } from "../engine/sampling-options.js";
import { SaigaError } from "../errors/saiga-error.js";
import type { Logger } from "../log/index.js";
import type { ChatStore, StoredTurn } from "../store/chat-store.js";
import type { GenerationRecords } from "../store/generation-records.js";
import type { RedisKeys } from "../store/redis-keys.js";
import type { UserLimits } from "../store/user-limits.js";
import { ChatLease } from "./chat-lease.js";
import type { GenerationBackend } from "./generation-backend.js";
import { CANCELLED, JobCancellation } from "./job-cancellation.js";
import {
  GENERATE_QUEUE,
  generateJobSchema,
  type AdapterChoice,
  type ChatJob,
  type MessagesJob,
} from "./protocol/generate-job.js";
import type { GenerateResult, StreamError } from "./protocol/stream-entry.js";
import { TokenStreamWriter } from "./token-stream.js";

/** Resolves an adapter version to a local file (fetching it when needed). */
export interface AdapterFiles {
  fileOf(version: string): Promise<string>;
}

/**
 * What the worker reports about each generation (metrics). `requestId` pairs a start with its
 * end: `started` runs once per attempt that reaches the engine, `finished` or `failed` once per
 * attempt that got past the cancellation check (also for ones that never started: skipped, failed early).
 */
export interface EngineWorkerObserver {
  started?(job: { kind: string; waitedMs: number; requestId: string }): void;
  finished?(result: GenerateResult & { kind: string; requestId: string }): void;
  failed?(error: unknown, job: { kind: string; requestId: string }): void;
}

/** Options of {@link EngineWorker}. */
export interface EngineWorkerOptions {
  engine: GenerationBackend;
  /** BullMQ's blocking connection (maxRetriesPerRequest: null). */
  connection: RedisConnection;
  /** Connection for the store, leases and token streams. */
  redis: RedisConnection;
  keys: RedisKeys;
  store: ChatStore;
  /** Where each chat answer's generation record (the prompt as the model saw it) goes. Default: not kept. */
  records?: GenerationRecords;
  /** Counts each answer's tokens (prompt + completion) against the asking user's daily quota. Default: not counted. */
  limits?: UserLimits;
  /** Adapter versions that `messages` jobs may ask for by name. Default: only base and active. */
  adapters?: AdapterFiles;
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
  observer?: EngineWorkerObserver;
  /** The queue it consumes: the shared generate queue, or an engine's own (chat-routing.ts). Default: the shared one. */
  queue?: string;
  /** Called after a chat answer was stored: this engine now holds the chat warm (its route record). */
  onChatAnswered?: (chatId: string) => Promise<void>;
  /**
   * Whether this engine takes one more job now; a job it refuses goes back (delayed by
   * `leaseRetryMs`) for another engine. Default: always.
   */
  admit?: () => boolean;
  /** Called when the number of jobs it processes changes ({@link EngineWorker.running}). */
  onLoadChange?: () => void;
  log?: Logger;
}

/** The processor signal's reason when the worker itself stops (the job goes back to the queue). */
const CLOSING = "worker closing";

/** Serves `generate` jobs until closed. */
export class EngineWorker {
  readonly worker: Worker;
  private readonly lease: ChatLease;
  private readonly cancellation: JobCancellation;
  private stopRelay: Promise<() => Promise<void>>;
  private closing?: Promise<void>;
  private active = 0;

  /** Jobs it is processing now (generating, or waiting for a free sequence). */
  get running(): number {
    return this.active;
  }

  constructor(private readonly options: EngineWorkerOptions) {
    const lockMs = options.lockMs ?? 30_000;
    this.lease = new ChatLease(options.redis, options.keys, lockMs);
    this.cancellation = new JobCancellation(options.redis, options.keys, GENERATE_QUEUE);
    const processor = async (job: Job, token?: string, signal?: AbortSignal) => {
      if (options.admit && !options.admit()) {
        await job.moveToDelayed(Date.now() + (options.leaseRetryMs ?? 100), token);
        throw new DelayedError();
      }
      this.active++;
      options.onLoadChange?.();
      try {
        return await this.process(job, token, signal);
      } finally {
        this.active--;
        options.onLoadChange?.();
      }
    };
    this.worker = new Worker(options.queue ?? GENERATE_QUEUE, processor, {
      connection: options.connection,
      prefix: options.keys.queuePrefix(),
      concurrency: options.concurrency ?? 1,
      lockDuration: lockMs,
      stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
      maxStalledCount: 3,
    });
    this.stopRelay = this.cancellation.relayTo(this.worker, options.log);
    this.worker.on("failed", (job, error) =>
      options.log?.warn({ requestId: job?.id, err: error, attempts: job?.attemptsMade }, "generation failed"),
    );
    this.worker.on("error", (error) => options.log?.error({ err: error }, "worker error"));
  }

  private async process(job: Job, token?: string, signal?: AbortSignal): Promise<GenerateResult> {
    const data = generateJobSchema.parse(job.data);
    const requestId = job.id as string;
    const stream = this.streamOf(requestId);
    const abort = signal ?? new AbortController().signal;
    // A chat job asks for its chat's lease together with the cancellation check: one round trip, not two.
    const leased = data.kind === "chat" ? this.lease.acquire(data.chatId, requestId) : Promise.resolve(true);
    leased.catch(() => undefined); // awaited below, where a failure counts
    if (await this.cancellation.isCancelled(requestId)) {
      if (data.kind === "chat" && (await leased.catch(() => false))) {
        await this.lease.release(data.chatId, requestId).catch(() => undefined);
      }
      // Whoever reads the stream is waiting for its end.
      await stream.end({ text: "", outcome: "cancelled", stats: null });
      return { outcome: "cancelled", stats: null };
    }
    const observer = this.options.observer;
    try {
      const result =
        data.kind === "chat"
          ? await this.processChat(job, token, data, leased, stream, abort)
          : await this.answerMessages(job, data, stream, abort);
      observer?.finished?.({ ...result, kind: data.kind, requestId });
      return result;
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      observer?.failed?.(error, { kind: data.kind, requestId });
      if (abort.aborted && abort.reason === CLOSING) throw error; // retried by another worker
      // A request that cannot succeed (too long, invalid) is not retried; readers get its code.
      const final = error instanceof SaigaError || (job.opts.attempts ?? 1) <= job.attemptsMade + 1;
      if (final) {
        await stream
          .end({ text: "", outcome: "failed", stats: null, error: streamErrorOf(error) })
          .catch(() => undefined);
      }
      if (error instanceof SaigaError) throw new UnrecoverableError(error.message);
      throw error;
    }
  }

  private async processChat(
    job: Job,
    token: string | undefined,
    data: ChatJob,
    leased: Promise<boolean>,
    stream: TokenStreamWriter,
    signal: AbortSignal,
  ): Promise<GenerateResult> {
    const { chatId } = data;
    const requestId = job.id as string;
    if (!(await leased)) {
      // Another answer of this chat is being generated: try again shortly, without using an attempt.
      await job.moveToDelayed(Date.now() + (this.options.leaseRetryMs ?? 100), token);
      throw new DelayedError();
    }
    const lockMs = this.options.lockMs ?? 30_000;
    const renew = setInterval(
      () => void this.lease.acquire(chatId, requestId).catch(() => undefined),
      lockMs / 3,
    );
    try {
      return await this.answerChat(job, data, stream, signal);
    } finally {
      clearInterval(renew);
      await this.lease.release(chatId, requestId).catch(() => undefined);
    }
  }

  private async answerChat(
    job: Job,
    { chatId, answer, userId, enqueuedAt, adapter: choice }: ChatJob,
    stream: TokenStreamWriter,
    signal: AbortSignal,
  ): Promise<GenerateResult> {
    const { store, engine } = this.options;
    const requestId = job.id as string;
    // Begins the answer and reads its history and settings in one round trip.
    const begun = await store.beginAnswerWithContext(chatId, answer);
    if (!begun) return this.skip(stream, "stale answer number");
    // An earlier attempt stored the answer, then died before completing the job.
    if (begun.answered) {
      // The reader may have missed the end: repeat it from the record of that attempt.
      const record = await this.options.records?.get(requestId);
      if (!record) return this.skip(stream, "already answered");
      await stream.end({ text: record.answer, outcome: "answered", stats: null, adapter: record.adapter });
      return { outcome: "answered", stats: null, reason: "already answered" };
    }
    const { turns, settings } = begun;
    const messages = toMessages(settings.systemPrompt ?? this.options.systemPrompt, turns);
    if (messages.at(-1)?.role !== "user") return this.skip(stream, "nothing to answer"); // e.g. reset meanwhile

    const sampling: RequestSampling = Object.fromEntries(
      Object.entries({
        temperature: settings.temperature,
        topP: settings.topP,
        topK: settings.topK,
        repeatPenalty: settings.repeatPenalty,
        maxTokens: settings.maxTokens,
      }).filter(([, value]) => value !== undefined),
    );
    const model = path.basename(engine.info.modelPath);
    const request = { messages, sampling, ...(await this.adapterPathOf(choice ?? { kind: "active" })) };
    return this.generate(job, request, { stream, signal, userId, enqueuedAt }, async (end) => {
      if (end.stats.stopReason !== "aborted") {
        await store.appendAssistantTurn(
          chatId,
          {
            role: "assistant",
            text: end.text,
            time: Date.now(),
            requestId,
            model,
            adapter: end.adapter,
            promptTokens: end.stats.promptTokens,
            completionTokens: end.stats.completionTokens,
          },
          // Placed right after the messages it answers, before any that arrived while it was generated.
          { answer },
        );
      }
      await this.options.records?.save({
        requestId,
        chatId,
        // The engine dropped the oldest turns that did not fit; the record keeps what it saw.
        prompt: [messages[0] as ChatMessage, ...messages.slice(1 + end.stats.droppedMessages)],
        answer: end.text,
        model,
        adapter: end.adapter,
        promptTokens: end.stats.promptTokens,
        completionTokens: end.stats.completionTokens,
        stopReason: end.stats.stopReason,
        time: Date.now(),
      });
      // Before the stream's end: the chat's next message, sent after reading it, finds the route.
      await this.options
        .onChatAnswered?.(chatId)
        .catch((error: unknown) =>
          this.options.log?.warn({ err: error, chatId }, "route record not written"),
        );
    });
  }

  private async answerMessages(
    job: Job,
    data: MessagesJob,
    stream: TokenStreamWriter,
    signal: AbortSignal,
  ): Promise<GenerateResult> {
    const request: GenerateRequest = {
      ...(data.messages ? { messages: data.messages } : { prompt: data.prompt ?? "" }),
      sampling: data.sampling,
      stop: data.stop,
      responseFormat: data.responseFormat,
      ...(await this.adapterPathOf(data.adapter)),
    };
    return this.generate(job, request, { stream, signal, userId: data.userId, enqueuedAt: data.enqueuedAt });
  }

  /** The request's adapter file: undefined keeps the engine's active one. */
  private async adapterPathOf(choice: AdapterChoice): Promise<{ adapterPath?: string | null }> {
    if (choice.kind === "active") return {};
    if (choice.kind === "base") return { adapterPath: null };
    if (!this.options.adapters) {
      throw new SaigaError("UNKNOWN_ADAPTER", `This engine serves no adapter versions by name.`);
    }
    return { adapterPath: await this.options.adapters.fileOf(choice.version) };
  }

  /** Runs one generation into the stream; `onEnd` stores what the kind of job keeps. */
  private async generate(
    job: Job,
    request: GenerateRequest,
    context: { stream: TokenStreamWriter; signal: AbortSignal; userId?: string; enqueuedAt: number },
    onEnd?: (end: {
      text: string;
      stats: GenerateResult["stats"] & object;
      adapter: string | null;
    }) => Promise<void>,
  ): Promise<GenerateResult> {
    const { engine, log, limits } = this.options;
    const { stream, signal, userId } = context;
    const requestId = job.id as string;
    this.options.observer?.started?.({
      kind: (job.data as { kind?: string }).kind ?? "chat",
      waitedMs: Math.max(0, Date.now() - context.enqueuedAt),
      requestId,
    });
    // A retried or taken-over job starts the text again: readers drop what they have.
    if (job.attemptsMade > 0 || job.stalledCounter > 0) stream.reset();
    const model = path.basename(engine.info.modelPath);
    for await (const event of engine.generate(request, signal)) {
      if (event.type === "delta") {
        stream.delta(event.text);
        continue;
      }
      const { stats } = event;
      if (signal.aborted && signal.reason === CLOSING) throw new Error(CLOSING);
      // The text goes out now, not after the bookkeeping below (a fast engine ends within a tick).
      stream.flush();
      // The adapter this very answer used: it may have been swapped while the job waited.
      const adapterPath = event.adapterPath !== undefined ? event.adapterPath : engine.info.adapterPath;
      const adapter = adapterPath ? adapterVersionOf(adapterPath) : null;
      await onEnd?.({ text: event.text, stats, adapter });
      if (userId && limits) await limits.addTokens(userId, stats.promptTokens + stats.completionTokens);
      const outcome = signal.aborted && signal.reason === CANCELLED ? "cancelled" : "answered";
      await stream.end({ text: event.text, outcome, stats, adapter });
      log?.info({ requestId, outcome, ...stats }, "answered");
      return { outcome, stats, model, adapter };
    }
    throw new Error("the engine ended without a result");
  }

  /** Ends the stream without an answer, so that a reader waiting for it stops. */
  private async skip(stream: TokenStreamWriter, reason: string): Promise<GenerateResult> {
    await stream.end({ text: "", outcome: "skipped", stats: null, reason });
    return { outcome: "skipped", stats: null, reason };
  }

  private streamOf(requestId: string): TokenStreamWriter {
    const { redis, keys, streamMaxLength, streamTtlSeconds } = this.options;
    return new TokenStreamWriter(redis, keys, requestId, streamMaxLength ?? 4000, streamTtlSeconds ?? 600);
  }

  /** Waits until the worker is connected and taking jobs. */
  async waitUntilReady(): Promise<void> {
    await Promise.all([this.worker.waitUntilReady(), this.stopRelay]);
  }

  /**
   * Stops taking jobs and lets the running ones finish (a graceful SIGTERM). With `force`, running
   * generations are aborted and their jobs go back to the queue for another worker. Idempotent.
   */
  close(force = false): Promise<void> {
    this.closing ??= (async () => {
      if (force) this.worker.cancelAllJobs(CLOSING);
      await this.worker.close(force);
      await (
        await this.stopRelay
      )();
    })();
    return this.closing;
  }
}

/** The stream's error for a failed generation: the engine's code and numbers when it has them. */
function streamErrorOf(error: unknown): StreamError {
  if (error instanceof PromptTooLongError) {
    return {
      code: error.code,
      message: error.message,
      details: { promptTokens: error.promptTokens, budget: error.budget, contextSize: error.contextSize },
    };
  }
  if (error instanceof SaigaError) return { code: error.code, message: error.message };
  return { code: "GENERATION_FAILED", message: (error as Error).message };
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
