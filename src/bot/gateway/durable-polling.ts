// Long polling with @grammyjs/runner (updates handled concurrently, one chat at a time through
// `sequentialize`), made durable: every fetched batch goes into the Redis inbox before the next
// getUpdates call confirms it, and an update leaves the inbox only once it was handled. On start
// the previous gateway's unfinished updates are handled first.
import {
  createConcurrentSink,
  createRunner,
  createSource,
  createUpdateFetcher,
  type RunnerHandle,
} from "@grammyjs/runner";
import { BotError, type Bot, type Context } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "../../log/index.js";
import { ALLOWED_UPDATES } from "./allowed-updates.js";
import type { UpdateInbox } from "./update-inbox.js";

/** Tries per update before it is left in the inbox for the next start. */
const HANDLE_ATTEMPTS = 3;

/** Starts polling; `stop()` on the handle stops fetching and waits for the updates in hand. */
export async function startDurablePolling<C extends Context>(
  bot: Bot<C>,
  inbox: UpdateInbox,
  log: Logger,
): Promise<RunnerHandle> {
  await bot.init();
  // A webhook left over from another mode makes getUpdates fail with 409.
  await bot.api.deleteWebhook();
  let leftovers = await inbox.pending();
  if (leftovers.length > 0) {
    log.info({ updates: leftovers.length }, "handling updates a previous gateway did not finish");
  }
  const fetchUpdates = createUpdateFetcher(bot, {
    fetch: { timeout: 30, allowed_updates: [...ALLOWED_UPDATES] },
    silent: true,
  });
  const source = createSource({
    async supply(batchSize, signal) {
      if (leftovers.length > 0) {
        const batch = leftovers;
        leftovers = [];
        return batch;
      }
      const updates = await fetchUpdates(batchSize, signal);
      await keepUntilStored(inbox, updates, log, signal as unknown as AbortSignal);
      return updates;
    },
  });
  // Handled, then out of the inbox. A handler's error does not come here (the bot's error boundary
  // logs it and the update counts as handled); what does is a failure before the handlers ran
  // (the dedupe check in Redis): retried a few times, then left for the next start.
  const handleDurably = async (update: Update) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await bot.handleUpdate(update);
        await inbox.done(update.update_id);
        return;
      } catch (error) {
        log.error(
          { err: error instanceof BotError ? error.error : error, updateId: update.update_id, attempt },
          "update not handled; it will be handled again",
        );
        if (attempt >= HANDLE_ATTEMPTS) return; // stays in the inbox: handled again on the next start
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  };
  // After a crash Telegram sends again what the inbox already holds; one handling at a time.
  const inFlight = new Set<number>();
  const sink = createConcurrentSink<Update, unknown>(
    {
      async consume(update) {
        if (inFlight.has(update.update_id)) return;
        inFlight.add(update.update_id);
        try {
          await handleDurably(update);
        } finally {
          inFlight.delete(update.update_id);
        }
      },
    },
    async (error) => log.error({ err: error }, "update sink failed"),
  );
  const runner = createRunner(source, sink);
  runner.start();
  return runner;
}

/**
 * Writes the batch to the inbox, retrying while Redis is away: returning without it stored would
 * let the next getUpdates confirm updates that exist nowhere else.
 */
async function keepUntilStored(inbox: UpdateInbox, updates: Update[], log: Logger, signal: AbortSignal) {
  for (let delay = 100; ; delay = Math.min(delay * 2, 5000)) {
    try {
      await inbox.keep(updates);
      return;
    } catch (error) {
      log.warn({ err: error, updates: updates.length }, "could not store fetched updates; retrying");
      if (signal.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
