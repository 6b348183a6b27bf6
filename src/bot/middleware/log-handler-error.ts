// The one error path of the bot's handlers, the same under long polling (@grammyjs/runner) and
// webhooks (neither calls `bot.catch`): `createSaigaBot` puts every handler, the builder's plugins
// included, inside `bot.errorBoundary(logHandlerError(log))`. A handler that throws is logged once
// with its update id, and the update then counts as handled (marked in the dedupe set, out of the
// polling inbox, answered 200 to a webhook): after auto-retry has waited out 429s, 5xx and network
// failures, what is left is a bug or a final refusal, which running the update again would only
// repeat forever. A process that dies mid-way still replays the update, since nothing marked it.
import type { BotError, Context } from "grammy";
import type { Logger } from "../../log/index.js";

/** The error handler of the handlers' error boundary (and of `bot.catch`, for `bot.start()`). */
export function logHandlerError(log: Logger): (error: BotError<Context>) => void {
  return (error) => {
    const { update } = error.ctx;
    log.error(
      {
        err: error.error,
        updateId: update.update_id,
        chatId: error.ctx.chat?.id,
        kind: Object.keys(update).find((key) => key !== "update_id"),
      },
      "an update handler failed; the update counts as handled",
    );
  };
}
