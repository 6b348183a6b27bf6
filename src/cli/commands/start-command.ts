// `saiga start`: everything in one process on one machine. Today that is the Redis it needs
// (a private redis-server when REDIS_URL is unset and none answers on 127.0.0.1:6379) and an
// engine worker; the Telegram gateway joins it with the bot milestone.
import { Command } from "commander";
import { runEngineWorker } from "../../engine/run-engine-worker.js";
import { ensureRedis } from "../../store/ensure-redis.js";
import { startCli } from "../cli-runtime.js";
import { untilShutdownSignal } from "../until-shutdown-signal.js";

export function startCommand(): Command {
  return new Command("start")
    .description(
      "Run everything in one process: Redis (a private redis-server under <dataDir>/redis when\n" +
        "REDIS_URL is unset and nothing answers on 127.0.0.1:6379) and an engine worker.\n" +
        "SIGTERM/SIGINT: finish running answers, stop the private Redis, exit.",
    )
    .action(async (_options: unknown, command: Command) => {
      const { config, log } = startCli(command);
      const redis = await ensureRedis({
        configuredUrl: config.redis.url,
        dataDir: config.dataDir,
        log,
        embedded: true,
      });
      try {
        const running = await runEngineWorker(config, redis.url, log);
        await untilShutdownSignal(log, (force) => running.close(force));
      } finally {
        await redis.embedded?.stop();
      }
    });
}
