// ChatStore.beginAnswerWithContext (the engine worker's one round trip before a chat answer's
// first token) against the real Redis: it must answer exactly what beginAnswer, then
// history(before: boundary) and getSettings would, on a trimmed history and corrupt records too.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { ChatStore, RedisKeys } from "../src/store/index.js";
import { deleteKeys } from "./helpers/delete-keys.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `test-${randomUUID()}`;
const keys = new RedisKeys(PREFIX);
const redis = new Redis(REDIS_URL);
const chats = new ChatStore({ redis, keys, maxMessages: 3, idleTtlSeconds: 3600 });

afterAll(async () => {
  await deleteKeys(redis, `${PREFIX}:*`);
  await redis.quit();
});

/** What the worker read before, in three steps. */
async function separately(chatId: string, answer: number) {
  const begun = await chats.beginAnswer(chatId, answer);
  if (!begun) return null;
  const turns = await chats.history(chatId, { before: begun.boundary });
  return { ...begun, turns, settings: await chats.getSettings(chatId) };
}

describe("ChatStore.beginAnswerWithContext", () => {
  it("begins the answer and returns the turns it covers and the settings", async () => {
    const id = "context";
    await chats.updateSettings(id, { systemPrompt: "Отвечай кратко.", temperature: 0.3 });
    await chats.appendUserTurn(id, { text: "один" });
    await chats.appendUserTurn(id, { text: "два" });
    const begun = await chats.beginAnswerWithContext(id, 0);
    expect(begun).toMatchObject({ boundary: 2, answered: false });
    expect(begun?.turns.map((t) => [t.index, t.text])).toEqual([
      [0, "один"],
      [1, "два"],
    ]);
    expect(begun?.settings).toEqual({ systemPrompt: "Отвечай кратко.", temperature: 0.3 });
    // A message that arrives meanwhile belongs to the next answer, and is not in this one's turns.
    await chats.appendUserTurn(id, { text: "три" });
    expect((await chats.beginAnswerWithContext(id, 0))?.turns).toHaveLength(2); // a retried job
    expect(await chats.beginAnswerWithContext(id, 2)).toBeNull(); // not due
  });

  it("agrees with beginAnswer, history and getSettings on a trimmed history and corrupt records", async () => {
    const [a, b] = ["same-a", "same-b"];
    for (const id of [a, b]) {
      for (const text of ["1", "2", "3", "4", "5"]) await chats.appendUserTurn(id, { text, time: 1 });
      await redis.lset(keys.history(id), 1, "{not json"); // a corrupt turn is skipped
      await redis.set(keys.settings(id), '{"temperature":"hot"}'); // corrupt settings read as {}
    }
    const combined = await chats.beginAnswerWithContext(a, 0);
    expect(combined).toEqual(await separately(b, 0));
    expect(combined?.turns.map((t) => t.index)).toEqual([2, 4]); // absolute indices after the trim
    expect(combined?.settings).toEqual({});
  });

  it("reports an answer already stored, and nothing for a chat never seen", async () => {
    const id = "answered";
    await chats.appendUserTurn(id, { text: "вопрос" });
    await chats.beginAnswer(id, 0);
    await chats.appendAssistantTurn(id, { text: "ответ", requestId: "r0" }, { answer: 0 });
    expect(await chats.beginAnswerWithContext(id, 0)).toMatchObject({ boundary: 1, answered: true });
    expect(await chats.beginAnswerWithContext("never-seen", 0)).toMatchObject({
      boundary: 0,
      turns: [],
      settings: {},
    });
  });
});
