// One-time invite codes for `access.policy: pairing`: an admin's /invite makes a random code that
// expires (Redis TTL), and `/start CODE` claims it. A claim is GETDEL, so two users racing for one
// code cannot both get in.
import { randomBytes } from "node:crypto";
import type { RedisConnection } from "./redis-connection.js";
import { z } from "zod";
import type { Config } from "../config/index.js";
import { parseJson } from "./parse-json.js";
import type { RedisKeys } from "./redis-keys.js";

/** Options of {@link InviteCodes}. */
export interface InviteCodesOptions {
  redis: RedisConnection;
  keys: RedisKeys;
  /** How long a code stays valid, in minutes (`access.inviteTtlMinutes`; fractions allowed). */
  ttlMinutes: number;
}

/** A code made by {@link InviteCodes.create}. */
export interface Invite {
  code: string;
  /** Who made it (an admin's user id). */
  createdBy: string;
  /** When it stops working, ms since the epoch. */
  expiresAt: number;
}

const inviteSchema = z.object({ createdBy: z.string(), expiresAt: z.number() });

/** Codes fit a t.me deep link (`?start=`: A-Z, a-z, 0-9, _ and -, up to 64). */
const CODE_FORMAT = /^[A-Za-z0-9_-]{8,64}$/;

/** Makes and claims invite codes. */
export class InviteCodes {
  private readonly redis: RedisConnection;
  private readonly keys: RedisKeys;
  private readonly ttlMs: number;

  constructor(options: InviteCodesOptions) {
    if (!(options.ttlMinutes > 0)) throw new RangeError(`ttlMinutes must be > 0, got ${options.ttlMinutes}`);
    this.redis = options.redis;
    this.keys = options.keys;
    this.ttlMs = Math.max(1, Math.round(options.ttlMinutes * 60_000));
  }

  static fromConfig(config: Config, redis: RedisConnection, keys: RedisKeys): InviteCodes {
    return new InviteCodes({ redis, keys, ttlMinutes: config.access.inviteTtlMinutes });
  }

  /** A new code, valid once until it expires. */
  async create(createdBy: string, now: number = Date.now()): Promise<Invite> {
    const code = randomBytes(12).toString("base64url");
    const expiresAt = now + this.ttlMs;
    await this.redis.set(this.keys.invite(code), JSON.stringify({ createdBy, expiresAt }), "PX", this.ttlMs);
    return { code, createdBy, expiresAt };
  }

  /** Uses a code up: its invite if it was valid, undefined if it is unknown, used or expired. */
  async claim(code: string): Promise<Invite | undefined> {
    if (!CODE_FORMAT.test(code)) return undefined;
    const stored = await this.redis.getdel(this.keys.invite(code));
    if (stored === null) return undefined;
    const parsed = inviteSchema.safeParse(parseJson(stored));
    return parsed.success ? { code, ...parsed.data } : undefined;
  }
}
