// `saiga start`: everything in one process on one machine: the Redis it needs (a private
// redis-server when REDIS_URL is unset and none answers on 127.0.0.1:6379), an engine worker,
// the Telegram gateway (when BOT_TOKEN is set), the training schedule, and the trainer (when
// training.python can import PyTorch).
import { Command } from "commander";
import { serveRoles } from "../serve-roles.js";

export function startCommand(): Command {
  return new Command("start")
    .description(
      "Run everything in one process: Redis (a private redis-server under <dataDir>/redis when\n" +
        "REDIS_URL is unset and nothing answers on 127.0.0.1:6379), an engine worker, and the\n" +
        "Telegram gateway (when BOT_TOKEN is set; without it only the engine runs), the training\n" +
        "schedule, the trainer (when training.python can import PyTorch), and the OpenAI-compatible\n" +
        "HTTP API (when api.enabled; see `saiga api --help`).\n" +
        "SIGTERM/SIGINT: stop taking updates, finish running answers, stop the private Redis, exit.",
    )
    .action((_options: unknown, command: Command) =>
      serveRoles(command, {
        engine: true,
        gateway: "optional",
        trainer: "optional",
        api: "if-enabled",
        embeddedRedis: true,
      }),
    );
}
