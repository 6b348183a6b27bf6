// The one client of the generation service that every channel uses (Telegram, HTTP, terminal,
// tests): submit a request (a chat message answered from its history, or explicit messages),
// follow its token stream, cancel it from any process, ask for its position in the queue.
import { randomUUID } from "node:crypto";
import type { JobType, Queue } from "bullmq";
import type { RedisConnection } from "../store/redis-connection.js";
import type { ChatStore } from "../store/chat-store.js";
import type { RedisKeys } from "../store/redis-keys.js";
import { ChatRouter, GenerateQueues, type ChatRoutingMode } from "./chat-routing.js";
import { JobCancellation } from "./job-cancellation.js";
import {
  GENERATE_QUEUE,
  messagesJobSchema,
  requestIdOf,
  type AdapterChoice,
  type ChatJob,
  type MessagesJobInput,
} from "./protocol/generate-job.js";
import {
  readTokenStream,
  readWholeAnswer,
  TokenStreamWriter,
  type ReadTokenStreamOptions,
  type TokenStreamEntry,
} from "./token-stream.js";

/** Options of {@link GenerationClient}. */
export interface GenerationClientOptions {
  /** Connection for the queue and the store (one connection can serve both). */
  redis: RedisConnection;
  keys: RedisKeys;
  /** The chat history store; needed for chat requests (enqueue, regenerate), not for `submit`. */
  store?: ChatStore;
  /** Tries per job. Default: 3. */
  attempts?: number;
  /** First retry delay, doubled each time. Default: 1000 ms. */
  backoffMs?: number;
  /** How long a cancellation is remembered for jobs that have not started. Default: 600 s. */
  cancelTtlSeconds?: number;
  /** Chat answers go to the engine that holds the chat warm (`warm`), or to any engine (`any`). Default: warm. */
  routing?: ChatRoutingMode;
}

/** What {@link GenerationClient.enqueue} returns. */
export interface EnqueuedMessage {
  /** Id of the answer's token stream and of its job; the same for every message of a burst. */
  requestId: string;
  /** The chat's answer number this message is part of. */
  answer: number;
  /** The message had been enqueued before (same receipt): nothing was appended again. */
  duplicate: boolean;
}

/** A user message for {@link GenerationClient.enqueue}. */
export interface UserMessage {
  text: string;
  userId?: string;
  userName?: string;
  /** Admins' answers run first. */
  admin?: boolean;
  /** A unique id of the message in its chat (Telegram's message_id): enqueueing it again is a no-op. */
  receipt?: string;
  /** How long the receipt is remembered. Default: 86400 s. */
  receiptTtlSeconds?: number;
  /** Append the message as context only, without asking for an answer (quiet group messages). */
  contextOnly?: boolean;
  /** Which weights answer it (the chat's model choice, an A/B assignment). Default: the active adapter. */
  adapter?: AdapterChoice;
}

/** A stateless request for {@link GenerationClient.submit}: the job's fields, plus how many answers. */
export type SubmitRequest = Omit<MessagesJobInput, "kind" | "enqueuedAt" | "choice"> & {
  /** Independent answers to generate (OpenAI's `n`), each its own job and stream. Default: 1. */
  n?: number;
  /** Admin requests run first. */
  admin?: boolean;
};

/**
 * BullMQ priorities: lower runs first. Telegram users and API callers share one priority, so the
 * queue serves them in arrival order (fair between channels); per-caller limits keep one caller
 * from filling it.
 */
const ADMIN_PRIORITY = 1;
const USER_PRIORITY = 2;

/** Idle stream-reader connections kept for the next follow. */
const READER_POOL_SIZE = 32;

/** The client of the `generate` queue. */
export class GenerationClient {
  /**
   * The shared generate queue (any engine takes from it; stateless requests always go here). Its
   * `getJobState` and `remove` also find a chat answer routed to an engine's own queue.
   */
  readonly queue: Queue;
  /** The shared queue and the engines' own queues. */
  readonly queues: GenerateQueues;
  private readonly router: ChatRouter;
  readonly cancellation: JobCancellation;
  private readonly readers: RedisConnection[] = [];
  private closing?: Promise<void>;

  constructor(private readonly options: GenerationClientOptions) {
    this.queues = new GenerateQueues(options.redis, options.keys);
    this.queue = this.queues.get(GENERATE_QUEUE);
    this.router = new ChatRouter(options.redis, options.keys, options.routing ?? "warm", this.queues.pending);
    this.cancellation = new JobCancellation(
      options.redis,
      options.keys,
      GENERATE_QUEUE,
      options.cancelTtlSeconds ?? 600,
    );
  }

  private get store(): ChatStore {
    if (!this.options.store) throw new Error("GenerationClient: chat requests need a ChatStore");
    return this.options.store;
  }

  /**
   * Queues a stateless request (explicit messages or a raw prompt) and returns one request id
   * per answer (`n`). Nothing is read from or written to a chat history.
   */
  async submit(request: SubmitRequest): Promise<string[]> {
    const { n = 1, admin, ...fields } = request;
    const base = `req_${randomUUID()}`;
    const enqueuedAt = Date.now();
    const jobs = Array.from({ length: n }, (_, choice) => {
      // Validated here, so that a bad request fails its caller rather than a worker.
      const data = messagesJobSchema.parse({ ...fields, kind: "messages", enqueuedAt, choice });
      return {
        name: GENERATE_QUEUE,
        data,
        opts: { ...this.jobOptions(admin === true), jobId: n === 1 ? base : `${base}_${choice}` },
      };
    });
    await this.queue.addBulk(jobs);
    return jobs.map((job) => job.opts.jobId);
  }

  /**
   * Reads a request's token stream until its `end` entry. Each follow holds a Redis connection
   * while it blocks; connections of finished follows are reused.
   */
  async *follow(
    requestId: string,
    options: ReadTokenStreamOptions = {},
  ): AsyncGenerator<TokenStreamEntry, void, void> {
    const reader = this.readers.pop() ?? this.options.redis.duplicate();
    let ended = false;
    try {
      for await (const entry of readTokenStream(reader, this.options.keys, requestId, options)) {
        if (entry.type === "end") ended = true;
        yield entry;
      }
    } finally {
      // A follow left mid-read may still have an XREAD BLOCK pending on its connection.
      if (ended && !this.closing && this.readers.length < READER_POOL_SIZE) this.readers.push(reader);
      else reader.disconnect();
    }
  }

  /** Waits for a request's end; the streamed text applies resets. Null when `idleTimeoutMs` passed first. */
  async result(requestId: string, options: ReadTokenStreamOptions = {}) {
    const reader = this.readers.pop() ?? this.options.redis.duplicate();
    try {
      return await readWholeAnswer(reader, this.options.keys, requestId, options);
    } finally {
      reader.disconnect();
    }
  }

  /**
   * Appends a user message to the chat's history and makes sure an answer is queued. Messages
   * that arrive while the chat's previous answer is still being generated are answered together,
   * in order, in the next one.
   */
  async enqueue(chatId: string, message: UserMessage): Promise<EnqueuedMessage> {
    const { answer, duplicate } = await this.store.appendUserTurn(
      chatId,
      {
        role: "user",
        text: message.text,
        time: Date.now(),
        ...(message.userId ? { userId: message.userId } : {}),
        ...(message.userName ? { userName: message.userName } : {}),
      },
      message.receipt === undefined
        ? {}
        : { receipt: message.receipt, receiptTtlSeconds: message.receiptTtlSeconds },
    );
    const requestId = requestIdOf(chatId, answer);
    // Adding the job again for a duplicate is harmless (same id) and repairs a crash between the two steps.
    if (!message.contextOnly) {
      await this.addAnswerJob(chatId, answer, message.userId, message.admin === true, message.adapter);
    }
    return { requestId, answer, duplicate };
  }

  /**
   * Answers the chat's last user message again: the last answer is removed from the history
   * (and returned, so that it can be recorded as a weak negative). Null when there is nothing to redo.
   */
  async regenerate(
    chatId: string,
    options: { userId?: string; admin?: boolean; adapter?: AdapterChoice } = {},
  ): Promise<{ requestId: string; answer: number; replaced: string } | null> {
    const dropped = await this.store.dropLastAnswer(chatId);
    if (!dropped) return null;
    const answer = await this.store.nextAnswer(chatId);
    const { requestId } = await this.addAnswerJob(
      chatId,
      answer,
      options.userId,
      options.admin === true,
      options.adapter,
    );
    return { requestId, answer, replaced: dropped.text };
  }

  /**
   * Cancels a request from any process: a waiting job is removed, a running generation stops
   * (every worker listens), and a job about to start sees the marker and skips.
   */
  async cancel(requestId: string): Promise<void> {
    const { redis, keys } = this.options;
    await this.cancellation.cancel(requestId);
    const queue = this.queues.get(await this.router.queueOf(requestId));
    const state = await queue.getJobState(requestId);
    if (state === "waiting" || state === "prioritized" || state === "delayed") {
      // It may have started meanwhile (remove() then refuses): the worker ends the stream itself.
      const removed = await queue.remove(requestId).catch(() => 0);
      // Readers wait for an `end`; no worker will write one for a job that never ran.
      if (removed === 1) {
        const ttl = this.options.cancelTtlSeconds ?? 600;
        await new TokenStreamWriter(redis, keys, requestId, 100, ttl).end({
          text: "",
          outcome: "cancelled",
          stats: null,
        });
      }
    }
  }

  /** 1-based position of a waiting request (1 = next), 0 when it is running or done, null when unknown. */
  async position(requestId: string): Promise<number | null> {
    const queue = this.queues.get(await this.router.queueOf(requestId));
    const state = await queue.getJobState(requestId);
    if (state === "unknown") return null;
    if (state !== "waiting" && state !== "prioritized" && state !== "delayed") return 0;
    // The position in the queue it is on: a routed job waits only behind its engine's own jobs.
    const [waiting, prioritized] = await Promise.all([queue.getWaiting(), queue.getPrioritized()]);
    const order = [...waiting, ...prioritized].map((job) => job.id);
    const index = order.indexOf(requestId);
    return index < 0 ? order.length + 1 : index + 1;
  }

  /** Job counts summed over the shared queue and every registered engine queue (queue depth gauges). */
  async jobCounts(...states: JobType[]): Promise<Record<string, number>> {
    const all = await Promise.all(
      [this.queue, ...(await this.queues.engineQueues())].map((queue) => queue.getJobCounts(...states)),
    );
    const sum: Record<string, number> = {};
    for (const counts of all)
      for (const [state, count] of Object.entries(counts)) sum[state] = (sum[state] ?? 0) + count;
    return sum;
  }

  /** Closes the queue and the stream readers (not the connection, which belongs to the caller). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const reader of this.readers.splice(0)) reader.disconnect();
      await this.queues.close();
    })();
    return this.closing;
  }

  private jobOptions(admin: boolean) {
    return {
      priority: admin ? ADMIN_PRIORITY : USER_PRIORITY,
      attempts: this.options.attempts ?? 3,
      backoff: { type: "exponential", delay: this.options.backoffMs ?? 1000 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 24 * 3600 },
    };
  }

  private async addAnswerJob(
    chatId: string,
    answer: number,
    userId: string | undefined,
    admin: boolean,
    adapter: AdapterChoice | undefined,
  ) {
    const requestId = requestIdOf(chatId, answer);
    const data: ChatJob = {
      kind: "chat",
      chatId,
      answer,
      enqueuedAt: Date.now(),
      ...(userId ? { userId } : {}),
      ...(adapter ? { adapter } : {}),
    };
    // A job id that exists already makes this a no-op: the message joins the queued answer.
    // The same answer's job stays on the queue it was first put on (dedupe, cancel, position).
    const target = await this.router.place(
      requestId,
      chatId,
      async (name) => (await this.queues.get(name).getJobState(requestId)) !== "unknown",
    );
    await this.queues.get(target).add(GENERATE_QUEUE, data, { ...this.jobOptions(admin), jobId: requestId });
    return { requestId };
  }
}
