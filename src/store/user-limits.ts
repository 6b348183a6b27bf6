// Per-user limits: messages per minute, tokens per UTC day, and bans. Counters live in Redis so
// that every gateway and engine sees the same numbers.
import type { RedisConnection } from "./redis-connection.js";
import type { Config } from "../config/index.js";
import type { RedisKeys } from "./redis-keys.js";
import { StoreError } from "./store-errors.js";

/** Options of {@link UserLimits}. */
export interface UserLimitsOptions {
  redis: RedisConnection;
  keys: RedisKeys;
  /** Messages a user may send per minute (`limits.messagesPerMinute`); 0 = no limit. */
  messagesPerMinute: number;
  /** Tokens (prompt + answer) a user may use per UTC day (`limits.dailyTokens`); 0 = no limit. */
  dailyTokens: number;
}

/** Verdict of {@link UserLimits.hitMessage}. */
export interface RateVerdict {
  allowed: boolean;
  /** When refused: seconds until the current minute window ends (≥ 1); 0 when allowed. */
  retryAfterSeconds: number;
}

/** A user's token use today, from {@link UserLimits.quota}. */
export interface TokenQuota {
  /** Tokens used on the current UTC day. */
  used: number;
  /** The daily limit; 0 = no limit. */
  limit: number;
  /** A limit is set and `used` has reached it. */
  exceeded: boolean;
}

const MINUTE_MS = 60_000;
/** A day counter outlives its day a little, for clocks that disagree around midnight. */
const TOKEN_COUNTER_TTL_SECONDS = 2 * 24 * 3600;

/** Rate limit, daily token quota and bans of users. */
export class UserLimits {
  private readonly redis: RedisConnection;
  private readonly keys: RedisKeys;
  private readonly messagesPerMinute: number;
  private readonly dailyTokens: number;

  constructor(options: UserLimitsOptions) {
    for (const name of ["messagesPerMinute", "dailyTokens"] as const) {
      const value = options[name];
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new RangeError(`${name} must be a whole number ≥ 0 (0 = no limit), got ${value}`);
      }
    }
    this.redis = options.redis;
    this.keys = options.keys;
    this.messagesPerMinute = options.messagesPerMinute;
    this.dailyTokens = options.dailyTokens;
  }

  /** The limits of a configuration (`limits.messagesPerMinute`, `limits.dailyTokens`). */
  static fromConfig(config: Config, redis: RedisConnection, keys: RedisKeys): UserLimits {
    const { messagesPerMinute, dailyTokens } = config.limits;
    return new UserLimits({ redis, keys, messagesPerMinute, dailyTokens });
  }

  /**
   * Counts one message of a user in the current one-minute window (fixed windows aligned to the
   * clock minute) and says whether it is within the limit. Refused messages count too.
   *
   * @param now Time in ms. Default: `Date.now()`.
   */
  async hitMessage(userId: string, now: number = Date.now()): Promise<RateVerdict> {
    if (this.messagesPerMinute === 0) return { allowed: true, retryAfterSeconds: 0 };
    const minute = Math.floor(now / MINUTE_MS);
    const key = this.keys.rate(userId, minute);
    // INCR and EXPIRE together: a counter without a TTL would never reset.
    const result = await this.redis.multi().incr(key).expire(key, 60).exec();
    const count = Number(replyOf(result, 0));
    if (count <= this.messagesPerMinute) return { allowed: true, retryAfterSeconds: 0 };
    const windowEnd = (minute + 1) * MINUTE_MS;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((windowEnd - now) / 1000)) };
  }

  /**
   * Adds tokens a user used (prompt + answer) to the current UTC day's counter. Counted even
   * without a limit, for statistics.
   *
   * @param now Time in ms. Default: `Date.now()`.
   * @returns the tokens used today, this addition included.
   */
  async addTokens(userId: string, tokens: number, now: number = Date.now()): Promise<number> {
    if (!Number.isSafeInteger(tokens) || tokens < 0) {
      throw new RangeError(`tokens must be a whole number ≥ 0, got ${tokens}`);
    }
    const key = this.keys.tokens(userId, utcDay(now));
    const result = await this.redis.multi().incrby(key, tokens).expire(key, TOKEN_COUNTER_TTL_SECONDS).exec();
    return Number(replyOf(result, 0));
  }

  /**
   * The user's token use on the current UTC day against the daily limit.
   *
   * @param now Time in ms. Default: `Date.now()`.
   */
  async quota(userId: string, now: number = Date.now()): Promise<TokenQuota> {
    const [used, own] = await Promise.all([
      this.redis.get(this.keys.tokens(userId, utcDay(now))),
      this.redis.hget(this.keys.quotas(), userId),
    ]);
    const limit = own === null ? this.dailyTokens : Number(own);
    return { used: Number(used ?? 0), limit, exceeded: limit > 0 && Number(used ?? 0) >= limit };
  }

  /**
   * Sets a user's own daily token limit (0 = no limit), overriding `limits.dailyTokens`; null
   * returns the user to the configured limit.
   */
  async setDailyTokens(userId: string, tokens: number | null): Promise<void> {
    if (tokens === null) {
      await this.redis.hdel(this.keys.quotas(), userId);
      return;
    }
    if (!Number.isSafeInteger(tokens) || tokens < 0) {
      throw new RangeError(`tokens must be a whole number ≥ 0 (0 = no limit), got ${tokens}`);
    }
    await this.redis.hset(this.keys.quotas(), userId, tokens);
  }

  /** Bans a user. Returns false when already banned. */
  async ban(userId: string): Promise<boolean> {
    return (await this.redis.sadd(this.keys.bans(), userId)) === 1;
  }

  /** Lifts a ban. Returns false when the user was not banned. */
  async unban(userId: string): Promise<boolean> {
    return (await this.redis.srem(this.keys.bans(), userId)) === 1;
  }

  async isBanned(userId: string): Promise<boolean> {
    return (await this.redis.sismember(this.keys.bans(), userId)) === 1;
  }

  /** Every banned user id, sorted. */
  async banned(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.bans())).sort();
  }
}

/** When the current UTC day ends (token quotas reset then), in ms since the epoch. */
export function nextUtcMidnight(now: number = Date.now()): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1);
}

/** `YYYY-MM-DD` of a time in UTC. */
function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

function replyOf(result: [error: Error | null, reply: unknown][] | null, i: number): unknown {
  const entry = result?.[i];
  if (!entry) throw new StoreError("UNEXPECTED_REPLY", "the transaction was aborted");
  if (entry[0]) throw entry[0];
  return entry[1];
}
