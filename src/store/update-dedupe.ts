// Drops duplicate Telegram updates: the Bot API redelivers an update when the offset did not move
// on (a gateway crashed between fetching and confirming), and several gateways may fetch the same.
import type { RedisConnection } from "./redis-connection.js";
import type { RedisKeys } from "./redis-keys.js";

/** Options of {@link UpdateDedupe}. */
export interface UpdateDedupeOptions {
  redis: RedisConnection;
  keys: RedisKeys;
  /** How long an update id is remembered (`limits.dedupeTtlSeconds`). */
  dedupeTtlSeconds: number;
}

/** Remembers handled update ids for a while, so that each update is handled once. */
export class UpdateDedupe {
  private readonly redis: RedisConnection;
  private readonly keys: RedisKeys;
  private readonly ttlSeconds: number;

  constructor(options: UpdateDedupeOptions) {
    if (!Number.isSafeInteger(options.dedupeTtlSeconds) || options.dedupeTtlSeconds < 1) {
      throw new RangeError(`dedupeTtlSeconds must be a whole number ≥ 1, got ${options.dedupeTtlSeconds}`);
    }
    this.redis = options.redis;
    this.keys = options.keys;
    this.ttlSeconds = options.dedupeTtlSeconds;
  }

  /** True when {@link markHandled} was called for this update id within the TTL. */
  async wasHandled(updateId: number | string): Promise<boolean> {
    return (await this.redis.exists(this.keys.update(updateId))) === 1;
  }

  /** Remembers that an update was handled completely. */
  async markHandled(updateId: number | string): Promise<void> {
    await this.redis.set(this.keys.update(updateId), "1", "EX", this.ttlSeconds);
  }
}
