// Token streams on a real Redis: late readers, resuming, reset markers, the final entry.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { readTokenStream, readWholeAnswer, TokenStreamWriter } from "../src/service/token-stream.js";
import { createRedis } from "../src/store/redis-connection.js";
import { RedisKeys } from "../src/store/redis-keys.js";

const redis = createRedis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379", {
  role: "worker",
  name: "test-streams",
});
const keys = new RedisKeys(`test-${randomUUID().slice(0, 8)}`);
afterAll(async () => {
  const found = await redis.keys(`${keys.prefix}:*`);
  if (found.length > 0) await redis.del(...found);
  await redis.quit();
});

const tick = () => new Promise((resolve) => setImmediate(resolve));

const STATS = {
  promptTokens: 10,
  reusedPromptTokens: 0,
  completionTokens: 1,
  timeToFirstTokenMs: 1,
  tokensPerSecond: 1,
  totalMs: 2,
  stopReason: "eos" as const,
  droppedMessages: 0,
};

describe("token streams", () => {
  it("a reader that starts late gets everything; one that resumes gets only the rest", async () => {
    const writer = new TokenStreamWriter(redis, keys, "late", 1000, 60);
    for (const piece of ["При", "вет", ", ", "мир"]) {
      writer.delta(piece);
      await tick(); // one entry per event-loop turn, like a real model's tokens
    }
    await writer.end({ text: "Привет, мир", outcome: "answered", stats: { ...STATS, completionTokens: 4 } });

    const all = [];
    for await (const entry of readTokenStream(redis.duplicate(), keys, "late")) all.push(entry);
    expect(all.map((e) => e.type)).toEqual(["delta", "delta", "delta", "delta", "end"]);
    expect(all.at(-1)).toMatchObject({ type: "end", text: "Привет, мир", stats: { completionTokens: 4 } });

    const resumed = [];
    for await (const entry of readTokenStream(redis.duplicate(), keys, "late", { after: all[1]!.id }))
      resumed.push(entry);
    expect(resumed.map((e) => (e.type === "delta" ? e.text : e.type))).toEqual([", ", "мир", "end"]);
    expect(await redis.ttl(keys.stream("late"))).toBeGreaterThan(0);
  });

  it("deltas written in one turn of the event loop become one entry", async () => {
    const writer = new TokenStreamWriter(redis, keys, "burst", 1000, 60);
    for (let i = 0; i < 50; i++) writer.delta(`${i} `);
    await writer.end({ text: "", outcome: "skipped", stats: null, reason: "test" });
    expect(await redis.xlen(keys.stream("burst"))).toBe(2);
  });

  it("a reset marker makes readers drop the partial text", async () => {
    const writer = new TokenStreamWriter(redis, keys, "retry", 1000, 60);
    writer.delta("partial from a dead worker");
    await tick();
    writer.reset();
    writer.delta("full answer");
    await writer.end({ text: "full answer", outcome: "answered", stats: null });
    const answer = await readWholeAnswer(redis.duplicate(), keys, "retry");
    expect(answer).toMatchObject({ text: "full answer", streamed: "full answer", resets: 1 });
  });

  it("a reader waiting for a stream that never comes gives up after its idle timeout", async () => {
    const answer = await readWholeAnswer(redis.duplicate(), keys, "never", {
      idleTimeoutMs: 300,
      blockMs: 100,
    });
    expect(answer).toBeNull();
  });
});
