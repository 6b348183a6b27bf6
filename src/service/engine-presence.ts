// Which engines are serving now: each engine process writes a heartbeat (its model, its active
// adapter, its capacity, its backend) to one Redis hash; channels read it to answer /health, to
// list models, to refuse requests with 503 when nobody would answer them, and for the dashboard.
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Logger } from "../log/index.js";
import type { RedisKeys } from "../store/redis-keys.js";
import { freshHeartbeats, heartbeatBaseSchema, ProcessPresence } from "./process-presence.js";

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
});
export type EngineHeartbeat = z.infer<typeof engineHeartbeatSchema>;

/** What an engine says about itself in each heartbeat. */
export type EngineDescription = Pick<
  EngineHeartbeat,
  "model" | "adapter" | "sequences" | "contextSize" | "gpu" | "threads"
>;

/** Keeps one engine's heartbeat fresh until stopped. */
export class EnginePresence extends ProcessPresence<EngineDescription> {
  constructor(redis: Redis, keys: RedisKeys, describe: () => EngineDescription, log?: Logger) {
    super(redis, keys.engines(), describe, log);
  }
}

/** Engines whose heartbeat is fresh; stale entries (killed engines) are removed. */
export function servingEngines(redis: Redis, keys: RedisKeys): Promise<EngineHeartbeat[]> {
  return freshHeartbeats(redis, keys.engines(), engineHeartbeatSchema);
}
