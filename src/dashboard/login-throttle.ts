// Slows down password guessing: after `limit` wrong passwords from one address within the window,
// that address may not try again until the window ends. Counters live in Redis, so every API
// process behind a load balancer counts together.
import type { RedisConnection } from "../store/redis-connection.js";
import type { RedisKeys } from "../store/redis-keys.js";

/** Wrong passwords allowed per address and window. */
const LIMIT = 10;
/** The window, in seconds. */
const WINDOW_SECONDS = 600;

/** Counts wrong passwords per address. */
export class LoginThrottle {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: RedisKeys,
  ) {}

  /** Whether `address` has used up its tries for now. */
  async blocked(address: string): Promise<boolean> {
    const count = await this.redis.get(this.keys.dashboardLoginFailures(address));
    return Number(count ?? 0) >= LIMIT;
  }

  /** Counts a wrong password (the window starts with the first one). */
  async failed(address: string): Promise<void> {
    const key = this.keys.dashboardLoginFailures(address);
    await this.redis.multi().incr(key).expire(key, WINDOW_SECONDS, "NX").exec();
  }

  /** How long a blocked address waits, for the message. */
  static readonly windowMinutes = WINDOW_SECONDS / 60;
}
