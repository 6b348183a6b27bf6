// The per-chat generation lease: at most one generation per chat at a time, across every worker
// and machine (open-source BullMQ has no job groups). The owner is the request id, so a retry of
// the same job (after its worker was killed) takes the lease over at once.
import type { RedisConnection } from "../store/redis-connection.js";
import type { RedisKeys } from "../store/redis-keys.js";
import { runScript, type RedisScript } from "../store/scripts/run-script.js";

// Both scripts run as EVALSHA (defined once per connection), not EVAL with the whole text each time.
const ACQUIRE: RedisScript = {
  name: "saigaAcquireLease",
  numberOfKeys: 1,
  // KEYS[1] lease key; ARGV[1] owner, ARGV[2] ttl ms. Returns 1 when the caller holds the lease
  // afterwards (newly taken, or already its own and extended), else 0.
  lua: `
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`,
};

const RELEASE: RedisScript = {
  name: "saigaReleaseLease",
  numberOfKeys: 1,
  // KEYS[1] lease key; ARGV[1] owner. Deletes the lease only if the caller owns it. Returns 1 if deleted.
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
};

/** Lease operations on one Redis connection. */
export class ChatLease {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: RedisKeys,
    /** Lease lifetime; renewed while generating, so it only matters when the holder dies. */
    private readonly ttlMs: number,
  ) {}

  /** Takes (or extends) the lease of `chatId` for `owner`; false when another request holds it. */
  async acquire(chatId: string, owner: string): Promise<boolean> {
    return (await runScript(this.redis, ACQUIRE, [this.keys.lease(chatId)], [owner, this.ttlMs])) === 1;
  }

  /** Gives the lease back if `owner` still holds it. */
  async release(chatId: string, owner: string): Promise<void> {
    await runScript(this.redis, RELEASE, [this.keys.lease(chatId)], [owner]);
  }
}
