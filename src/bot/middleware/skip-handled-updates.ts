// Drops updates that were handled before: Telegram redelivers updates whose offset was not
// confirmed (a crash between fetching and confirming), and the polling inbox replays updates a
// crashed gateway had not finished. An update is marked only after it was handled, so a crash
// mid-way replays it; the handlers that matter are idempotent (a message's receipt), the rest
// (a command) at worst runs twice.
import type { Context, MiddlewareFn } from "grammy";
import type { BotServices } from "../bot-services.js";

export function skipHandledUpdates({ dedupe, log }: BotServices): MiddlewareFn<Context> {
  return async (ctx, next) => {
    const id = ctx.update.update_id;
    if (await dedupe.wasHandled(id)) {
      log.debug({ updateId: id }, "dropping a duplicate update");
      return;
    }
    await next();
    await dedupe.markHandled(id);
  };
}
