// Errors of finding or starting Redis. Each has a stable `code`; messages say what to do next,
// in one line, because the CLI prints them as they are.
import { SaigaError } from "../errors/saiga-error.js";

/** Base class of the Redis set-up errors. */
export class RedisSetupError extends SaigaError {
  override name = "RedisSetupError";
}

/** An embedded Redis was wanted, but there is no `redis-server` on PATH. */
export class RedisServerNotFoundError extends RedisSetupError {
  override name = "RedisServerNotFoundError";
  constructor() {
    super(
      "REDIS_SERVER_NOT_FOUND",
      "redis-server is not installed: install it (Debian/Ubuntu: apt-get install redis-server, macOS: brew install redis) or set REDIS_URL to a running Redis.",
    );
  }
}

/** The embedded `redis-server` exited or did not answer PING in time; the message carries its log tail. */
export class EmbeddedRedisStartError extends RedisSetupError {
  override name = "EmbeddedRedisStartError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("EMBEDDED_REDIS_START_FAILED", message, options);
  }
}

/** Another live `redis-server`, started by another saiga process, already uses the data directory. */
export class RedisDataDirInUseError extends RedisSetupError {
  override name = "RedisDataDirInUseError";
  constructor(dir: string, pid: number, port: number) {
    super(
      "REDIS_DATA_DIR_IN_USE",
      `${dir} is used by the embedded Redis of another running saiga process (redis-server pid ${pid}): ` +
        `set REDIS_URL=redis://127.0.0.1:${port} to share it, or use another dataDir.`,
    );
  }
}

/** No Redis is configured, none answers on 127.0.0.1, and an embedded one is not allowed. */
export class RedisUnavailableError extends RedisSetupError {
  override name = "RedisUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("REDIS_UNAVAILABLE", message, options);
  }
}

/** Redis refused the credentials (NOAUTH, WRONGPASS): retrying will not help, the URL must change. */
export class RedisAuthError extends RedisSetupError {
  override name = "RedisAuthError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("REDIS_AUTH_FAILED", message, options);
  }
}
