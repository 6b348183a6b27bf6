// Assembles the grammY bot: transport settings (any Bot API server, 429/5xx retried with
// auto-retry), then the middleware in order: one update per chat at a time, duplicates dropped,
// context, bans, commands, buttons, text, everything else.
import { autoRetry } from "@grammyjs/auto-retry";
import { sequentialize } from "@grammyjs/runner";
import { Bot, type Context } from "grammy";
import type { SaigaContext } from "./bot-context.js";
import type { BotServices } from "./bot-services.js";
import { adminCommands } from "./commands/admin-commands.js";
import { userCommands } from "./commands/user-commands.js";
import { answerButtons } from "./handlers/answer-buttons.js";
import { nonTextMessages } from "./handlers/non-text-message.js";
import { textMessages } from "./handlers/text-message.js";
import { dropBannedUsers } from "./middleware/drop-banned-users.js";
import { saigaContext } from "./middleware/saiga-context.js";
import { skipHandledUpdates } from "./middleware/skip-handled-updates.js";

/** Creates the bot (not started: see the gateway). */
export function createSaigaBot(services: BotServices): Bot<SaigaContext> {
  const { config, log } = services;
  const bot = new Bot<SaigaContext>(config.telegram.token, {
    client: { apiRoot: config.telegram.apiRoot.replace(/\/+$/, "") },
  });
  // Flood limits (429 with retry_after) and server errors are waited out, not turned into lost answers.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 10, maxDelaySeconds: 120, rethrowHttpErrors: false }));

  // Two updates of one chat never interleave (the order of a burst is the order of the history).
  bot.use(sequentialize((ctx: Context) => ctx.chat?.id.toString() ?? ctx.from?.id.toString()));
  bot.use(skipHandledUpdates(services));
  // Edited messages are not questions: an edit must not be answered a second time.
  const main = bot.drop((ctx) => ctx.editedMessage !== undefined || ctx.editedChannelPost !== undefined);
  main.use(saigaContext(services));
  main.use(dropBannedUsers);
  main.use(adminCommands());
  main.use(userCommands());
  main.use(answerButtons());
  main.use(textMessages());
  main.use(nonTextMessages());
  main.on("callback_query", (ctx) => ctx.answerCallbackQuery()); // stale or foreign buttons: stop the spinner

  bot.catch((error) => {
    log.error({ err: error.error, updateId: error.ctx.update.update_id }, "update handling failed");
  });
  return bot;
}
