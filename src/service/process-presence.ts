// Heartbeats of serving processes in one Redis hash (process id → JSON): each process rewrites
// its entry every HEARTBEAT_MS and deletes it on a clean stop; readers keep the fresh entries and
// remove the stale ones (killed processes). Engines (engine-presence.ts) and Telegram gateways
// (gateway-presence.ts) announce themselves this way.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { RedisConnection } from "../store/redis-connection.js";
import { z } from "zod";
import type { Logger } from "../log/index.js";

/** How often a process says it is alive; it counts as gone after three missed beats. */
export const HEARTBEAT_MS = 2000;

/** The fields every heartbeat has. */
export const heartbeatBaseSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  startedAt: z.number(),
  /** Last heartbeat, ms since epoch. */
  seenAt: z.number(),
});
type HeartbeatBase = z.infer<typeof heartbeatBaseSchema>;

/** Keeps one process's heartbeat (the base fields plus what `describe` says) fresh until stopped. */
export class ProcessPresence<T extends object> {
  readonly id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly redis: RedisConnection,
    /** The hash of this kind of process. */
    private readonly hashKey: string,
    private readonly describe: () => T,
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
    const base: HeartbeatBase = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      seenAt: Date.now(),
    };
    await this.redis.hset(this.hashKey, this.id, JSON.stringify({ ...base, ...this.describe() }));
  }

  /** Stops and removes the heartbeat: readers see at once that this process is gone. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.hdel(this.hashKey, this.id).catch(() => undefined);
  }
}

/** The fresh heartbeats of `hashKey` that `schema` accepts; stale or damaged entries are removed. */
export async function freshHeartbeats<S extends z.ZodTypeAny>(
  redis: RedisConnection,
  hashKey: string,
  schema: S,
): Promise<z.infer<S>[]> {
  const entries = await redis.hgetall(hashKey);
  const now = Date.now();
  const fresh: z.infer<S>[] = [];
  const stale: string[] = [];
  for (const [id, json] of Object.entries(entries)) {
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(json);
    } catch {
      // a damaged entry counts as stale
    }
    const heartbeat = schema.safeParse(parsed);
    if (heartbeat.success && now - (heartbeat.data as HeartbeatBase).seenAt <= 3 * HEARTBEAT_MS) {
      fresh.push(heartbeat.data);
    } else stale.push(id);
  }
  if (stale.length > 0) await redis.hdel(hashKey, ...stale);
  return fresh;
}

/** One process's heartbeat when it is fresh and `schema` accepts it, else null (left for readers to remove). */
export async function freshHeartbeat<S extends z.ZodTypeAny>(
  redis: RedisConnection,
  hashKey: string,
  id: string,
  schema: S,
): Promise<z.infer<S> | null> {
  const json = await redis.hget(hashKey, id);
  if (json === null) return null;
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  const heartbeat = schema.safeParse(parsed);
  if (!heartbeat.success || Date.now() - (heartbeat.data as HeartbeatBase).seenAt > 3 * HEARTBEAT_MS)
    return null;
  return heartbeat.data;
}
