// Group context end to end: `saiga start` (gateway + engine on the demo model) against the Bot
// API emulator and a real Redis. What a user replies to or quotes reaches the prompt the model
// saw (the generation record, as `saiga prompt` shows it), marked and capped; each forum topic is
// a conversation of its own, answered in its topic.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversationIdOf } from "../src/bot/conversation-id.js";
import { textsRu } from "../src/bot/i18n/texts-ru.js";
import { BotTestbed, requestIdOf } from "./helpers/bot-harness.js";

const QUOTE_MAX_CHARS = 200;

let bed: BotTestbed;

beforeAll(async () => {
  bed = await BotTestbed.create();
  await bed.start("start", {
    SAIGA_GENERATION_MAX_TOKENS: "12",
    SAIGA_TELEGRAM_QUOTE_MAX_CHARS: String(QUOTE_MAX_CHARS),
  });
});
afterAll(async () => {
  await bed?.close();
});

/** The user message the model answered last in a chat's newest answer (`count` answers expected). */
async function lastQuestion(chatId: number, count: number): Promise<string> {
  const answers = await bed.waitForAnswers(chatId, count);
  const record = await bed.records.get(requestIdOf(answers[count - 1]!)!);
  const prompt = record!.prompt;
  expect(prompt.at(-1)!.role).toBe("user");
  return prompt.at(-1)!.content;
}

describe("replies and quotes in a group", () => {
  it("puts the replied message, a quoted part, or a capped long message before the question", async () => {
    const alice = bed.emulator.createUser({ firstName: "Alice", languageCode: "ru" });
    const bob = bed.emulator.createUser({ firstName: "Bob", languageCode: "ru" });
    const group = bed.emulator.createGroup();

    // A reply to Alice's message that mentions the bot: her whole message, quoted and attributed.
    const fact = bed.emulator.sendMessage({ from: alice, chat: group, text: "Сайгаки живут в степях." });
    bed.emulator.sendMessage({ from: bob, chat: group, text: "@saiga_test_bot правда?", replyTo: fact });
    expect(await lastQuestion(group.id, 1)).toBe("> Alice: Сайгаки живут в степях.\n\nBob: правда?");

    // A quote of part of a message: only that part.
    const two = bed.emulator.sendMessage({
      from: alice,
      chat: group,
      text: "Первое про погоду.\nВторое про сайгаков и их нос.",
    });
    bed.emulator.sendMessage({
      from: bob,
      chat: group,
      text: "@saiga_test_bot зачем им такой?",
      replyTo: two,
      quote: "Второе про сайгаков и их нос.",
    });
    expect(await lastQuestion(group.id, 2)).toBe(
      "> Alice: Второе про сайгаков и их нос.\n\nBob: зачем им такой?",
    );

    // A huge message is cut to telegram.quoteMaxChars; the question itself stays whole.
    const huge = bed.emulator.sendMessage({ from: alice, chat: group, text: "степь ".repeat(400).trim() });
    bed.emulator.sendMessage({ from: bob, chat: group, text: "@saiga_test_bot это много?", replyTo: huge });
    const capped = await lastQuestion(group.id, 3);
    expect(capped.endsWith("\n\nBob: это много?")).toBe(true);
    const quoted = capped.slice(0, capped.indexOf("\n\n"));
    expect(quoted.startsWith("> Alice: степь степь")).toBe(true);
    expect(quoted.endsWith(" …")).toBe(true);
    expect(quoted.length).toBeLessThanOrEqual("> Alice: ".length + QUOTE_MAX_CHARS + " …".length);
  });

  it("does not repeat an answer of the bot the history has, but shows a quoted part of it", async () => {
    const carol = bed.emulator.createUser({ firstName: "Carol", languageCode: "ru" });
    const group = bed.emulator.createGroup();
    bed.emulator.sendMessage({ from: carol, chat: group, text: "@saiga_test_bot расскажи про степь" });
    const [answer] = await bed.waitForAnswers(group.id, 1);

    // A reply to the answer addresses the bot without a mention; the answer is in the history already.
    bed.emulator.sendMessage({ from: carol, chat: group, text: "а ещё?", replyTo: answer!.message });
    expect(await lastQuestion(group.id, 2)).toBe("Carol: а ещё?");

    const part = answer!.text.trim().slice(0, 8).trim();
    bed.emulator.sendMessage({
      from: carol,
      chat: group,
      text: "вот это поясни",
      replyTo: answer!.message,
      quote: part,
    });
    expect(await lastQuestion(group.id, 3)).toBe(`> Saiga: ${part}\n\nCarol: вот это поясни`);
  });
});

describe("forum topics", () => {
  it("keeps a history per topic, answers in the topic, and /reset clears only its topic", async () => {
    const dana = bed.emulator.createUser({ firstName: "Dana", languageCode: "ru" });
    const forum = bed.emulator.createGroup({ forum: true });
    bed.emulator.setChatMember(forum, dana, "administrator");
    const steppe = bed.emulator.createTopic(forum, "Степь", dana);
    const mountains = bed.emulator.createTopic(forum, "Горы", dana);
    const inSteppe = conversationIdOf(forum.id, steppe);
    const inMountains = conversationIdOf(forum.id, mountains);

    bed.emulator.sendMessage({
      from: dana,
      chat: forum,
      topic: steppe,
      text: "@saiga_test_bot кто в степи?",
    });
    await bed.waitForAnswers(forum.id, 1);
    bed.emulator.sendMessage({
      from: dana,
      chat: forum,
      topic: mountains,
      text: "@saiga_test_bot кто в горах?",
    });
    const answers = await bed.waitForAnswers(forum.id, 2);
    expect(answers.map((answer) => answer.threadId)).toEqual([steppe, mountains]);

    const users = async (conversation: string) =>
      (await bed.client.store.history(conversation)).filter((t) => t.role === "user").map((t) => t.text);
    expect(await users(inSteppe)).toEqual(["Dana: кто в степи?"]);
    expect(await users(inMountains)).toEqual(["Dana: кто в горах?"]);
    // The mountains' answer saw nothing of the steppe (the topic's creation is no quote either).
    const record = await bed.records.get(requestIdOf(answers[1]!)!);
    expect(record!.chatId).toBe(inMountains);
    expect(record!.prompt.filter((m) => m.role !== "system")).toEqual([
      { role: "user", content: "Dana: кто в горах?" },
    ]);
    // The chat itself has no history: everything went to the topics.
    expect(await bed.client.store.history(String(forum.id))).toEqual([]);

    // 🔄 under the mountains' answer rewrites it there, in its topic and conversation.
    const rewritten = requestIdOf(answers[1]!)!;
    bed.emulator.pressButton({ message: answers[1]!.message, data: `re:${rewritten}`, from: dana });
    const again = await bed.emulator.waitFor(() =>
      bed.answers(forum.id).find((a) => a.threadId === mountains && requestIdOf(a) !== rewritten),
    );
    expect((await bed.records.get(requestIdOf(again)!))!.chatId).toBe(inMountains);
    expect(await users(inSteppe)).toEqual(["Dana: кто в степи?"]);

    bed.emulator.sendMessage({ from: dana, chat: forum, topic: steppe, text: "/reset" });
    const done = await bed.waitForText(forum.id, new RegExp(textsRu.resetDone));
    expect(done.threadId).toBe(steppe);
    expect(await bed.client.store.history(inSteppe)).toEqual([]);
    expect(await users(inMountains)).toEqual(["Dana: кто в горах?"]);
  });
});
