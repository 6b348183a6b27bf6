// What the bot's handlers use: the stores and queues of the pipeline, the configuration and the
// log. Built once per gateway process by `createGatewayServices` and shared by every update.
import type { Redis } from "ioredis";
import type { Config } from "../config/index.js";
import type { Logger } from "../log/index.js";
import type { GenerationClient } from "../service/generation-client.js";
import type { ChatStore } from "../store/chat-store.js";
import type { FeedbackStore } from "../store/feedback-store.js";
import type { GenerationRecords } from "../store/generation-records.js";
import type { RedisKeys } from "../store/redis-keys.js";
import type { UpdateDedupe } from "../store/update-dedupe.js";
import type { UserLimits } from "../store/user-limits.js";
import type { AdapterRegistry } from "../training/adapter-registry.js";
import type { TrainingQueue } from "../training/training-queue.js";
import type { DeliveryQueue } from "./delivery/delivery-queue.js";

export interface BotServices {
  config: Config;
  log: Logger;
  redis: Redis;
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
