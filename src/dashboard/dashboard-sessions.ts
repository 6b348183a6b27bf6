// Dashboard log-in sessions in Redis: a random id in the browser's cookie, its sha256 as the key
// (a Redis dump holds no usable id), the CSRF token as the value, expiring after
// `dashboard.sessionTtlHours` without use.
import { createHash, randomBytes } from "node:crypto";
import type { RedisConnection } from "../store/redis-connection.js";
import { z } from "zod";
import type { RedisKeys } from "../store/redis-keys.js";

const sessionSchema = z.object({
  /** The token every POST must carry (header `x-csrf-token`/`x-xsrf-token` or field `_csrf`). */
  csrf: z.string(),
  createdAt: z.number(),
});
/** A logged-in browser. */
export type DashboardSession = z.infer<typeof sessionSchema> & { id: string };

/** Creates, finds (refreshing the expiry) and ends sessions. */
export class DashboardSessions {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: RedisKeys,
    private readonly ttlSeconds: number,
  ) {}

  /** A new session (after a correct password). */
  async create(): Promise<DashboardSession> {
    const session = { id: randomToken(), csrf: randomToken(), createdAt: Date.now() };
    const { id: _id, ...stored } = session;
    await this.redis.set(this.keyOf(session.id), JSON.stringify(stored), "EX", this.ttlSeconds);
    return session;
  }

  /** The session of a cookie value, or null when there is none (expired, logged out, forged). */
  async find(id: string | undefined): Promise<DashboardSession | null> {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const key = this.keyOf(id);
    // GETEX: read and push the expiry back in one command (a used session stays alive).
    const json = await this.redis.getex(key, "EX", this.ttlSeconds);
    if (json === null) return null;
    const parsed = sessionSchema.safeParse(JSON.parse(json));
    return parsed.success ? { id, ...parsed.data } : null;
  }

  /** Ends a session (log-out). */
  async end(id: string): Promise<void> {
    await this.redis.del(this.keyOf(id));
  }

  private keyOf(id: string): string {
    return this.keys.dashboardSession(createHash("sha256").update(id).digest("hex"));
  }
}

/** 256 random bits, base64url (43 characters). */
function randomToken(): string {
  return randomBytes(32).toString("base64url");
}
