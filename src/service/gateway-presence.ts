// Which Telegram gateways are running now: each writes a heartbeat (its bot, how it receives
// updates) to one Redis hash, the way engines do; the dashboard's overview lists them.
import type { RedisConnection } from "../store/redis-connection.js";
import { z } from "zod";
import type { Logger } from "../log/index.js";
import type { RedisKeys } from "../store/redis-keys.js";
import { freshHeartbeats, heartbeatBaseSchema, ProcessPresence } from "./process-presence.js";

export const gatewayHeartbeatSchema = heartbeatBaseSchema.extend({
  /** The bot's @username. */
  bot: z.string(),
  /** `polling` or `webhook`. */
  mode: z.string(),
});
export type GatewayHeartbeat = z.infer<typeof gatewayHeartbeatSchema>;

/** What a gateway says about itself in each heartbeat. */
export type GatewayDescription = Pick<GatewayHeartbeat, "bot" | "mode">;

/** Keeps one gateway's heartbeat fresh until stopped. */
export class GatewayPresence extends ProcessPresence<GatewayDescription> {
  constructor(redis: RedisConnection, keys: RedisKeys, describe: () => GatewayDescription, log?: Logger) {
    super(redis, keys.gateways(), describe, log);
  }
}

/** Gateways whose heartbeat is fresh; stale entries are removed. */
export function runningGateways(redis: RedisConnection, keys: RedisKeys): Promise<GatewayHeartbeat[]> {
  return freshHeartbeats(redis, keys.gateways(), gatewayHeartbeatSchema);
}
