// `saiga engine`: an inference worker. Loads the model once and serves generation jobs from
// Redis until SIGTERM/SIGINT, which lets running answers finish (a second signal aborts them
// and hands their jobs back to the queue).
import { Command } from "commander";
import { serveRoles } from "../serve-roles.js";

export function engineCommand(): Command {
  return new Command("engine")
    .description(
      "Run an inference worker: load the model once and answer generation jobs from Redis.\n" +
        "Run one per GPU or host; every worker pointing at the same REDIS_URL shares the work.\n" +
        "SIGTERM/SIGINT: finish running answers, then exit (twice: abort them; the queue retries them elsewhere).",
    )
    .action((_options: unknown, command: Command) =>
      serveRoles(command, { engine: true, gateway: false, trainer: false, embeddedRedis: false }),
    );
}
