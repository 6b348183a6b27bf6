// Operator commands act on a running installation: they use the configured Redis (or the one on
// 127.0.0.1), never start a private one, and close their connection when done. A Redis that
// cannot be reached or read is one clear line, not a stack trace.
import type { Config } from "../config/index.js";
import { SaigaError } from "../errors/saiga-error.js";
import type { Logger } from "../log/index.js";
import { createServiceRuntime, type ServiceRuntime } from "../service/service-runtime.js";
import { ensureRedis } from "../store/ensure-redis.js";
import { redisUrlForLog } from "../store/redis-url-for-log.js";

export async function withRedis<T>(
  config: Config,
  log: Logger,
  name: string,
  body: (runtime: ServiceRuntime) => Promise<T>,
): Promise<T> {
  const { url } = await ensureRedis({
    configuredUrl: config.redis.url,
    dataDir: config.dataDir,
    log,
    embedded: false,
  });
  const runtime = createServiceRuntime(config, url, log, { name, role: "client" });
  try {
    const result = await body(runtime);
    await runtime.close();
    return result;
  } catch (error) {
    runtime.redis.disconnect();
    if (error instanceof SaigaError) throw error;
    throw new SaigaError(
      "REDIS_UNREADABLE",
      `Could not work with Redis at ${redisUrlForLog(url)}: ${(error as Error).message.replace(/\.$/, "")}. ` +
        "Check REDIS_URL and that Redis runs.",
      { cause: error },
    );
  }
}
