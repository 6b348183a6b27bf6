// `saiga start`: everything in one process on one machine. Today that is the Redis it needs
// (a private redis-server when REDIS_URL is unset and none answers on 127.0.0.1:6379) and an
// engine worker; the Telegram gateway joins it with the bot milestone.
import { Command } from "commander";
import { serveEngine } from "../serve-engine.js";

export function startCommand(): Command {
  return new Command("start")
    .description(
      "Run everything in one process: Redis (a private redis-server under <dataDir>/redis when\n" +
        "REDIS_URL is unset and nothing answers on 127.0.0.1:6379) and an engine worker.\n" +
        "SIGTERM/SIGINT: finish running answers, stop the private Redis, exit.",
    )
    .action((_options: unknown, command: Command) => serveEngine(command, true));
}
