// Who may talk to the bot under `access.policy` allowlist or pairing: the ids in config plus
// those admins allowed at runtime (/allow, an invite code), minus those they denied (/deny). Kept
// in Redis so that every gateway sees the same list; users are positive ids, groups negative.
import type { RedisConnection } from "./redis-connection.js";
import type { Config } from "../config/index.js";
import type { RedisKeys } from "./redis-keys.js";

/** Options of {@link AccessList}. */
export interface AccessListOptions {
  redis: RedisConnection;
  keys: RedisKeys;
  /** Ids allowed by config (`access.users` and `access.groups`). Default: none. */
  configured?: readonly number[];
  /** How long a refused id stays silent after its one explanation (`access.refusalNoticeSeconds`). */
  refusalNoticeSeconds: number;
}

/** The allowlist of users and groups, over config and Redis. */
export class AccessList {
  private readonly redis: RedisConnection;
  private readonly keys: RedisKeys;
  private readonly configured: ReadonlySet<string>;
  private readonly refusalNoticeSeconds: number;

  constructor(options: AccessListOptions) {
    this.redis = options.redis;
    this.keys = options.keys;
    this.configured = new Set((options.configured ?? []).map(String));
    this.refusalNoticeSeconds = options.refusalNoticeSeconds;
  }

  /** The list of a configuration (`access.users`, `access.groups`, `access.refusalNoticeSeconds`). */
  static fromConfig(config: Config, redis: RedisConnection, keys: RedisKeys): AccessList {
    const { users, groups, refusalNoticeSeconds } = config.access;
    return new AccessList({ redis, keys, configured: [...users, ...groups], refusalNoticeSeconds });
  }

  /** Whether a user or group id is allowed: denied at runtime wins, then runtime or config allows. */
  async isAllowed(id: string): Promise<boolean> {
    const [denied, allowed] = await this.redis
      .multi()
      .sismember(this.keys.access("denied"), id)
      .sismember(this.keys.access("allowed"), id)
      .exec()
      .then((replies) => (replies ?? []).map(([error, value]) => (error ? 0 : Number(value))));
    if (denied === 1) return false;
    return allowed === 1 || this.configured.has(id);
  }

  /** Allows an id (and lifts a /deny of it). Returns false when it was allowed already. */
  async allow(id: string): Promise<boolean> {
    const was = await this.isAllowed(id);
    // Both sets in one MULTI (one hash tag): an id is never in both.
    await this.redis
      .multi()
      .srem(this.keys.access("denied"), id)
      .sadd(this.keys.access("allowed"), id)
      .exec();
    // Not in the MULTI: the notice marker carries the user's hash tag, another Cluster slot.
    await this.redis.del(this.keys.accessNotice(id));
    return !was;
  }

  /** Denies an id, also one the config allows. Returns false when it was not allowed anyway. */
  async deny(id: string): Promise<boolean> {
    const was = await this.isAllowed(id);
    await this.redis
      .multi()
      .srem(this.keys.access("allowed"), id)
      .sadd(this.keys.access("denied"), id)
      .exec();
    return was;
  }

  /**
   * Whether a refused id should be told why now: true once, then false for
   * `refusalNoticeSeconds` (SET NX with a TTL, so a flood of messages gets one answer).
   */
  async claimRefusalNotice(id: string): Promise<boolean> {
    const set = await this.redis.set(this.keys.accessNotice(id), "1", "EX", this.refusalNoticeSeconds, "NX");
    return set === "OK";
  }
}
