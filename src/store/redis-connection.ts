// Opens the Redis connections of saiga-bot, configured for what each is used for, so that a Redis
// restart is survived everywhere: connections reconnect forever with a capped backoff, and each
// connection logs one line per state change (not one per failed attempt). The URL picks the
// layout: one server, a Redis Cluster or a Sentinel-watched master (see parseRedisUrl).
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import type { Logger } from "../log/index.js";
import { redisUrlForLog } from "./redis-url-for-log.js";
import { parseRedisUrl, type RedisTarget } from "./redis-url.js";

/**
 * A connection of any layout. Both run the same commands, scripts, MULTI and pub/sub, and
 * `duplicate()` gives one of the same kind; on a Cluster every script and MULTI must touch keys
 * of one slot (redis-keys.ts gives them one hash tag). BullMQ takes either as `connection`.
 */
export type RedisConnection = Redis | Cluster;

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
 * Cluster redirections (MOVED, CLUSTERDOWN, a closed node during failover) a command goes through
 * before it fails, each after {@link CLUSTER_RETRY_DELAY_MS}: `worker` commands wait out a failover
 * (about 60 s; Redis takes cluster-node-timeout, default 15 s, to promote a replica), `client` ones
 * about 3 s, as on one server.
 */
const CLUSTER_MAX_REDIRECTIONS = { worker: 200, client: 16 } as const;
const CLUSTER_RETRY_DELAY_MS = 300;

/**
 * Opens an ioredis connection to `url`: `redis://[:password@]host:port[/db]` (`rediss://` for TLS),
 * `redis+cluster://[:password@]h1:p1,h2:p2` for a Redis Cluster, or
 * `redis+sentinel://[:password@]h1:p1,h2:p2/masterName[/db]` for a master found through Sentinel.
 * It starts connecting at once; close it with `quit()`.
 *
 * @throws {InvalidRedisUrlError} `url` is none of those forms.
 * @example
 * const redis = createRedis(url, { role: "worker", log, name: "saiga-engine" });
 * new Worker(queueName, process, { connection: redis, prefix: keys.queuePrefix() });
 */
export function createRedis(url: string, options: CreateRedisOptions): RedisConnection {
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest: options.role === "worker" ? null : CLIENT_MAX_RETRIES_PER_REQUEST,
    enableReadyCheck: true,
    enableAutoPipelining: options.autoPipelining ?? false,
    retryStrategy: reconnectDelayMs,
    // After a failover the old primary answers READONLY: reconnect (DNS now names the new one) and resend.
    reconnectOnError: (error) => (error.message.startsWith("READONLY") ? 2 : false),
  };
  if (options.name !== undefined) redisOptions.connectionName = options.name;
  const target = parseRedisUrl(url);
  const redis =
    target.kind === "cluster"
      ? new Cluster(target.nodes, clusterOptions(target, redisOptions, options))
      : target.kind === "sentinel"
        ? new Redis({ ...redisOptions, ...sentinelOptions(target) })
        : new Redis(url, redisOptions);
  watchConnection(redis, options.log, redisUrlForLog(url), options.name);
  return redis;
}

/** Cluster options: the same reconnect policy for the cluster, and the node options for each node. */
function clusterOptions(
  target: Extract<RedisTarget, { kind: "cluster" }>,
  redisOptions: RedisOptions,
  options: CreateRedisOptions,
): ClusterOptions {
  const { retryStrategy: _perNode, enableAutoPipelining, enableReadyCheck, ...nodeOptions } = redisOptions;
  return {
    clusterRetryStrategy: reconnectDelayMs,
    enableReadyCheck,
    enableAutoPipelining,
    maxRedirections: CLUSTER_MAX_REDIRECTIONS[options.role],
    retryDelayOnFailover: CLUSTER_RETRY_DELAY_MS,
    retryDelayOnClusterDown: CLUSTER_RETRY_DELAY_MS,
    retryDelayOnTryAgain: CLUSTER_RETRY_DELAY_MS,
    redisOptions: {
      ...nodeOptions,
      ...(target.username === undefined ? {} : { username: target.username }),
      ...(target.password === undefined ? {} : { password: target.password }),
      ...(target.tls ? { tls: {} } : {}),
    },
  };
}

/** Sentinel options: ioredis asks the sentinels for the master, again after every reconnect. */
function sentinelOptions(target: Extract<RedisTarget, { kind: "sentinel" }>): RedisOptions {
  return {
    sentinels: target.sentinels,
    name: target.masterName,
    db: target.db,
    sentinelRetryStrategy: reconnectDelayMs,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(target.sentinelPassword === undefined ? {} : { sentinelPassword: target.sentinelPassword }),
    ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
  };
}

/** Logs connection state changes once each. Always listens to `error`: unheard, ioredis prints it. */
function watchConnection(
  redis: RedisConnection,
  log: Logger | undefined,
  target: string,
  name?: string,
): void {
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
