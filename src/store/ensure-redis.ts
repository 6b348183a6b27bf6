// Decides which Redis a saiga process uses: the configured REDIS_URL, else a Redis on this machine
// (127.0.0.1:6379), else, where allowed, a private redis-server under <dataDir>/redis. So a single
// machine needs no Redis set-up at all, and a scaled-out one only REDIS_URL (one server, a
// Cluster or Sentinel: see parseRedisUrl).
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../log/index.js";
import { checkEvictionPolicy } from "./check-eviction-policy.js";
import { pingRedis } from "./ping-redis.js";
import { RedisAuthError, RedisUnavailableError } from "./redis-setup-errors.js";
import { redisUrlForLog } from "./redis-url-for-log.js";
import { parseRedisUrl, type RedisTarget } from "./redis-url.js";
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
 * @throws {InvalidRedisUrlError} the configured URL is none of the accepted forms.
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
 * may start after saiga (docker compose), and saiga's connections wait for it. A Cluster gets the
 * check on every master, a Sentinel URL on the master the sentinels name.
 */
async function checkReachable(url: string, log: Logger): Promise<void> {
  const target = parseRedisUrl(url);
  if (target.kind === "cluster") {
    await checkCluster(url, target, log);
    return;
  }
  const options: RedisOptions =
    target.kind === "single"
      ? {}
      : {
          sentinels: target.sentinels,
          name: target.masterName,
          db: target.db,
          sentinelRetryStrategy: () => null,
          ...credentialsOf(target),
          ...(target.sentinelPassword === undefined ? {} : { sentinelPassword: target.sentinelPassword }),
          ...(target.tls ? { enableTLSForSentinelMode: true } : {}),
        };
  const probe = await probeOnce(target.kind === "single" ? url : null, options, url, log);
  if (probe === null) return;
  try {
    await checkEvictionPolicy(probe, log);
  } finally {
    probe.disconnect();
  }
}

/** Probes the startup nodes until one answers, then checks the eviction policy of each master. */
async function checkCluster(
  url: string,
  target: Extract<RedisTarget, { kind: "cluster" }>,
  log: Logger,
): Promise<void> {
  let masters: { host: string; port: number }[] | null = null;
  for (const node of target.nodes) {
    const probe = await probeOnce(null, { ...node, ...credentialsOf(target) }, url, log, false);
    if (probe === null) continue;
    try {
      masters = mastersOf(String(await probe.call("CLUSTER", "NODES")));
    } catch (error) {
      log.warn(
        { redis: redisUrlForLog(url), err: (error as Error).message },
        "the Redis of a redis+cluster:// URL does not answer CLUSTER NODES; is it a Cluster? Skipping the eviction check",
      );
      return;
    } finally {
      probe.disconnect();
    }
    break;
  }
  if (masters === null) {
    log.warn(
      { redis: redisUrlForLog(url) },
      "no node of the Redis Cluster is reachable yet; continuing, connections retry until it is",
    );
    return;
  }
  for (const master of masters) {
    const probe = await probeOnce(null, { ...master, ...credentialsOf(target) }, url, log);
    if (probe === null) continue;
    try {
      await checkEvictionPolicy(probe, log.child({ node: `${master.host}:${master.port}` }));
    } finally {
      probe.disconnect();
    }
  }
}

/** The masters (host:port) listed by CLUSTER NODES that are not marked failed. */
function mastersOf(clusterNodes: string): { host: string; port: number }[] {
  return clusterNodes
    .split("\n")
    .map((line) => line.split(" "))
    .filter((fields) => fields[2]?.split(",").includes("master") && !fields[2].includes("fail"))
    .flatMap((fields) => {
      // `ip:port@cport[,hostname]`
      const address = /^(.*):(\d+)@/.exec(fields[1] ?? "");
      return address === null ? [] : [{ host: address[1]!, port: Number(address[2]) }];
    });
}

function credentialsOf(target: { username?: string; password?: string; tls: boolean }): RedisOptions {
  return {
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(target.tls ? { tls: {} } : {}),
  };
}

/**
 * One connection attempt with no retries: the connection, `null` when Redis is down (warned
 * about, unless `warnDown` is false), or a {@link RedisAuthError} when it refuses the credentials.
 */
async function probeOnce(
  singleUrl: string | null,
  options: RedisOptions,
  url: string,
  log: Logger,
  warnDown = true,
): Promise<Redis | null> {
  let lastError: Error | undefined;
  const probeOptions: RedisOptions = {
    ...options,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: PROBE_TIMEOUT_MS,
  };
  const probe = singleUrl === null ? new Redis(probeOptions) : new Redis(singleUrl, probeOptions);
  probe.on("error", (error: Error) => (lastError = error));
  try {
    await probe.connect();
    return probe;
  } catch (error) {
    probe.disconnect();
    const reason = lastError ?? (error as Error);
    if (/^(NOAUTH|WRONGPASS)/.test(reason.message)) {
      throw new RedisAuthError(
        `Redis at ${redisUrlForLog(url)} refused the credentials (${reason.message.split(".")[0]}): ` +
          "fix the password in REDIS_URL (redis://:PASSWORD@HOST:6379).",
        { cause: reason },
      );
    }
    if (warnDown) {
      log.warn(
        { redis: redisUrlForLog(url), err: reason.message },
        "Redis is not reachable yet; continuing, connections retry until it is",
      );
    }
    return null;
  }
}
