// Decides which Redis a saiga process uses: the configured REDIS_URL, else a Redis on this machine
// (127.0.0.1:6379), else, where allowed, a private redis-server under <dataDir>/redis. So a single
// machine needs no Redis set-up at all, and a scaled-out one only REDIS_URL.
import { Redis } from "ioredis";
import type { Logger } from "../log/index.js";
import { checkEvictionPolicy } from "./check-eviction-policy.js";
import { pingRedis } from "./ping-redis.js";
import { RedisAuthError, RedisUnavailableError } from "./redis-setup-errors.js";
import { redisUrlForLog } from "./redis-url-for-log.js";
import { startEmbeddedRedis, type EmbeddedRedis } from "./embedded-redis.js";

/** Options of {@link ensureRedis}. */
export interface EnsureRedisOptions {
  /** `redis.url` (REDIS_URL); `null` means: look on 127.0.0.1, then maybe start one. Required. */
  configuredUrl: string | null;
  /** saiga's data directory; an embedded Redis keeps its files in `<dataDir>/redis`. Required. */
  dataDir: string;
  /** Where the choice and the eviction check are logged. Required. */
  log: Logger;
  /**
   * Whether a private redis-server may be started when no Redis is configured or found (`saiga start`
   * on one machine: yes; an engine that must join the others' Redis: no). Required.
   */
  embedded: boolean;
  /** Port probed on 127.0.0.1 when no URL is configured, and preferred by an embedded Redis. Default: 6379. */
  localPort?: number;
}

/** The Redis to use. */
export interface EnsuredRedis {
  /** URL for `createRedis` (it may hold a password: log it with `redisUrlForLog`). */
  url: string;
  /** The private redis-server when one was started: stop it when the process shuts down; else `null`. */
  embedded: EmbeddedRedis | null;
}

const HOST = "127.0.0.1";
const DEFAULT_PORT = 6379;
const PROBE_TIMEOUT_MS = 3000;

/**
 * Finds or starts the Redis for this process. A configured or local Redis gets the eviction check
 * ({@link checkEvictionPolicy}); a configured one that is down is only warned about (connections
 * wait for it), but one that refuses the password is an error.
 *
 * @throws {RedisAuthError} the Redis wants a (different) password.
 * @throws {RedisUnavailableError} no Redis configured or found, and `embedded` is false.
 * @throws {RedisServerNotFoundError} an embedded Redis is needed but redis-server is not installed.
 */
export async function ensureRedis(options: EnsureRedisOptions): Promise<EnsuredRedis> {
  const { log } = options;
  if (options.configuredUrl !== null) {
    log.info({ redis: redisUrlForLog(options.configuredUrl) }, "using the configured Redis");
    await checkReachable(options.configuredUrl, log);
    return { url: options.configuredUrl, embedded: null };
  }

  const port = options.localPort ?? DEFAULT_PORT;
  const local = await pingRedis(HOST, port, PROBE_TIMEOUT_MS);
  if (local === "pong" || local === "loading") {
    const url = `redis://${HOST}:${port}`;
    log.info({ redis: url }, "REDIS_URL is not set; using the Redis on this machine");
    await checkReachable(url, log);
    return { url, embedded: null };
  }
  if (local === "auth-required") {
    throw new RedisAuthError(
      `The Redis on ${HOST}:${port} wants a password: set REDIS_URL=redis://:PASSWORD@${HOST}:${port}.`,
    );
  }
  if (local === "not-redis") log.info({ port }, `something that is not Redis listens on ${HOST}:${port}`);
  if (!options.embedded) {
    throw new RedisUnavailableError(
      `No Redis: REDIS_URL is not set and no Redis answers on ${HOST}:${port}. ` +
        "Set REDIS_URL=redis://[:PASSWORD@]HOST:6379 to the Redis the other saiga processes use, or start one here.",
    );
  }
  log.info(`REDIS_URL is not set and no Redis answers on ${HOST}:${port}; starting a private redis-server`);
  const embedded = await startEmbeddedRedis({ dataDir: options.dataDir, log, port });
  return { url: embedded.url, embedded };
}

/**
 * Connects once (no retries) to check credentials and eviction settings. Down is not fatal: Redis
 * may start after saiga (docker compose), and saiga's connections wait for it.
 */
async function checkReachable(url: string, log: Logger): Promise<void> {
  let lastError: Error | undefined;
  const probe = new Redis(url, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: PROBE_TIMEOUT_MS,
  });
  probe.on("error", (error: Error) => (lastError = error));
  try {
    await probe.connect();
  } catch (error) {
    const reason = lastError ?? (error as Error);
    if (/^(NOAUTH|WRONGPASS)/.test(reason.message)) {
      throw new RedisAuthError(
        `Redis at ${redisUrlForLog(url)} refused the credentials (${reason.message.split(".")[0]}): ` +
          "fix the password in REDIS_URL (redis://:PASSWORD@HOST:6379).",
        { cause: reason },
      );
    }
    log.warn(
      { redis: redisUrlForLog(url), err: reason.message },
      "Redis is not reachable yet; continuing, connections retry until it is",
    );
    probe.disconnect();
    return;
  }
  try {
    await checkEvictionPolicy(probe, log);
  } finally {
    probe.disconnect();
  }
}
