// Admission of one API request: the caller's ban, requests per minute and daily tokens come
// from the limits store Telegram users share (so every API process and gateway sees the same
// counters); requests running at once are counted here, per API process. A refused request
// is a 429 with `retry-after` (a ban a 403). Tokens are counted by the engine worker after
// each answer, under the job's user id.
import type { RedisConnection } from "../store/redis-connection.js";
import type { RedisKeys } from "../store/redis-keys.js";
import { nextUtcMidnight, UserLimits } from "../store/user-limits.js";
import type { ApiCaller } from "./api-keys.js";
import { OpenAIError } from "./openai-error.js";

/** Counters of every caller, on one Redis. */
export class CallerLimits {
  private readonly stores = new Map<string, UserLimits>();
  private readonly running = new Map<string, number>();

  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: RedisKeys,
  ) {}

  /**
   * Lets a request in, or refuses it. Call the returned release when its response has ended.
   * @throws {OpenAIError} 403 banned; 429 over the rate, the daily tokens or the concurrent requests
   */
  async admit(caller: ApiCaller, now: number = Date.now()): Promise<() => void> {
    const limits = this.storeOf(caller);
    this.checkConcurrency(caller);
    const [banned, quota] = await Promise.all([
      limits.isBanned(caller.userId),
      limits.quota(caller.userId, now),
    ]);
    if (banned) {
      throw new OpenAIError("This API key has been banned by the operator.", {
        status: 403,
        type: "permission_error",
        code: "banned",
      });
    }
    if (quota.exceeded) {
      throw new OpenAIError(
        `You exceeded this key's daily quota of ${quota.limit} tokens (${quota.used} used); it resets at 00:00 UTC.`,
        {
          status: 429,
          type: "insufficient_quota",
          code: "insufficient_quota",
          headers: { "retry-after": String(Math.max(1, Math.ceil((nextUtcMidnight(now) - now) / 1000))) },
        },
      );
    }
    const rate = await limits.hitMessage(caller.userId, now);
    if (!rate.allowed) {
      throw rateLimited(
        `Rate limit reached: this key may send ${caller.limits.messagesPerMinute} requests per minute; ` +
          `retry in ${rate.retryAfterSeconds} s.`,
        "rate_limit_exceeded",
        rate.retryAfterSeconds,
      );
    }
    // Again: the awaits above let other requests of this caller in meanwhile.
    this.checkConcurrency(caller);
    this.running.set(caller.userId, (this.running.get(caller.userId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.running.get(caller.userId) ?? 1) - 1;
      if (left > 0) this.running.set(caller.userId, left);
      else this.running.delete(caller.userId);
    };
  }

  private checkConcurrency(caller: ApiCaller): void {
    if ((this.running.get(caller.userId) ?? 0) < caller.limits.concurrent) return;
    throw rateLimited(
      `Too many requests at once: this key may run ${caller.limits.concurrent}; wait for one to finish.`,
      "concurrency_limit_exceeded",
      1,
    );
  }

  private storeOf(caller: ApiCaller): UserLimits {
    let store = this.stores.get(caller.userId);
    if (!store) {
      store = new UserLimits({
        redis: this.redis,
        keys: this.keys,
        messagesPerMinute: caller.limits.messagesPerMinute,
        dailyTokens: caller.limits.dailyTokens,
      });
      this.stores.set(caller.userId, store);
    }
    return store;
  }
}

function rateLimited(message: string, code: string, retryAfterSeconds: number): OpenAIError {
  return new OpenAIError(message, {
    status: 429,
    type: "rate_limit_error",
    code,
    headers: { "retry-after": String(retryAfterSeconds) },
  });
}
