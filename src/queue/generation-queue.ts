// The producer side of generation: channels (Telegram, HTTP, tests) call it to get a user
// message answered, regenerate an answer, cancel one, or ask for the position in the queue.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { ChatStore } from "../store/chat-store.js";
import type { RedisKeys } from "../store/redis-keys.js";
import { GENERATE_QUEUE, requestIdOf, type GenerateJob } from "./generate-job.js";
import { TokenStreamWriter } from "./token-stream.js";

/** Options of {@link GenerationQueue}. */
export interface GenerationQueueOptions {
  /** Connection for the queue and the store (one connection can serve both). */
  redis: Redis;
  keys: RedisKeys;
  store: ChatStore;
  /** Tries per job. Default: 3. */
  attempts?: number;
  /** First retry delay, doubled each time. Default: 1000 ms. */
  backoffMs?: number;
  /** How long a cancellation is remembered for jobs that have not started. Default: 600 s. */
  cancelTtlSeconds?: number;
}

/** What {@link GenerationQueue.enqueue} returns. */
export interface EnqueuedMessage {
  /** Id of the answer's token stream and of its job; the same for every message of a burst. */
  requestId: string;
  /** The chat's answer number this message is part of. */
  answer: number;
  /** The message had been enqueued before (same receipt): nothing was appended again. */
  duplicate: boolean;
}

/** A user message for {@link GenerationQueue.enqueue}. */
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
}

/** BullMQ priorities: lower runs first. */
const ADMIN_PRIORITY = 1;
const USER_PRIORITY = 2;

/** Producer API of the `generate` queue. */
export class GenerationQueue {
  readonly queue: Queue;
  private closing?: Promise<void>;

  constructor(private readonly options: GenerationQueueOptions) {
    this.queue = new Queue(GENERATE_QUEUE, { connection: options.redis, prefix: options.keys.queuePrefix() });
  }

  /**
   * Appends a user message to the chat's history and makes sure an answer is queued. Messages
   * that arrive while the chat's previous answer is still being generated are answered together,
   * in order, in the next one.
   */
  async enqueue(chatId: string, message: UserMessage): Promise<EnqueuedMessage> {
    const { answer, duplicate } = await this.options.store.appendUserTurn(
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
    if (!message.contextOnly) await this.addAnswerJob(chatId, answer, message.userId, message.admin === true);
    return { requestId, answer, duplicate };
  }

  /**
   * Answers the chat's last user message again: the last answer is removed from the history
   * (and returned, so that it can be recorded as a weak negative). Null when there is nothing to redo.
   */
  async regenerate(
    chatId: string,
    options: { userId?: string; admin?: boolean } = {},
  ): Promise<{ requestId: string; answer: number; replaced: string } | null> {
    const dropped = await this.options.store.dropLastAnswer(chatId);
    if (!dropped) return null;
    const answer = await this.options.store.nextAnswer(chatId);
    const { requestId } = await this.addAnswerJob(chatId, answer, options.userId, options.admin === true);
    return { requestId, answer, replaced: dropped.text };
  }

  /**
   * Cancels a request from any process: a waiting job is removed, a running generation stops
   * (every worker listens), and a job about to start sees the marker and skips.
   */
  async cancel(requestId: string): Promise<void> {
    const { redis, keys } = this.options;
    await redis.set(keys.cancelled(requestId), "1", "EX", this.options.cancelTtlSeconds ?? 600);
    await redis.publish(keys.cancelChannel(), requestId);
    const state = await this.queue.getJobState(requestId);
    if (state === "waiting" || state === "prioritized" || state === "delayed") {
      // It may have started meanwhile (remove() then refuses): the worker ends the stream itself.
      const removed = await this.queue.remove(requestId).catch(() => 0);
      // Readers wait for an `end`; no worker will write one for a job that never ran.
      if (removed === 1) {
        const stream = new TokenStreamWriter(
          redis,
          keys,
          requestId,
          100,
          this.options.cancelTtlSeconds ?? 600,
        );
        await stream.end("", { stopReason: "aborted", cancelled: true });
      }
    }
  }

  /** 1-based position of a waiting request (1 = next), 0 when it is running or done, null when unknown. */
  async position(requestId: string): Promise<number | null> {
    const state = await this.queue.getJobState(requestId);
    if (state === "unknown") return null;
    if (state !== "waiting" && state !== "prioritized" && state !== "delayed") return 0;
    const [waiting, prioritized] = await Promise.all([this.queue.getWaiting(), this.queue.getPrioritized()]);
    const order = [...waiting, ...prioritized].map((job) => job.id);
    const index = order.indexOf(requestId);
    return index < 0 ? order.length + 1 : index + 1;
  }

  /** Closes the queue (not the connection, which belongs to the caller). Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.queue.close();
    return this.closing;
  }

  private async addAnswerJob(chatId: string, answer: number, userId: string | undefined, admin: boolean) {
    const requestId = requestIdOf(chatId, answer);
    const data: GenerateJob = { chatId, answer, enqueuedAt: Date.now(), ...(userId ? { userId } : {}) };
    // A job id that exists already makes this a no-op: the message joins the queued answer.
    await this.queue.add(GENERATE_QUEUE, data, {
      jobId: requestId,
      priority: admin ? ADMIN_PRIORITY : USER_PRIORITY,
      attempts: this.options.attempts ?? 3,
      backoff: { type: "exponential", delay: this.options.backoffMs ?? 1000 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 24 * 3600 },
    });
    return { requestId };
  }
}
