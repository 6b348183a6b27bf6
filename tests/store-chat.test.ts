// ChatStore against the real Redis: history, answer bookkeeping, idempotent retries, corrupt
// records and settings. Every test uses its own key prefix and deletes its keys afterwards.
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/log/index.js";
import { ChatStore, InvalidSettingsError, InvalidTurnError, RedisKeys } from "../src/store/index.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `test-${randomUUID()}`;
const TTL_SECONDS = 3600;

let redis: Redis;
const keys = new RedisKeys(PREFIX);

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  await deleteByPrefix(redis, PREFIX);
  await redis.quit();
});

async function deleteByPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, found] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    if (found.length > 0) await client.del(...found);
    cursor = next;
  } while (cursor !== "0");
}

/** A JSON logger whose lines land in an array. */
function capturingLogger(): { log: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { log: createLogger({ format: "json", level: "debug", destination }), lines };
}

function store(
  options: { maxMessages?: number; client?: Redis; log?: ReturnType<typeof createLogger> } = {},
) {
  return new ChatStore({
    redis: options.client ?? redis,
    keys,
    maxMessages: options.maxMessages ?? 40,
    idleTtlSeconds: TTL_SECONDS,
    ...(options.log ? { log: options.log } : {}),
  });
}

const chat = () => `chat-${randomUUID()}`;

describe("history", () => {
  it("appends a message with a receipt once, however often it is replayed", async () => {
    const chats = store();
    const id = chat();
    const first = await chats.appendUserTurn(id, { text: "раз" }, { receipt: "101" });
    await chats.appendUserTurn(id, { text: "два" }, { receipt: "102" });
    const replay = await chats.appendUserTurn(id, { text: "раз" }, { receipt: "101" });
    expect(first).toEqual({ answer: 0, index: 0, duplicate: false });
    expect(replay).toEqual({ answer: 0, index: 0, duplicate: true });
    expect((await chats.history(id)).map((turn) => turn.text)).toEqual(["раз", "два"]);
  });

  it("keeps turns in order with absolute indices", async () => {
    const chats = store();
    const id = chat();
    expect(await chats.history(id)).toEqual([]);
    expect(
      await chats.appendUserTurn(id, { text: "привет", userId: "7", userName: "Ann", time: 1000 }),
    ).toEqual({ answer: 0, index: 0, duplicate: false });
    expect(await chats.appendUserTurn(id, { text: "как дела?", time: 2000 })).toEqual({
      answer: 0,
      index: 1,
      duplicate: false,
    });
    expect(
      await chats.appendAssistantTurn(id, { text: "хорошо", requestId: "r1", model: "m", adapter: null }),
    ).toBe(true);
    const history = await chats.history(id);
    expect(history.map((turn) => [turn.index, turn.role, turn.text])).toEqual([
      [0, "user", "привет"],
      [1, "user", "как дела?"],
      [2, "assistant", "хорошо"],
    ]);
    expect(history[0]).toEqual({
      role: "user",
      text: "привет",
      userId: "7",
      userName: "Ann",
      time: 1000,
      index: 0,
    });
    expect(history[2]).toMatchObject({ requestId: "r1", model: "m", adapter: null });
    expect(history[2]!.time).toBeGreaterThan(Date.now() - 60_000);
  });

  it("trims to the newest maxMessages and keeps the indices absolute", async () => {
    const chats = store({ maxMessages: 5 });
    const id = chat();
    for (let i = 0; i < 8; i++) expect((await chats.appendUserTurn(id, { text: `m${i}` })).index).toBe(i);
    const history = await chats.history(id);
    expect(history.map((turn) => [turn.index, turn.text])).toEqual([
      [3, "m3"],
      [4, "m4"],
      [5, "m5"],
      [6, "m6"],
      [7, "m7"],
    ]);
    expect(await redis.llen(keys.history(id))).toBe(5);
    expect((await chats.history(id, { before: 6 })).map((turn) => turn.index)).toEqual([3, 4, 5]);
  });

  it("refreshes the idle TTL of every chat key, and leaves the lease alone", async () => {
    const chats = store();
    const id = chat();
    await redis.set(keys.lease(id), "job-1");
    await chats.updateSettings(id, { temperature: 0.3 });
    await redis.persist(keys.settings(id));
    await chats.appendUserTurn(id, { text: "hi" });
    for (const key of [keys.history(id), keys.turns(id), keys.settings(id)]) {
      const ttl = await redis.pttl(key);
      expect(ttl, key).toBeGreaterThan((TTL_SECONDS - 60) * 1000);
      expect(ttl, key).toBeLessThanOrEqual(TTL_SECONDS * 1000);
    }
    expect(await redis.pttl(keys.lease(id))).toBe(-1);
  });

  it("refuses a turn that does not match the schema, writing nothing", async () => {
    const chats = store();
    const id = chat();
    const bad = { text: 42 } as unknown as { text: string };
    const error = await chats.appendUserTurn(id, bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTurnError);
    expect(error).toMatchObject({ code: "INVALID_TURN", name: "InvalidTurnError" });
    expect((error as Error).message).toContain("text = 42: expected text");
    expect(await redis.exists(keys.history(id), keys.turns(id))).toBe(0);
  });

  it("skips and logs a corrupt record instead of throwing", async () => {
    const { log, lines } = capturingLogger();
    const chats = store({ log });
    const id = chat();
    await chats.appendUserTurn(id, { text: "one" });
    await chats.appendUserTurn(id, { text: "two" });
    await chats.appendUserTurn(id, { text: "three" });
    await redis.lset(keys.history(id), 1, "{not json");
    await redis.rpush(keys.history(id), JSON.stringify({ role: "wizard", text: "x", time: 1 }));
    const history = await chats.history(id);
    expect(history.map((turn) => [turn.index, turn.text])).toEqual([
      [0, "one"],
      [2, "three"],
    ]);
    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings.map((line) => [line.chatId, line.index])).toEqual([
      [id, 1],
      [id, 3],
    ]);
    expect(String(warnings[0]!.msg)).toContain("corrupt");
    // Turns pushed behind the store's back still get fresh indices.
    expect((await chats.appendUserTurn(id, { text: "four" })).index).toBe(4);
  });

  it("lands 20 concurrent appends from several connections at distinct indices", async () => {
    const clients = [redis, new Redis(REDIS_URL), new Redis(REDIS_URL)];
    try {
      const id = chat();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store({ client: clients[i % 3]! }).appendUserTurn(id, { text: `m${i}` }),
        ),
      );
      expect(results.map((r) => r.index).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i),
      );
      const history = await store().history(id);
      expect(history).toHaveLength(20);
      expect(new Set(history.map((turn) => turn.text)).size).toBe(20);
      // The list order and the returned indices agree.
      for (const turn of history) expect(results[Number(turn.text.slice(1))]!.index).toBe(turn.index);
    } finally {
      await Promise.all(clients.slice(1).map((client) => client.quit()));
    }
  });
});

describe("answers", () => {
  it("makes a burst of messages one answer, closed by beginAnswer", async () => {
    const chats = store();
    const id = chat();
    for (const text of ["a", "b", "c"]) expect((await chats.appendUserTurn(id, { text })).answer).toBe(0);
    const begun = await chats.beginAnswer(id, 0);
    expect(begun).toEqual({ boundary: 3, answered: false });
    // Messages after the start belong to the next answer and are not in this one's prompt.
    expect(await chats.appendUserTurn(id, { text: "d" })).toMatchObject({ answer: 1, index: 3 });
    expect(await chats.nextAnswer(id)).toBe(1);
    const prompt = await chats.history(id, { before: begun!.boundary });
    expect(prompt.map((turn) => turn.text)).toEqual(["a", "b", "c"]);
  });

  it("beginAnswer is idempotent, and null for stale or future numbers", async () => {
    const chats = store();
    const id = chat();
    expect(await chats.beginAnswer(id, 1)).toBeNull(); // not due: answer 0 has not begun
    await chats.appendUserTurn(id, { text: "a" });
    expect(await chats.beginAnswer(id, 0)).toEqual({ boundary: 1, answered: false });
    await chats.appendUserTurn(id, { text: "b" });
    expect(await chats.beginAnswer(id, 0)).toEqual({ boundary: 1, answered: false }); // a retried job
    expect(await chats.beginAnswer(id, 2)).toBeNull();
    expect(await chats.beginAnswer(id, 1)).toEqual({ boundary: 2, answered: false });
    expect(await chats.beginAnswer(id, 0)).toBeNull(); // superseded by answer 1
    expect(await chats.beginAnswer(id, 1)).toEqual({ boundary: 2, answered: false });
    expect(await chats.nextAnswer(id)).toBe(2);
    await expect(chats.beginAnswer(id, -1)).rejects.toThrow(RangeError);
  });

  it("places an answer after the turns it answers, before those that came during generation", async () => {
    const chats = store();
    const id = chat();
    await chats.appendUserTurn(id, { text: "u1" });
    expect(await chats.beginAnswer(id, 0)).toEqual({ boundary: 1, answered: false });
    expect((await chats.appendUserTurn(id, { text: "u2" })).answer).toBe(1);
    expect((await chats.appendUserTurn(id, { text: "u3" })).answer).toBe(1);
    expect(await chats.appendAssistantTurn(id, { text: "a0", requestId: "c:0" }, { answer: 0 })).toBe(true);
    expect((await chats.history(id)).map((turn) => [turn.index, turn.text])).toEqual([
      [0, "u1"],
      [1, "a0"],
      [2, "u2"],
      [3, "u3"],
    ]);
    const begun = await chats.beginAnswer(id, 1);
    expect(begun).toEqual({ boundary: 4, answered: false });
    expect((await chats.history(id, { before: begun!.boundary })).map((turn) => turn.text)).toEqual([
      "u1",
      "a0",
      "u2",
      "u3",
    ]);
    expect(await chats.appendAssistantTurn(id, { text: "a1", requestId: "c:1" }, { answer: 1 })).toBe(true);
    expect((await chats.history(id)).map((turn) => turn.text)).toEqual(["u1", "a0", "u2", "u3", "a1"]);
  });

  it("stores an answer once per requestId, so a retried job does not append twice", async () => {
    const chats = store();
    const id = chat();
    await chats.appendUserTurn(id, { text: "u1" });
    await chats.beginAnswer(id, 0);
    await chats.appendUserTurn(id, { text: "u2" });
    const turn = { text: "a0", requestId: "c:0", promptTokens: 5, completionTokens: 2 };
    expect(await chats.appendAssistantTurn(id, turn, { answer: 0 })).toBe(true);
    expect(await chats.appendAssistantTurn(id, turn, { answer: 0 })).toBe(false);
    expect(await chats.appendAssistantTurn(id, turn)).toBe(false);
    expect((await chats.history(id)).map((t) => t.text)).toEqual(["u1", "a0", "u2"]);
    // The retried job learns that its answer is already stored.
    expect(await chats.beginAnswer(id, 0)).toEqual({ boundary: 1, answered: true });
    // Without an answer number: appended at the end, still once.
    expect(await chats.appendAssistantTurn(id, { text: "x", requestId: "other" })).toBe(true);
    expect(await chats.appendAssistantTurn(id, { text: "x", requestId: "other" })).toBe(false);
    expect((await chats.history(id)).map((t) => [t.index, t.text])).toEqual([
      [0, "u1"],
      [1, "a0"],
      [2, "u2"],
      [3, "x"],
    ]);
  });

  it("dropLastAnswer removes the trailing answer and frees its index", async () => {
    const chats = store();
    const id = chat();
    expect(await chats.dropLastAnswer(id)).toBeNull();
    await chats.appendUserTurn(id, { text: "q" });
    expect(await chats.dropLastAnswer(id)).toBeNull(); // the last turn is the user's
    await chats.beginAnswer(id, 0);
    await chats.appendAssistantTurn(id, { text: "bad answer", requestId: "c:0", model: "m" }, { answer: 0 });
    const dropped = await chats.dropLastAnswer(id);
    expect(dropped).toMatchObject({ role: "assistant", text: "bad answer", requestId: "c:0", model: "m" });
    expect(dropped).not.toHaveProperty("index");
    expect((await chats.history(id)).map((t) => t.text)).toEqual(["q"]);
    // Regenerate: the next answer number, with the same user turn as its prompt.
    const answer = await chats.nextAnswer(id);
    expect(answer).toBe(1);
    const begun = await chats.beginAnswer(id, answer);
    expect(begun).toEqual({ boundary: 1, answered: false });
    expect(await chats.appendAssistantTurn(id, { text: "better", requestId: "c:1" }, { answer })).toBe(true);
    expect((await chats.history(id)).map((t) => [t.index, t.text])).toEqual([
      [0, "q"],
      [1, "better"],
    ]);
  });

  it("clear forgets history and settings but keeps the numbering, and drops an answer begun before it", async () => {
    const chats = store();
    const id = chat();
    await chats.updateSettings(id, { language: "en" });
    await chats.appendUserTurn(id, { text: "u1" });
    await chats.beginAnswer(id, 0);
    expect(await chats.clear(id)).toBe(1);
    expect(await chats.history(id)).toEqual([]);
    expect(await chats.getSettings(id)).toEqual({});
    expect(await redis.exists(keys.history(id), keys.settings(id))).toBe(0);
    // The answer generated for the cleared conversation is not stored.
    expect(await chats.appendAssistantTurn(id, { text: "a0", requestId: "c:0" }, { answer: 0 })).toBe(false);
    expect(await chats.beginAnswer(id, 0)).toEqual({ boundary: 1, answered: true });
    expect(await chats.history(id)).toEqual([]);
    // Numbering goes on: answer numbers (job ids) and indices are not reused.
    expect(await chats.appendUserTurn(id, { text: "fresh" })).toMatchObject({ answer: 1, index: 1 });
    expect(await chats.beginAnswer(id, 1)).toEqual({ boundary: 2, answered: false });
    expect(await chats.appendAssistantTurn(id, { text: "a1", requestId: "c:1" }, { answer: 1 })).toBe(true);
    expect((await chats.history(id)).map((t) => [t.index, t.text])).toEqual([
      [1, "fresh"],
      [2, "a1"],
    ]);
  });
});

describe("settings", () => {
  it("merges changes, and null or undefined removes a setting", async () => {
    const chats = store();
    const id = chat();
    expect(await chats.getSettings(id)).toEqual({});
    expect(await chats.updateSettings(id, { temperature: 0.2, systemPrompt: "Be brief." })).toEqual({
      temperature: 0.2,
      systemPrompt: "Be brief.",
    });
    expect(await chats.updateSettings(id, { topK: 0, systemPrompt: null })).toEqual({
      temperature: 0.2,
      topK: 0,
    });
    expect(await chats.updateSettings(id, { temperature: undefined, language: "pt-BR" })).toEqual({
      topK: 0,
      language: "pt-BR",
    });
    expect(await chats.getSettings(id)).toEqual({ topK: 0, language: "pt-BR" });
    expect(await redis.pttl(keys.settings(id))).toBeGreaterThan(0);
    // Removing the last setting removes the record.
    await chats.updateSettings(id, { topK: null, language: null });
    expect(await redis.exists(keys.settings(id))).toBe(0);
  });

  it.each([
    [{ temperature: 9 }, "temperature = 9: expected a number ≤ 5"],
    [{ topP: 0 }, "topP = 0: expected a number in (0, 1]"],
    [{ topK: 2.5 }, "topK = 2.5: expected a whole number"],
    [{ repeatPenalty: 0.5 }, "repeatPenalty = 0.5: expected a number ≥ 1 (1 = off)"],
    [{ maxTokens: 0 }, "maxTokens = 0: expected a whole number ≥ 1"],
    [{ language: "Russian!" }, 'language = "Russian!": expected a language code such as ru, en or pt-BR'],
    [{ systemPrompt: "x".repeat(5000) }, "systemPrompt = "],
    [{ colour: "red" }, "unknown setting(s) colour"],
  ])("refuses %j with a clear error and writes nothing", async (patch, message) => {
    const chats = store();
    const id = chat();
    await chats.updateSettings(id, { topK: 5 });
    const error = await chats.updateSettings(id, patch as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSettingsError);
    expect(error).toMatchObject({ code: "INVALID_SETTINGS", name: "InvalidSettingsError" });
    expect((error as Error).message).toContain(message);
    expect((error as InvalidSettingsError).setting).toBe(Object.keys(patch)[0]);
    expect(await chats.getSettings(id)).toEqual({ topK: 5 });
  });

  it("reads corrupt settings as {} (logged) and replaces them on the next update", async () => {
    const { log, lines } = capturingLogger();
    const chats = store({ log });
    for (const garbage of ["{oops", JSON.stringify({ temperature: 99 }), "[1,2]", "null"]) {
      const id = chat();
      await redis.set(keys.settings(id), garbage);
      expect(await chats.getSettings(id)).toEqual({});
      expect(await chats.updateSettings(id, { maxTokens: 100 })).toEqual({ maxTokens: 100 });
      expect(await redis.get(keys.settings(id))).toBe(JSON.stringify({ maxTokens: 100 }));
    }
    expect(
      lines.filter((line) => line.level === 40 && String(line.msg).includes("corrupt")).length,
    ).toBeGreaterThan(0);
  });

  it("keeps every field of concurrent updates", async () => {
    const clients = [redis, new Redis(REDIS_URL), new Redis(REDIS_URL)];
    try {
      const id = chat();
      const patches = [
        { temperature: 0.1 },
        { topP: 0.5 },
        { topK: 7 },
        { repeatPenalty: 1.2 },
        { maxTokens: 64 },
        { language: "ru" },
        { systemPrompt: "hi" },
      ];
      await Promise.all(
        patches.map((patch, i) => store({ client: clients[i % 3]! }).updateSettings(id, patch)),
      );
      expect(await store().getSettings(id)).toEqual(Object.assign({}, ...patches));
    } finally {
      await Promise.all(clients.slice(1).map((client) => client.quit()));
    }
  });
});
