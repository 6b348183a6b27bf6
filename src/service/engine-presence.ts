// Which engines are serving now: each engine process writes a heartbeat (its model, its active
// adapter, its capacity, its backend) to one Redis hash; channels read it to answer /health, to
// list models, to refuse requests with 503 when nobody would answer them, and for the dashboard.
import type { RedisConnection } from "../store/redis-connection.js";
import { z } from "zod";
import type { Logger } from "../log/index.js";
import type { RedisKeys } from "../store/redis-keys.js";
import { freshHeartbeat, freshHeartbeats, heartbeatBaseSchema, ProcessPresence } from "./process-presence.js";

export { HEARTBEAT_MS } from "./process-presence.js";

export const engineHeartbeatSchema = heartbeatBaseSchema.extend({
  /** Model file name. */
  model: z.string(),
  /** Active adapter version (null: the bare model). */
  adapter: z.string().nullable(),
  sequences: z.number().int().min(1),
  contextSize: z.number().int().min(1),
  /** `cuda`, `vulkan`, `metal` or `cpu` (optional: engines of older versions do not say). */
  gpu: z.string().optional(),
  /** CPU threads it decodes with. */
  threads: z.number().int().optional(),
  /** Generations running now, over all its queues (optional: older engines do not say). */
  active: z.number().int().min(0).optional(),
  /** Chats it can hold warm at once: its sequences; chat routing stops sending it more beyond this. */
  capacity: z.number().int().min(1).optional(),
});
export type EngineHeartbeat = z.infer<typeof engineHeartbeatSchema>;

/** What an engine says about itself in each heartbeat. */
export type EngineDescription = Pick<
  EngineHeartbeat,
  "model" | "adapter" | "sequences" | "contextSize" | "gpu" | "threads" | "active" | "capacity"
>;

/** Keeps one engine's heartbeat fresh until stopped. */
export class EnginePresence extends ProcessPresence<EngineDescription> {
  constructor(redis: RedisConnection, keys: RedisKeys, describe: () => EngineDescription, log?: Logger) {
    super(redis, keys.engines(), describe, log);
  }
}

/** Engines whose heartbeat is fresh; stale entries (killed engines) are removed. */
export function servingEngines(redis: RedisConnection, keys: RedisKeys): Promise<EngineHeartbeat[]> {
  return freshHeartbeats(redis, keys.engines(), engineHeartbeatSchema);
}

/** One engine's heartbeat when it is serving now, else null. */
export function servingEngine(
  redis: RedisConnection,
  keys: RedisKeys,
  id: string,
): Promise<EngineHeartbeat | null> {
  return freshHeartbeat(redis, keys.engines(), id, engineHeartbeatSchema);
}
