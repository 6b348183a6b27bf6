// Checks that a Redis chosen for saiga keeps what BullMQ and the chat store write: with any
// maxmemory-policy but noeviction, Redis under memory pressure deletes queued jobs and history.
import type { RedisConnection } from "./redis-connection.js";
import type { Logger } from "../log/index.js";

/** The Redis settings that decide whether saiga's data survives memory pressure and restarts. */
export interface RedisDurabilitySettings {
  /** `noeviction` is the only safe value for BullMQ. */
  maxmemoryPolicy: string;
  /** Memory limit in bytes; 0 means none. */
  maxmemory: number;
  /** Whether the append-only file is on; `null` when Redis did not say. */
  appendonly: boolean | null;
}

/**
 * Reads maxmemory-policy, maxmemory and appendonly (with CONFIG GET, or INFO where a managed Redis
 * refuses CONFIG) and logs one warning when the policy is not `noeviction`, and one info line
 * when AOF is off. Never throws: when neither command is allowed it logs at debug and returns `null`.
 */
export async function checkEvictionPolicy(
  redis: RedisConnection,
  log: Logger,
): Promise<RedisDurabilitySettings | null> {
  const settings = (await fromConfig(redis, log)) ?? (await fromInfo(redis, log));
  if (settings === null) {
    log.debug("could not read the Redis eviction settings; make sure maxmemory-policy is noeviction");
    return null;
  }
  if (settings.maxmemoryPolicy !== "noeviction") {
    log.warn(
      { maxmemoryPolicy: settings.maxmemoryPolicy, maxmemory: settings.maxmemory },
      `Redis maxmemory-policy is ${settings.maxmemoryPolicy}: under memory pressure it evicts queued jobs ` +
        "and chat history. Set maxmemory-policy noeviction (in redis.conf, or CONFIG SET maxmemory-policy noeviction)",
    );
  }
  if (settings.appendonly === false) {
    log.info(
      "Redis has appendonly off: chat history and queued jobs written since its last snapshot are lost " +
        "if Redis restarts (set appendonly yes to keep them)",
    );
  }
  return settings;
}

async function fromConfig(redis: RedisConnection, log: Logger): Promise<RedisDurabilitySettings | null> {
  try {
    // One parameter per CONFIG GET: Redis before 7 takes only one.
    const [policy, maxmemory, appendonly] = await Promise.all(
      ["maxmemory-policy", "maxmemory", "appendonly"].map(async (name) => {
        const reply = await redis.config("GET", name);
        return Array.isArray(reply) && typeof reply[1] === "string" ? reply[1] : undefined;
      }),
    );
    if (policy === undefined) return null;
    return {
      maxmemoryPolicy: policy,
      maxmemory: Number(maxmemory ?? 0),
      appendonly: appendonly === undefined ? null : appendonly === "yes",
    };
  } catch (error) {
    // Managed Redis services rename or forbid CONFIG.
    log.debug({ err: (error as Error).message }, "CONFIG GET is not allowed on this Redis; trying INFO");
    return null;
  }
}

async function fromInfo(redis: RedisConnection, log: Logger): Promise<RedisDurabilitySettings | null> {
  try {
    const text = `${await redis.info("memory")}\n${await redis.info("persistence")}`;
    const field = (name: string): string | undefined =>
      new RegExp(`^${name}:(.*)$`, "m").exec(text)?.[1]?.trim();
    const policy = field("maxmemory_policy");
    if (policy === undefined) return null;
    const aof = field("aof_enabled");
    return {
      maxmemoryPolicy: policy,
      maxmemory: Number(field("maxmemory") ?? 0),
      appendonly: aof === undefined ? null : aof === "1",
    };
  } catch (error) {
    log.debug({ err: (error as Error).message }, "INFO is not allowed on this Redis either");
    return null;
  }
}
