// Opens the Redis connections of saiga-bot, configured for what each is used for, so that a Redis
// restart is survived everywhere: connections reconnect forever with a capped backoff, and each
// connection logs one line per state change (not one per failed attempt).
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../log/index.js";
import { redisUrlForLog } from "./redis-url-for-log.js";

/** What a connection is for; see {@link CreateRedisOptions.role}. */
export type RedisRole = "worker" | "client";

/** Options of {@link createRedis}. */
export interface CreateRedisOptions {
  /**
   * `worker`: BullMQ queues and workers, and anything that should wait out an outage. Commands wait
   * until Redis is back (`maxRetriesPerRequest: null`, which BullMQ requires).
   * `client`: the request path (gateway, stores). A command fails after
   * 5 reconnect attempts (about 3 s) instead of hanging a chat.
   * Required.
   */
  role: RedisRole;
  /** Where connection state changes are logged (the URL with its password hidden). Default: not logged. */
  log?: Logger;
  /** Connection name, set with CLIENT SETNAME (visible in CLIENT LIST) and added to log lines. Default: none. */
  name?: string;
  /**
   * Sends the commands issued in one event-loop tick as one pipeline. Default: `false`: ioredis 5
   * fails inside auto-pipelines that hold Lua scripts (`results[i] is not iterable`), and commands
   * sent without awaiting each other are written back to back anyway.
   */
  autoPipelining?: boolean;
}

/** Reconnect attempts a `client` command waits through before it fails (200+400+…+1000 ms ≈ 3 s). */
const CLIENT_MAX_RETRIES_PER_REQUEST = 5;

/** Delay before reconnect attempt `attempt` (1, 2, …): grows by 200 ms, capped at 2 s, forever. */
function reconnectDelayMs(attempt: number): number {
  return Math.min(attempt * 200, 2000);
}

/**
 * Opens an ioredis connection to `url` (`redis://[:password@]host:port[/db]` or `rediss://` for TLS).
 * It starts connecting at once; close it with `quit()`.
 *
 * @example
 * const redis = createRedis(url, { role: "worker", log, name: "saiga-engine" });
 * new Worker(queueName, process, { connection: redis, prefix: keys.queuePrefix() });
 */
export function createRedis(url: string, options: CreateRedisOptions): Redis {
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest: options.role === "worker" ? null : CLIENT_MAX_RETRIES_PER_REQUEST,
    enableReadyCheck: true,
    enableAutoPipelining: options.autoPipelining ?? false,
    retryStrategy: reconnectDelayMs,
    // After a failover the old primary answers READONLY: reconnect (DNS now names the new one) and resend.
    reconnectOnError: (error) => (error.message.startsWith("READONLY") ? 2 : false),
  };
  if (options.name !== undefined) redisOptions.connectionName = options.name;
  const redis = new Redis(url, redisOptions);
  watchConnection(redis, options.log, redisUrlForLog(url), options.name);
  return redis;
}

/** Logs connection state changes once each. Always listens to `error`: unheard, ioredis prints it. */
function watchConnection(redis: Redis, log: Logger | undefined, target: string, name?: string): void {
  const fields = name === undefined ? { redis: target } : { redis: target, connection: name };
  let everReady = false;
  let down = false;
  let downSince = 0;
  let lastError: string | undefined;
  redis.on("error", (error: Error) => {
    lastError = error.message;
    log?.debug({ ...fields, err: error.message }, "Redis connection error");
  });
  redis.on("ready", () => {
    if (!everReady) log?.info(fields, "connected to Redis");
    else if (down) log?.info({ ...fields, downMs: Date.now() - downSince }, "reconnected to Redis");
    everReady = true;
    down = false;
    lastError = undefined;
  });
  // `close` comes before both `reconnecting` and `end`; only they tell a lost connection from quit().
  redis.on("reconnecting", (delayMs: number) => {
    if (down) {
      log?.debug({ ...fields, delayMs, err: lastError }, "still reconnecting to Redis");
      return;
    }
    down = true;
    downSince = Date.now();
    log?.warn(
      { ...fields, err: lastError },
      everReady
        ? "lost the connection to Redis; reconnecting every ≤2 s until it is back"
        : "cannot reach Redis yet; retrying every ≤2 s (check REDIS_URL and that Redis runs)",
    );
  });
  redis.on("end", () => {
    if (everReady) log?.info(fields, "closed the Redis connection");
  });
}
