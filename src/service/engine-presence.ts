// Which engines are serving now: each engine process writes a heartbeat (its model, its active
// adapter, its capacity) to one Redis hash; channels read it to answer /health, to list models
// and to refuse requests with 503 when nobody would answer them.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Logger } from "../log/index.js";
import type { RedisKeys } from "../store/redis-keys.js";

export const engineHeartbeatSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  /** Model file name. */
  model: z.string(),
  /** Active adapter version (null: the bare model). */
  adapter: z.string().nullable(),
  sequences: z.number().int().min(1),
  contextSize: z.number().int().min(1),
  startedAt: z.number(),
  /** Last heartbeat, ms since epoch. */
  seenAt: z.number(),
});
export type EngineHeartbeat = z.infer<typeof engineHeartbeatSchema>;

/** How often an engine says it is alive; it counts as gone after three missed beats. */
export const HEARTBEAT_MS = 2000;

/** Keeps one engine's heartbeat fresh until stopped. */
export class EnginePresence {
  readonly id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly describe: () => Pick<EngineHeartbeat, "model" | "adapter" | "sequences" | "contextSize">,
    private readonly log?: Logger,
  ) {}

  /** Writes the first heartbeat and keeps writing them. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(
      () => void this.beat().catch((error) => this.log?.warn({ err: error }, "heartbeat failed")),
      HEARTBEAT_MS,
    );
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    const heartbeat: EngineHeartbeat = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      seenAt: Date.now(),
      ...this.describe(),
    };
    await this.redis.hset(this.keys.engines(), this.id, JSON.stringify(heartbeat));
  }

  /** Stops and removes the heartbeat: channels see at once that this engine is gone. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.hdel(this.keys.engines(), this.id).catch(() => undefined);
  }
}

/** Engines whose heartbeat is fresh; stale entries (killed engines) are removed. */
export async function servingEngines(redis: Redis, keys: RedisKeys): Promise<EngineHeartbeat[]> {
  const entries = await redis.hgetall(keys.engines());
  const now = Date.now();
  const fresh: EngineHeartbeat[] = [];
  const stale: string[] = [];
  for (const [id, json] of Object.entries(entries)) {
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(json);
    } catch {
      // a damaged entry counts as stale
    }
    const heartbeat = engineHeartbeatSchema.safeParse(parsed);
    if (heartbeat.success && now - heartbeat.data.seenAt <= 3 * HEARTBEAT_MS) fresh.push(heartbeat.data);
    else stale.push(id);
  }
  if (stale.length > 0) await redis.hdel(keys.engines(), ...stale);
  return fresh;
}
