// Assembles the grammY bot: transport settings (any Bot API server, 429/5xx retried with
// auto-retry), then the middleware in order: one update per chat at a time, duplicates dropped,
// then inside one error boundary: context, bans, the access policy, the builder's plugins,
// commands, buttons, text, everything else.
import { autoRetry } from "@grammyjs/auto-retry";
import { sequentialize } from "@grammyjs/runner";
import { Bot, type Context, type Middleware } from "grammy";
import type { SaigaContext } from "./bot-context.js";
import type { BotServices } from "./bot-services.js";
import { conversationOfContext } from "./conversation-id.js";
import { countRateLimits } from "./count-rate-limits.js";
import { abCommands } from "./commands/ab-commands.js";
import { accessCommands } from "./commands/access-commands.js";
import { adminCommands } from "./commands/admin-commands.js";
import { checkMenuCommands, type MenuCommand } from "./commands/command-menus.js";
import { modelChoiceCommands } from "./commands/model-choice-commands.js";
import { privacyCommands } from "./commands/privacy-commands.js";
import { userCommands } from "./commands/user-commands.js";
import { answerButtons } from "./handlers/answer-buttons.js";
import { nonTextMessages } from "./handlers/non-text-message.js";
import { textMessages } from "./handlers/text-message.js";
import { accessPolicy } from "./middleware/access-policy.js";
import { dropBannedUsers } from "./middleware/drop-banned-users.js";
import { logHandlerError } from "./middleware/log-handler-error.js";
import { saigaContext } from "./middleware/saiga-context.js";
import { skipHandledUpdates } from "./middleware/skip-handled-updates.js";

/** Options of {@link createSaigaBot} and `runGateway`: what a builder adds to the standard bot. */
export interface SaigaBotOptions<C extends SaigaContext = SaigaContext> {
  /**
   * Your middleware: composers, grammY plugins, functions, in order. They see every update after
   * `ctx.saiga` is set up and banned users (and those `access.policy` refuses) are dropped, and
   * before the standard commands and handlers, so your `/dice` wins over the text handler, and what you pass on with `next()` (a
   * `Composer`'s unmatched updates) gets the standard features. An error they throw takes the
   * bot's one error path (logged with the update id; the update counts as handled). Default: none.
   */
  plugins?: Middleware<C>[];
  /** Menu entries for your plugins' commands, shown next to the standard ones. Default: none. */
  commands?: MenuCommand[];
}

/**
 * Creates the bot (not started: `runGateway` starts it, or hand it to a runner of your own).
 *
 * ```ts
 * const dice = new Composer<SaigaContext>();
 * dice.command("dice", (ctx) => ctx.replyWithDice());
 * const bot = createSaigaBot(services, { plugins: [dice] });
 * ```
 */
export function createSaigaBot<C extends SaigaContext = SaigaContext>(
  services: BotServices,
  options: SaigaBotOptions<C> = {},
): Bot<C> {
  const { config, log } = services;
  const menuCommands = options.commands ?? [];
  checkMenuCommands(menuCommands);
  const bot = new Bot<C>(config.telegram.token, {
    client: { apiRoot: config.telegram.apiRoot.replace(/\/+$/, "") },
  });
  // Every 429 is counted (metrics), also those auto-retry retries: installed first, it is innermost.
  bot.api.config.use(countRateLimits());
  // Flood limits (429 with retry_after) and server errors are waited out, not turned into lost answers.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 10, maxDelaySeconds: 120, rethrowHttpErrors: false }));

  // Two updates of one conversation (chat or forum topic) never interleave (the order of a burst
  // is the order of the history).
  bot.use(sequentialize((ctx: Context) => conversationOfContext(ctx) || undefined));
  bot.use(skipHandledUpdates(services));
  // Inside the boundary a handler's error ends its update, which then counts as handled (see
  // log-handler-error.ts); outside it (the dedupe check) a failure leaves the update to run again.
  const handlers = bot.errorBoundary(logHandlerError(log));
  // Edited messages are not questions: an edit must not be answered a second time.
  const main = handlers.drop((ctx) => ctx.editedMessage !== undefined || ctx.editedChannelPost !== undefined);
  main.use(saigaContext(services));
  main.use(dropBannedUsers);
  main.use(accessPolicy(services)); // access.policy: who else is answered at all
  main.use(...(options.plugins ?? []));
  main.use(adminCommands(menuCommands));
  main.use(accessCommands(services));
  main.use(userCommands());
  main.use(privacyCommands());
  main.use(modelChoiceCommands());
  main.use(abCommands()); // before the answer buttons: it looks at each vote after they store it
  main.use(answerButtons());
  main.use(textMessages());
  main.use(nonTextMessages());
  main.on("callback_query", (ctx) => ctx.answerCallbackQuery()); // stale or foreign buttons: stop the spinner

  // Only `bot.start()` calls it (the gateway's runner and webhook do not): the same log line.
  bot.catch(logHandlerError(log));
  return bot;
}
