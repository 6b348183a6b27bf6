// Wires a whole gateway on a role's runtime: the bot (with the builder's plugins) and its
// services, the command menus, the delivery worker, and updates by long polling or webhook. Used
// by `saiga gateway` and `saiga start`, and by bots built on the framework (examples/).
import { GrammyError, HttpError, type Bot, type Context } from "grammy";
import { SaigaError } from "../../errors/saiga-error.js";
import { GatewayPresence } from "../../service/gateway-presence.js";
import type { ServiceRuntime } from "../../service/service-runtime.js";
import type { SaigaContext } from "../bot-context.js";
import { botServicesOf } from "../bot-services.js";
import { registerCommandMenus } from "../commands/command-menus.js";
import { createSaigaBot, type SaigaBotOptions } from "../create-saiga-bot.js";
import { DeliveryWorker } from "../delivery/delivery-worker.js";
import { startDurablePolling } from "./durable-polling.js";
import { UpdateInbox } from "./update-inbox.js";
import { startWebhookServer } from "./webhook-server.js";

/** A running gateway. */
export interface RunningGateway<C extends SaigaContext = SaigaContext> {
  /** The bot's @username. */
  username: string;
  /** The bot, for calls of your own (`gateway.bot.api.sendMessage(…)`). */
  bot: Bot<C>;
  /** Stops taking updates, abandons deliveries to whoever takes them over. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the Telegram gateway on `runtime`'s Redis: the standard bot plus `options` (your
 * plugins and their menu entries).
 *
 * ```ts
 * const gateway = await runGateway(runtime, { plugins: [dice], commands: [diceMenuEntry] });
 * ```
 */
export async function runGateway<C extends SaigaContext = SaigaContext>(
  runtime: ServiceRuntime,
  options: SaigaBotOptions<C> = {},
): Promise<RunningGateway<C>> {
  const { config, log, redis, keys } = runtime;
  const services = botServicesOf(runtime);
  const bot = createSaigaBot(services, options);
  let worker: DeliveryWorker | undefined;
  let stopUpdates: (() => Promise<void>) | undefined;
  // Seen by the dashboard's overview while it runs.
  const presence = new GatewayPresence(
    redis,
    keys,
    () => ({ bot: bot.botInfo.username, mode: config.telegram.mode }),
    log,
  );
  const shutDown = async () => {
    await presence.stop();
    await stopUpdates?.();
    await worker?.close();
  };
  try {
    await initBot(bot, config.telegram.apiRoot);
    await registerCommandMenus(bot.api, log, options.commands);
    worker = new DeliveryWorker({
      api: bot.api,
      connection: runtime.blockingConnection("deliveries"),
      redis,
      keys,
      generation: services.generation,
      config,
      log,
    });
    await worker.waitUntilReady();
    if (config.telegram.mode === "webhook") {
      const server = await startWebhookServer(bot, config.telegram.webhook, log);
      stopUpdates = () => server.close();
    } else {
      const runner = await startDurablePolling(bot, new UpdateInbox(redis, keys, log), log);
      stopUpdates = () => runner.stop();
    }
    await presence.start();
  } catch (error) {
    // A refused token or an unreachable server: leave nothing running (the caller closes the runtime).
    await shutDown();
    throw error;
  }
  log.info({ bot: bot.botInfo.username, mode: config.telegram.mode }, "telegram gateway running");

  let closing: Promise<void> | undefined;
  return {
    username: bot.botInfo.username,
    bot,
    close() {
      closing ??= shutDown();
      return closing;
    },
  };
}

/** getMe, with the two ways it fails at start-up said plainly. */
async function initBot<C extends Context>(bot: Bot<C>, apiRoot: string): Promise<void> {
  try {
    await bot.init();
  } catch (error) {
    if (error instanceof GrammyError && (error.error_code === 401 || error.error_code === 404)) {
      throw new SaigaError(
        "BOT_TOKEN_REFUSED",
        `the Bot API at ${apiRoot} refused the bot token (${error.error_code} ${error.description}): check BOT_TOKEN (from @BotFather)`,
        { cause: error },
      );
    }
    if (error instanceof HttpError) {
      throw new SaigaError(
        "BOT_API_UNREACHABLE",
        `cannot reach the Bot API at ${apiRoot}: ${error.message}`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}
