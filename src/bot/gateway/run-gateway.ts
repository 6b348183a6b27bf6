// Wires a whole gateway: Redis connections, the stores and queues, the bot, the command menus,
// the delivery worker, and updates by long polling or webhook. Used by `saiga gateway` and
// `saiga start`.
import { GrammyError, HttpError, type Bot } from "grammy";
import type { Config } from "../../config/index.js";
import type { Logger } from "../../log/index.js";
import { GenerationQueue } from "../../queue/generation-queue.js";
import { ChatStore } from "../../store/chat-store.js";
import { FeedbackStore } from "../../store/feedback-store.js";
import { GenerationRecords } from "../../store/generation-records.js";
import { createRedis } from "../../store/redis-connection.js";
import { RedisKeys } from "../../store/redis-keys.js";
import { UpdateDedupe } from "../../store/update-dedupe.js";
import { UserLimits } from "../../store/user-limits.js";
import { SaigaError } from "../../errors/saiga-error.js";
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
  /** Stops taking updates, abandons deliveries to whoever takes them over, closes connections. Idempotent. */
  close(): Promise<void>;
}

/** Starts the Telegram gateway against the Redis at `redisUrl`. */
export async function runGateway(config: Config, redisUrl: string, log: Logger): Promise<RunningGateway> {
  // "worker" role: the gateway waits out a Redis restart instead of failing every update.
  const redis = createRedis(redisUrl, { role: "worker", log, name: "gateway" });
  const connection = createRedis(redisUrl, { role: "worker", log, name: "gateway-deliveries" });
  const keys = new RedisKeys(config.redis.prefix);
  const store = ChatStore.fromConfig(config, redis, keys, log);
  const queue = new GenerationQueue({
    redis,
    keys,
    store,
    attempts: config.queue.attempts,
    backoffMs: config.queue.backoffMs,
  });
  const deliveries = new DeliveryQueue(redis, keys);
  const training = new TrainingQueue(redis, keys);
  const services: BotServices = {
    config,
    log,
    redis,
    keys,
    store,
    queue,
    deliveries,
    limits: UserLimits.fromConfig(config, redis, keys),
    feedback: new FeedbackStore({ redis, keys, log }),
    records: new GenerationRecords({ redis, keys, ttlSeconds: config.history.idleTtlSeconds, log }),
    dedupe: new UpdateDedupe({ redis, keys, dedupeTtlSeconds: config.limits.dedupeTtlSeconds }),
    training,
    registry: AdapterRegistry.fromConfig(config, redis, keys, log),
  };
  const bot = createSaigaBot(services);
  let worker: DeliveryWorker | undefined;
  let stopUpdates: (() => Promise<void>) | undefined;
  const shutDown = async () => {
    await stopUpdates?.();
    await worker?.close();
    await Promise.all([queue.close(), deliveries.close(), training.close()]);
    await Promise.all([redis.quit().catch(() => undefined), connection.quit().catch(() => undefined)]);
  };
  try {
    await initBot(bot, config.telegram.apiRoot);
    await registerCommandMenus(bot.api, log);
    worker = new DeliveryWorker({ api: bot.api, connection, redis, keys, generation: queue, config, log });
    await worker.waitUntilReady();
    if (config.telegram.mode === "webhook") {
      const server = await startWebhookServer(bot, config.telegram.webhook, log);
      stopUpdates = () => server.close();
    } else {
      const runner = await startDurablePolling(bot, new UpdateInbox(redis, keys, log), log);
      stopUpdates = () => runner.stop();
    }
  } catch (error) {
    // A refused token or an unreachable server: leave nothing open that would keep the process alive.
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
