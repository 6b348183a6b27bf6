// Wires a whole gateway on a role's runtime: the bot and its services, the command menus, the
// delivery worker, and updates by long polling or webhook. Used by `saiga gateway` and `saiga start`.
import { GrammyError, HttpError, type Bot } from "grammy";
import { SaigaError } from "../../errors/saiga-error.js";
import type { ServiceRuntime } from "../../service/service-runtime.js";
import { AdapterRegistry } from "../../training/adapter-registry.js";
import { TrainingQueue } from "../../training/training-queue.js";
import type { SaigaContext } from "../bot-context.js";
import type { BotServices } from "../bot-services.js";
import { registerCommandMenus } from "../commands/command-menus.js";
import { createSaigaBot } from "../create-saiga-bot.js";
import { DeliveryQueue } from "../delivery/delivery-queue.js";
import { DeliveryWorker } from "../delivery/delivery-worker.js";
import { startDurablePolling } from "./durable-polling.js";
import { UpdateInbox } from "./update-inbox.js";
import { startWebhookServer } from "./webhook-server.js";

/** A running gateway. */
export interface RunningGateway {
  /** The bot's @username. */
  username: string;
  /** Stops taking updates, abandons deliveries to whoever takes them over. Idempotent. */
  close(): Promise<void>;
}

/** The bot's services on a role's runtime. */
export function botServicesOf(runtime: ServiceRuntime): BotServices {
  const { config, log, redis, keys } = runtime;
  const deliveries = new DeliveryQueue(redis, keys);
  const training = new TrainingQueue(redis, keys);
  runtime.onClose(() => Promise.all([deliveries.close(), training.close()]));
  return {
    config,
    log,
    redis,
    keys,
    store: runtime.chats,
    generation: runtime.generation,
    deliveries,
    limits: runtime.limits,
    feedback: runtime.feedback,
    records: runtime.records,
    dedupe: runtime.dedupe,
    training,
    registry: AdapterRegistry.fromConfig(config, redis, keys, log),
  };
}

/** Starts the Telegram gateway on `runtime`'s Redis. */
export async function runGateway(runtime: ServiceRuntime): Promise<RunningGateway> {
  const { config, log, redis, keys } = runtime;
  const services = botServicesOf(runtime);
  const bot = createSaigaBot(services);
  let worker: DeliveryWorker | undefined;
  let stopUpdates: (() => Promise<void>) | undefined;
  const shutDown = async () => {
    await stopUpdates?.();
    await worker?.close();
  };
  try {
    await initBot(bot, config.telegram.apiRoot);
    await registerCommandMenus(bot.api, log);
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
  } catch (error) {
    // A refused token or an unreachable server: leave nothing running (the caller closes the runtime).
    await shutDown();
    throw error;
  }
  log.info({ bot: bot.botInfo.username, mode: config.telegram.mode }, "telegram gateway running");

  let closing: Promise<void> | undefined;
  return {
    username: bot.botInfo.username,
    close() {
      closing ??= shutDown();
      return closing;
    },
  };
}

/** getMe, with the two ways it fails at start-up said plainly. */
async function initBot(bot: Bot<SaigaContext>, apiRoot: string): Promise<void> {
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
