// `saiga gateway`: Telegram only. Receives updates (long polling, or a webhook for several
// gateways), enqueues questions, and streams the answers that engines write back into the chats.
import { Command } from "commander";
import { serveRoles } from "../serve-roles.js";

export function gatewayCommand(): Command {
  return new Command("gateway")
    .description(
      "Run the Telegram gateway: take updates (telegram.mode polling, or webhook at telegram.webhook.url),\n" +
        "enqueue questions, deliver streamed answers. Needs BOT_TOKEN and engines on the same REDIS_URL.\n" +
        "Stateless: run several behind a webhook; a gateway that dies loses nothing (another takes over).\n" +
        "SIGTERM/SIGINT: stop taking updates and exit; answers being delivered are taken over by the next gateway.",
    )
    .action((_options: unknown, command: Command) =>
      serveRoles(command, { engine: false, gateway: "required", trainer: false, embeddedRedis: false }),
    );
}
