// UpdateDedupe and UserLimits against the real Redis: duplicate updates, the per-minute rate
// limit, the daily token quota and bans. The file uses its own key prefix and deletes its keys.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisKeys, UpdateDedupe, UserLimits } from "../src/store/index.js";
import { deleteKeys } from "./helpers/delete-keys.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `test-${randomUUID()}`;

let redis: Redis;
const keys = new RedisKeys(PREFIX);

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  await deleteKeys(redis, `${PREFIX}:*`);
  await redis.quit();
});

const user = () => `user-${randomUUID()}`;
/** 2024-03-10 12:34:00 UTC: the start of a minute. */
const MINUTE_START = Date.UTC(2024, 2, 10, 12, 34, 0);

function limits(messagesPerMinute: number, dailyTokens: number): UserLimits {
  return new UserLimits({ redis, keys, messagesPerMinute, dailyTokens });
}

describe("UpdateDedupe", () => {
  it("remembers handled update ids for the TTL, each id on its own", async () => {
    const dedupe = new UpdateDedupe({ redis, keys, dedupeTtlSeconds: 120 });
    const id = Math.floor(Math.random() * 1e9);
    expect(await dedupe.wasHandled(id)).toBe(false);
    await dedupe.markHandled(id);
    expect(await dedupe.wasHandled(id)).toBe(true);
    expect(await dedupe.wasHandled(String(id))).toBe(true);
    expect(await dedupe.wasHandled(id + 1)).toBe(false);
    const ttl = await redis.ttl(keys.update(id));
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
  });
});

describe("UserLimits", () => {
  it("gives a user their own daily limit with /quota, and back the configured one", async () => {
    const limiter = limits(0, 1000);
    const id = user();
    await limiter.addTokens(id, 600, MINUTE_START);
    expect(await limiter.quota(id, MINUTE_START)).toEqual({ used: 600, limit: 1000, exceeded: false });
    await limiter.setDailyTokens(id, 500);
    expect(await limiter.quota(id, MINUTE_START)).toEqual({ used: 600, limit: 500, exceeded: true });
    await limiter.setDailyTokens(id, 0);
    expect((await limiter.quota(id, MINUTE_START)).exceeded).toBe(false);
    await limiter.setDailyTokens(id, null);
    expect((await limiter.quota(id, MINUTE_START)).limit).toBe(1000);
    await expect(limiter.setDailyTokens(id, -1)).rejects.toThrow(/whole number/);
  });

  it("allows messagesPerMinute messages per clock minute, then says how long to wait", async () => {
    const limiter = limits(3, 0);
    const id = user();
    const now = MINUTE_START + 10_000;
    for (let i = 0; i < 3; i++)
      expect(await limiter.hitMessage(id, now + i)).toEqual({ allowed: true, retryAfterSeconds: 0 });
    expect(await limiter.hitMessage(id, now + 500)).toEqual({ allowed: false, retryAfterSeconds: 50 });
    expect(await limiter.hitMessage(id, MINUTE_START + 59_999)).toEqual({
      allowed: false,
      retryAfterSeconds: 1,
    });
    // A new window.
    expect(await limiter.hitMessage(id, MINUTE_START + 60_000)).toEqual({
      allowed: true,
      retryAfterSeconds: 0,
    });
    // Another user has a window of their own.
    expect((await limiter.hitMessage(user(), now)).allowed).toBe(true);
    const ttl = await redis.ttl(keys.rate(id, Math.floor(now / 60_000)));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it("does not limit (or count) messages when messagesPerMinute is 0", async () => {
    const limiter = limits(0, 0);
    const id = user();
    for (let i = 0; i < 50; i++) expect((await limiter.hitMessage(id, MINUTE_START)).allowed).toBe(true);
    expect(await redis.exists(keys.rate(id, Math.floor(MINUTE_START / 60_000)))).toBe(0);
  });

  it("counts tokens per UTC day against dailyTokens", async () => {
    const limiter = limits(0, 200);
    const id = user();
    const today = Date.UTC(2024, 2, 10, 23, 59, 0);
    const tomorrow = Date.UTC(2024, 2, 11, 0, 0, 1);
    expect(await limiter.quota(id, today)).toEqual({ used: 0, limit: 200, exceeded: false });
    expect(await limiter.addTokens(id, 120, today)).toBe(120);
    expect(await limiter.addTokens(id, 0, today)).toBe(120);
    expect(await limiter.quota(id, today)).toEqual({ used: 120, limit: 200, exceeded: false });
    expect(await limiter.addTokens(id, 80, today)).toBe(200);
    expect(await limiter.quota(id, today)).toEqual({ used: 200, limit: 200, exceeded: true });
    expect(await limiter.quota(id, tomorrow)).toEqual({ used: 0, limit: 200, exceeded: false });
    const ttl = await redis.ttl(keys.tokens(id, "2024-03-10"));
    expect(ttl).toBeGreaterThan(2 * 24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(2 * 24 * 3600);
    await expect(limiter.addTokens(id, -1, today)).rejects.toThrow(RangeError);
  });

  it("counts tokens but never reports a quota exceeded when dailyTokens is 0", async () => {
    const limiter = limits(0, 0);
    const id = user();
    await limiter.addTokens(id, 1_000_000);
    expect(await limiter.quota(id)).toEqual({ used: 1_000_000, limit: 0, exceeded: false });
  });

  it("bans and unbans users", async () => {
    const limiter = limits(0, 0);
    const [a, b] = [user(), user()];
    expect(await limiter.isBanned(a)).toBe(false);
    expect(await limiter.ban(a)).toBe(true);
    expect(await limiter.ban(a)).toBe(false);
    expect(await limiter.ban(b)).toBe(true);
    expect(await limiter.isBanned(a)).toBe(true);
    expect(await limiter.banned()).toEqual([a, b].sort());
    expect(await limiter.unban(a)).toBe(true);
    expect(await limiter.unban(a)).toBe(false);
    expect(await limiter.isBanned(a)).toBe(false);
    expect(await limiter.isBanned(b)).toBe(true);
  });

  it("refuses negative or fractional limits", () => {
    expect(() => limits(-1, 0)).toThrow(RangeError);
    expect(() => limits(0, 1.5)).toThrow(RangeError);
  });
});
