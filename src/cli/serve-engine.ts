// The body of `saiga engine` and `saiga start`: find (or, for start, run) Redis, serve generation
// jobs until SIGTERM/SIGINT, then shut down gracefully.
import type { Command } from "commander";
import { runEngineWorker } from "../engine/run-engine-worker.js";
import { ensureRedis } from "../store/ensure-redis.js";
import { startCli } from "./cli-runtime.js";
import { untilShutdownSignal } from "./until-shutdown-signal.js";

/**
 * Serves until a shutdown signal.
 * @param embeddedRedis start a private redis-server when REDIS_URL is unset and none answers locally
 */
export async function serveEngine(command: Command, embeddedRedis: boolean): Promise<void> {
  const { config, log } = startCli(command);
  const redis = await ensureRedis({
    configuredUrl: config.redis.url,
    dataDir: config.dataDir,
    log,
    embedded: embeddedRedis,
  });
  try {
    const running = await runEngineWorker(config, redis.url, log);
    await untilShutdownSignal(log, (force) => running.close(force));
  } finally {
    await redis.embedded?.stop();
  }
}
