// What the bot's handlers use: the stores and queues of the pipeline, the configuration and the
// log. Built once per gateway process by `botServicesOf(runtime)` and shared by every update.
import type { RedisConnection } from "../store/redis-connection.js";
import type { Config } from "../config/index.js";
import type { Logger } from "../log/index.js";
import type { GenerationClient } from "../service/generation-client.js";
import type { ServiceRuntime } from "../service/service-runtime.js";
import type { ChatStore } from "../store/chat-store.js";
import type { FeedbackStore } from "../store/feedback-store.js";
import type { GenerationRecords } from "../store/generation-records.js";
import type { RedisKeys } from "../store/redis-keys.js";
import type { UpdateDedupe } from "../store/update-dedupe.js";
import type { UserLimits } from "../store/user-limits.js";
import { AdapterRegistry } from "../training/adapter-registry.js";
import { TrainingQueue } from "../training/training-queue.js";
import { DeliveryQueue } from "./delivery/delivery-queue.js";

/** The services of `ctx.saiga.services`. */
export interface BotServices {
  config: Config;
  log: Logger;
  redis: RedisConnection;
  keys: RedisKeys;
  store: ChatStore;
  generation: GenerationClient;
  limits: UserLimits;
  feedback: FeedbackStore;
  records: GenerationRecords;
  dedupe: UpdateDedupe;
  deliveries: DeliveryQueue;
  training: TrainingQueue;
  registry: AdapterRegistry;
}

/**
 * The bot's services on a role's runtime: its stores and generation client, plus the delivery and
 * training queues (closed with the runtime).
 */
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
