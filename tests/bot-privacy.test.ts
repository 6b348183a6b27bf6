// Privacy controls end to end: `saiga start` (gateway + engine on the demo model) against the Bot
// API emulator and a real Redis. /privacy shows what is kept and opts out of training (the real
// dataset export then leaves the user out and counts them), /export delivers a JSON document,
// /forget deletes every key of the user after a confirmation and leaves other users' alone.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { User } from "grammy/types";
import type { UserChat } from "./helpers/bot-api-emulator/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { textsEn } from "../src/bot/i18n/texts-en.js";
import { exportDataset } from "../src/training/dataset/export-dataset.js";
import { datasetManifestSchema } from "../src/training/dataset/dataset-manifest.js";
import { PrivacyChoices } from "../src/store/privacy-choices.js";
import { BotTestbed, requestIdOf } from "./helpers/bot-harness.js";

let bed: BotTestbed;

beforeAll(async () => {
  bed = await BotTestbed.create();
  await bed.start("start", { SAIGA_GENERATION_MAX_TOKENS: "16" });
});
afterAll(async () => {
  await bed?.close();
});

const user = () => bed.emulator.createUser({ languageCode: "en" });

/** Asks a question (in the user's private chat, or `chat`) and votes 👍 on the answer. */
async function askAndVote(from: User, question: string, chat?: UserChat): Promise<void> {
  const chatId = chat?.id ?? from.id;
  const before = bed.answers(chatId).length;
  bed.emulator.sendMessage({ from, text: question, ...(chat ? { chat } : {}) });
  const answers = await bed.waitForAnswers(chatId, before + 1);
  const answer = answers.at(-1)!;
  const vote = bed.emulator.pressButton({
    message: answer.message,
    data: `fb:up:${requestIdOf(answer)}`,
    from,
  });
  await bed.emulator.waitFor(() => bed.emulator.callbackAnswer(vote.id));
}

/** Every key under the test's prefix (its BullMQ queues included). */
async function allKeys(): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await bed.client.redis.scan(
      cursor,
      "MATCH",
      `*${bed.client.prefix}*`,
      "COUNT",
      1000,
    );
    cursor = next;
    found.push(...batch);
  } while (cursor !== "0");
  return found;
}

/** Keys that name the user or their private chat (`{chat:ID}`, `chat_ID_answer_…`, `{user:ID}`). */
const keysOf = (keys: string[], id: number) =>
  keys.filter((key) => new RegExp(`[{:_]${id}[}:_]|:${id}$`).test(key));

async function lastText(chatId: number, pattern: RegExp): Promise<string> {
  return (await bed.waitForText(chatId, pattern)).text;
}

describe("/privacy", () => {
  it("shows what is kept, and an opt-out keeps the user out of the dataset export, counted as excluded", async () => {
    const alice = user();
    const bob = user();
    await askAndVote(alice, "Hello there");
    await askAndVote(bob, "How are you?");

    bed.emulator.sendMessage({ from: alice, text: "/privacy" });
    const shown = await lastText(alice.id, /What this bot keeps about you/);
    expect(shown).toContain("2 messages"); // her question and the answer
    expect(shown).toContain("generation records (the prompt the model saw and its answer): 1, kept 30 days");
    expect(shown).toContain("your votes and regenerated answers: 1");
    expect(shown).toContain("/privacy off");

    bed.emulator.sendMessage({ from: alice, text: "/privacy off" });
    await lastText(alice.id, new RegExp(textsEn.privacySet(false).slice(0, 30)));
    expect(await new PrivacyChoices(bed.client).trainingAllowed(String(alice.id))).toBe(false);
    bed.emulator.sendMessage({ from: alice, text: "/privacy" });
    await bed.emulator.waitFor(
      () => bed.emulator.messagesIn(alice.id).some((m) => m.text.includes("you opted out")),
      10_000,
    );
    bed.emulator.sendMessage({ from: alice, text: "/privacy maybe" });
    await lastText(alice.id, /^Usage: \/privacy/);

    // The real export, as `saiga dataset export` and the trainer run it.
    const out = await mkdtemp(path.join(os.tmpdir(), "saiga-privacy-"));
    try {
      const records = (await bed.feedback.since()).filter((r) =>
        [String(alice.id), String(bob.id)].includes(r.userId),
      );
      const config = loadConfig({ env: {} });
      const manifest = await exportDataset(records, {
        ...config.training,
        minAnswerChars: 0,
        validationShare: 0,
        optedOut: await new PrivacyChoices(bed.client).optedOut(),
        outDir: out,
        tokenize: null,
      });
      expect(manifest.counts).toMatchObject({ records: 2, excluded: 1, examples: 1 });
      const written = datasetManifestSchema.parse(
        JSON.parse(await readFile(path.join(out, "dataset.json"), "utf8")),
      );
      expect(written.counts.excluded).toBe(1);
      const train = await readFile(path.join(out, "train.jsonl"), "utf8");
      expect(train).toContain("How are you?");
      expect(train).not.toContain("Hello there");
    } finally {
      await rm(out, { recursive: true, force: true });
    }

    bed.emulator.sendMessage({ from: alice, text: "/privacy on" });
    await lastText(alice.id, new RegExp(textsEn.privacySet(true).slice(0, 30)));
    expect(await new PrivacyChoices(bed.client).trainingAllowed(String(alice.id))).toBe(true);
  });
});

describe("/export", () => {
  it("sends the user's data as a JSON document with their messages", async () => {
    const carol = user();
    await askAndVote(carol, "Tell me about saigas");
    bed.emulator.sendMessage({ from: carol, text: "/export" });
    const sent = await bed.emulator.waitFor(
      () => bed.emulator.messagesIn(carol.id).find((m) => m.message.document !== undefined),
      10_000,
    );
    expect(sent.message.document!.file_name).toBe(`saiga-data-${carol.id}.json`);
    expect(sent.text).toBe(textsEn.exportCaption);
    // Downloaded the way a client does: getFile, then the file URL.
    const api = `${bed.emulator.apiRoot}/bot${bed.emulator.token}`;
    const file = (await (await fetch(`${api}/getFile?file_id=${sent.message.document!.file_id}`)).json()) as {
      result: { file_path: string };
    };
    const body = await fetch(
      `${bed.emulator.apiRoot}/file/bot${bed.emulator.token}/${file.result.file_path}`,
    );
    const data = JSON.parse(await body.text()) as Record<string, unknown> & {
      history: { role: string; text: string }[];
      generationRecords: { answer: string }[];
      feedback: { kind: string; userId: string }[];
    };
    expect(data.userId).toBe(String(carol.id));
    expect(data.privacy).toBeNull();
    expect(data.history.map((turn) => turn.role)).toEqual(["user", "assistant"]);
    expect(data.history[0]!.text).toBe("Tell me about saigas");
    expect(data.generationRecords).toHaveLength(1);
    expect(data.generationRecords[0]!.answer).toBe(data.history[1]!.text);
    expect(data.feedback).toEqual([expect.objectContaining({ kind: "up", userId: String(carol.id) })]);
  });

  it("answers only in a private chat", async () => {
    const dave = user();
    const group = bed.emulator.createGroup();
    bed.emulator.sendMessage({ from: dave, chat: group, text: "/export" });
    await lastText(group.id, new RegExp(textsEn.exportPrivateOnly.slice(0, 20)));
    expect(bed.emulator.messagesIn(group.id).some((m) => m.message.document !== undefined)).toBe(false);
  });
});

describe("/forget", () => {
  it("asks first; No keeps everything, Yes deletes every key of the user and no one else's", async () => {
    const erin = user();
    const frank = user();
    const group = bed.emulator.createGroup();
    await askAndVote(erin, "Remember me");
    await askAndVote(frank, "Remember me too");
    // Erin also votes in a group: her vote goes, the group's history stays.
    await askAndVote(erin, "@saiga_test_bot hi group", group);
    const groupHistory = await bed.client.store.history(String(group.id));
    expect(keysOf(await allKeys(), erin.id).length).toBeGreaterThan(0);

    bed.emulator.sendMessage({ from: erin, text: "/forget" });
    const prompt = await bed.waitForText(erin.id, /Delete your chat history/);
    const buttons = prompt.replyMarkup!.inline_keyboard.flat();
    expect(buttons.map((b) => b.text)).toEqual([textsEn.forgetYes, textsEn.forgetNo]);
    const data = (text: string) => {
      const button = buttons.find((b) => b.text === text)!;
      return "callback_data" in button ? button.callback_data! : "";
    };
    // Another user cannot confirm Erin's /forget.
    const foreign = bed.emulator.pressButton({
      message: prompt.message,
      data: data(textsEn.forgetYes),
      from: frank,
    });
    await bed.emulator.waitFor(() => bed.emulator.callbackAnswer(foreign.id));
    bed.emulator.pressButton({ message: prompt.message, data: data(textsEn.forgetNo), from: erin });
    await bed.waitForText(erin.id, new RegExp(`^${textsEn.forgetCancelled}$`));
    expect(await bed.client.store.history(String(erin.id))).toHaveLength(2);

    bed.emulator.sendMessage({ from: erin, text: "/forget" });
    const again = await bed.emulator.waitFor(
      () =>
        bed.emulator
          .messagesIn(erin.id)
          .find((m) => m.messageId !== prompt.messageId && m.text.startsWith("Delete your chat history")),
      10_000,
    );
    bed.emulator.pressButton({ message: again.message, data: data(textsEn.forgetYes), from: erin });
    const done = await lastText(erin.id, /^Deleted: your chat history/);
    expect(done).toContain("An adapter already trained on your data is not changed");

    // Nothing names Erin any more except her usage counters (kept so that /forget resets no limit).
    const left = keysOf(await allKeys(), erin.id);
    expect(left.filter((key) => !/\{user:\d+\}:(rate|tokens):/.test(key))).toEqual([]);
    const feedback = await bed.feedback.since();
    expect(feedback.filter((r) => r.userId === String(erin.id) || r.chatId === String(erin.id))).toEqual([]);
    expect(await bed.client.redis.zscore(bed.client.keys.chats(), String(erin.id))).toBeNull();
    // The group's history is the group's; Frank's data is untouched; the counts follow.
    expect(await bed.client.store.history(String(group.id))).toEqual(groupHistory);
    expect(keysOf(await allKeys(), frank.id).some((key) => key.endsWith(":history"))).toBe(true);
    expect(feedback.filter((r) => r.userId === String(frank.id))).toHaveLength(1);
    const counts = await bed.feedback.counts();
    expect(counts.up).toBe(feedback.filter((r) => r.kind === "up").length);

    // The chat starts over and answers again (no stale job ids in the way).
    await askAndVote(erin, "Hello again");
    expect((await bed.client.store.history(String(erin.id))).map((t) => t.role)).toEqual([
      "user",
      "assistant",
    ]);
  });

  it("/forget yes deletes at once, in a group only the sender's votes", async () => {
    const gina = user();
    const group = bed.emulator.createGroup();
    await askAndVote(gina, "@saiga_test_bot a question", group);
    const history = await bed.client.store.history(String(group.id));
    bed.emulator.sendMessage({ from: gina, chat: group, text: "/forget yes" });
    const done = await lastText(group.id, /^Deleted: /);
    expect(done).toContain("This group's history is kept");
    expect((await bed.feedback.since()).filter((r) => r.userId === String(gina.id))).toEqual([]);
    expect(await bed.client.store.history(String(group.id))).toEqual(history);
  });
});
