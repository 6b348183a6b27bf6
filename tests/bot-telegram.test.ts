// The Telegram bot end to end: `saiga start` as a child process (gateway + engine on the demo
// model) against the Bot API emulator over real HTTP and a real Redis. Users act through the
// emulator; the assertions are what they would see in their chats.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textsEn } from "../src/bot/i18n/texts-en.js";
import { textsRu } from "../src/bot/i18n/texts-ru.js";
import { UserLimits } from "../src/store/user-limits.js";
import { TrainingQueue } from "../src/training/training-queue.js";
import { BotTestbed, pause, requestIdOf } from "./helpers/bot-harness.js";
import type { WorkerProcess } from "./helpers/pipeline-harness.js";

const ADMIN_ID = 424242;
const MAX_MESSAGE_LENGTH = 500;
const MESSAGES_PER_MINUTE = 8;

let bed: BotTestbed;
let bot: WorkerProcess;

beforeAll(async () => {
  bed = await BotTestbed.create();
  bot = await bed.start("start", {
    ADMIN_IDS: String(ADMIN_ID),
    SAIGA_LIMITS_MAX_MESSAGE_LENGTH: String(MAX_MESSAGE_LENGTH),
    SAIGA_LIMITS_MESSAGES_PER_MINUTE: String(MESSAGES_PER_MINUTE),
    SAIGA_GENERATION_MAX_TOKENS: "24",
  });
});
afterAll(async () => {
  await bed?.close();
});

const user = (languageCode = "ru") => bed.emulator.createUser({ languageCode });
/**
 * Makes the chat answer greedily with up to `maxTokens` tokens, and returns a question whose
 * answer runs that long without meeting EOS on the bot's engine: for tests that act while an answer
 * is still streaming. Which bytes the demo model picks depends on the CPU's kernels, but the same
 * prompt gives the same greedy tokens again, so a probe with the same prompt tells. `as` is what
 * the engine sees before the text (in a group: "Name: ").
 */
async function longAnswers(chatId: number, maxTokens = 400, as = ""): Promise<string> {
  await bed.client.store.updateSettings(String(chatId), { maxTokens, temperature: 0 });
  const candidates = ["Напиши длинную историю", "Привет! Как дела?", "напиши роман", "Как дела?", "расскажи"];
  for (const question of candidates) {
    const probe = `probe-${randomUUID()}`;
    await bed.client.store.updateSettings(probe, { maxTokens, temperature: 0 });
    const { requestId } = await bed.client.queue.enqueue(probe, { text: as + question });
    if ((await bed.client.answer(requestId)).stats?.stopReason !== "eos") return question;
  }
  throw new Error(
    `the demo model's greedy answers to ${candidates.join(", ")} all end within ${maxTokens} tokens`,
  );
}

describe("private chats", () => {
  it("answers a question with one streamed answer and 👍 👎 🔄", async () => {
    const alice = user();
    const question = await longAnswers(alice.id, 120);
    bed.emulator.sendMessage({ from: alice, text: question });
    const [answer] = await bed.waitForAnswers(alice.id);
    expect(answer!.replyMarkup!.inline_keyboard[0]!.map((b) => b.text)).toEqual(["👍", "👎", "🔄"]);
    // The answer was streamed as a draft with a stop button first.
    const drafts = bed.emulator.drafts(alice.id);
    expect(drafts.length).toBe(1);
    expect(drafts[0]!.canStop).toBe(true);
    expect(drafts[0]!.history.length).toBeGreaterThanOrEqual(1);
    // One answer, the one in the history, and no refused edits on the way.
    await pause(300);
    expect(bed.emulator.messagesIn(alice.id)).toHaveLength(1);
    const history = await bed.client.store.history(String(alice.id));
    expect(history.map((turn) => turn.role)).toEqual(["user", "assistant"]);
    expect(history[1]!.requestId).toBe(requestIdOf(answer!));
    expect(
      bed.emulator.sent.filter((call) => JSON.stringify(call.error ?? "").includes("not modified")),
    ).toEqual([]);
  });

  it("uses the chat's /system prompt for the next answer", async () => {
    const bob = user();
    bed.emulator.sendMessage({ from: bob, text: "/system Ты — пират. Отвечай как пират." });
    await bed.waitForText(bob.id, new RegExp(textsRu.systemSet));
    bed.emulator.sendMessage({ from: bob, text: "Где сокровища?" });
    const [answer] = await bed.waitForAnswers(bob.id);
    const record = await bed.records.get(requestIdOf(answer!)!);
    expect(record?.prompt).toEqual([
      { role: "system", content: "Ты — пират. Отвечай как пират." },
      { role: "user", content: "Где сокровища?" },
    ]);
    bed.emulator.sendMessage({ from: bob, text: "/system" });
    await bed.waitForText(bob.id, /Ты — пират\. Отвечай как пират\.\n\n/);
    bed.emulator.sendMessage({ from: bob, text: "/system reset" });
    await bed.waitForText(bob.id, new RegExp(textsRu.systemReset));
    expect((await bed.client.store.getSettings(String(bob.id))).systemPrompt).toBeUndefined();
  });

  it("keeps one vote per user and message (👍 then 👎 leaves 👎), and 🔄 writes a new answer", async () => {
    const carol = user();
    bed.emulator.sendMessage({ from: carol, text: "Расскажи анекдот" });
    const [first] = await bed.waitForAnswers(carol.id);
    const requestId = requestIdOf(first!)!;
    const up = bed.emulator.pressButton({ message: first!.message, data: `fb:up:${requestId}` });
    await bed.emulator.waitFor(() => bed.emulator.callbackAnswer(up.id));
    const down = bed.emulator.pressButton({ message: first!.message, data: `fb:down:${requestId}` });
    await bed.emulator.waitFor(() => bed.emulator.callbackAnswer(down.id));
    const votes = (await bed.feedback.since()).filter((record) => record.chatId === String(carol.id));
    expect(votes.map((vote) => vote.kind)).toEqual(["down"]);
    expect(votes[0]).toMatchObject({ requestId, messageId: first!.messageId, userId: String(carol.id) });
    // Linked to exactly what the model saw and said.
    const history = await bed.client.store.history(String(carol.id));
    expect(votes[0]!.answer).toBe(history[1]!.text);
    expect(votes[0]!.prompt.at(-1)).toEqual({ role: "user", content: "Расскажи анекдот" });

    bed.emulator.pressButton({ message: first!.message, data: `re:${requestId}` });
    const second = await bed.emulator.waitFor(
      () => bed.answers(carol.id).find((answer) => requestIdOf(answer) !== requestId),
      30_000,
    );
    const newRequestId = requestIdOf(second)!;
    expect(bed.emulator.messagesIn(carol.id)).toHaveLength(2);
    // The replaced answer lost its buttons and is recorded as a weak negative.
    expect(bed.emulator.messagesIn(carol.id)[0]!.replyMarkup?.inline_keyboard.flat() ?? []).toEqual([]);
    const after = await bed.client.store.history(String(carol.id));
    expect(after.map((turn) => [turn.role, turn.requestId])).toEqual([
      ["user", undefined],
      ["assistant", newRequestId],
    ]);
    const regenerated = (await bed.feedback.since()).filter(
      (record) => record.chatId === String(carol.id) && record.kind === "regenerated",
    );
    expect(regenerated.map((record) => record.requestId)).toEqual([requestId]);
  });

  it("stops a streamed draft within 1 s when the user presses its stop button", async () => {
    const dan = user();
    const question = await longAnswers(dan.id);
    bed.emulator.sendMessage({ from: dan, text: question });
    const draft = await bed.emulator.waitFor(() => bed.emulator.drafts(dan.id)[0], 20_000);
    const pressed = Date.now();
    bed.emulator.stopDraft(dan.id, draft.draftId);
    const stopped = await bed.waitForText(dan.id, new RegExp(textsRu.stoppedMark), 5000);
    expect(Date.now() - pressed).toBeLessThan(1000);
    expect(stopped.replyMarkup).toBeUndefined();
    // A stopped answer is not part of the history.
    expect((await bed.client.store.history(String(dan.id))).map((turn) => turn.role)).toEqual(["user"]);
  });

  it("delivers a 10,000-character answer in parts of at most 4096 characters", async () => {
    const erin = user();
    bed.emulator.privateChat(erin);
    const sentence = "Это предложение нужно для проверки длинного ответа. ";
    const paragraphs = Array.from({ length: 20 }, (_, i) => `${i + 1}. ${sentence.repeat(10)}`.trim());
    const text = paragraphs.join("\n\n");
    expect(text.length).toBeGreaterThan(10_000);
    await bed.deliverText(erin.id, text, `test_long_${randomUUID()}`);
    const parts = await bed.emulator.waitFor(() => {
      const messages = bed.emulator.messagesIn(erin.id);
      return messages.at(-1)?.replyMarkup && messages;
    }, 10_000);
    expect(parts.length).toBe(3);
    for (const part of parts) {
      expect(part.text.length).toBeLessThanOrEqual(4096);
      expect(part.parseMode).toBe("HTML");
      // Cut at paragraph boundaries: every part starts a numbered paragraph.
      expect(part.text).toMatch(/^\d+\. Это/);
    }
    expect(parts.slice(0, -1).every((part) => part.replyMarkup === undefined)).toBe(true);
    expect(parts.map((part) => part.text).join("\n\n")).toBe(text);
  });

  it("delivers broken Markdown, formatted where possible and as plain text when Telegram refuses it", async () => {
    const fay = user();
    bed.emulator.privateChat(fay);
    const broken = "**жирный без конца, [ссылка](http://example.com и `код без конца <b>&";
    await bed.deliverText(fay.id, broken, `test_md_${randomUUID()}`);
    const [formatted] = await bed.waitForAnswers(fay.id, 1, 10_000);
    expect(formatted!.text).toBe(broken);

    bed.emulator.failNext("sendMessage", {
      code: 400,
      description: "Bad Request: can't parse entities: test",
    });
    await bed.deliverText(fay.id, "**Жирный** и _курсив_", `test_md_${randomUUID()}`);
    const answers = await bed.waitForAnswers(fay.id, 2, 10_000);
    expect(answers[1]!.text).toBe("**Жирный** и _курсив_");
    expect(answers[1]!.parseMode).toBeUndefined();
  });

  it("waits out 429 storms and 5xx answers without losing a message", async () => {
    const users = [user(), user(), user()];
    bed.emulator.failNext("sendMessageDraft", { code: 429, retryAfter: 1, times: 4 });
    bed.emulator.failNext("sendMessage", { code: 429, retryAfter: 1, times: 3 });
    bed.emulator.failNext("sendMessage", { code: 502, times: 2 });
    bed.emulator.failNext("sendChatAction", { code: 429, retryAfter: 2, times: 3 });
    for (const [i, who] of users.entries())
      bed.emulator.sendMessage({ from: who, text: `Вопрос номер ${i}` });
    for (const who of users) {
      const answers = await bed.waitForAnswers(who.id, 1, 40_000);
      expect(answers).toHaveLength(1);
    }
    expect(bed.emulator.calls("sendMessage").filter((call) => call.error?.error_code === 429).length).toBe(3);
    await pause(500);
    for (const who of users) expect(bed.answers(who.id)).toHaveLength(1);
  });

  it("answers media with a polite text-only note, ignores edits, refuses long messages", async () => {
    const gus = user();
    bed.emulator.sendSticker({ from: gus });
    await bed.waitForText(gus.id, new RegExp(textsRu.textOnly));
    bed.emulator.sendVoice({ from: gus });
    bed.emulator.sendPhoto({ from: gus });
    bed.emulator.sendDocument({ from: gus });
    await bed.emulator.waitFor(
      () => bed.emulator.messagesIn(gus.id).filter((m) => m.text === textsRu.textOnly).length === 4,
    );

    const long = "а".repeat(MAX_MESSAGE_LENGTH + 1);
    bed.emulator.sendMessage({ from: gus, text: long });
    await bed.waitForText(gus.id, new RegExp(`${MAX_MESSAGE_LENGTH + 1} символов.*${MAX_MESSAGE_LENGTH}`));

    const question = bed.emulator.sendMessage({ from: gus, text: "Сколько будет 2+2?" });
    await bed.waitForAnswers(gus.id, 1);
    bed.emulator.editUserMessage({ message: question, text: "Сколько будет 3+3?" });
    await pause(1500);
    expect(bed.answers(gus.id)).toHaveLength(1);
    expect((await bed.client.store.history(String(gus.id))).filter((t) => t.role === "user")).toHaveLength(1);
  });

  it("tells a user who writes too fast when to write again", async () => {
    const hal = user();
    for (let i = 0; i <= MESSAGES_PER_MINUTE; i++)
      bed.emulator.sendMessage({ from: hal, text: `сообщение ${i}` });
    const refusal = await bed.waitForText(hal.id, /Напишите снова через \d+ с\./);
    expect(refusal.replyTo).toBeDefined();
  });

  it("speaks English to English users and after /lang en; /reset forgets the conversation", async () => {
    const ian = user("en-GB");
    bed.emulator.sendMessage({ from: ian, text: "/start" });
    await bed.waitForText(ian.id, /^Hi! I am Saiga/);
    const ru = user();
    bed.emulator.sendMessage({ from: ru, text: "Привет" });
    await bed.waitForAnswers(ru.id);
    bed.emulator.sendMessage({ from: ru, text: "/lang en" });
    await bed.waitForText(ru.id, new RegExp(textsEn.langSet));
    bed.emulator.sendMessage({ from: ru, text: "/reset" });
    await bed.waitForText(ru.id, new RegExp(textsEn.resetDone));
    expect(await bed.client.store.history(String(ru.id))).toEqual([]);
  });
});

describe("groups", () => {
  it("stays silent unless addressed; answers a mention, a reply and its name, replying to the asker", async () => {
    const alice = user();
    const group = bed.emulator.createGroup();
    bed.emulator.sendMessage({ from: alice, chat: group, text: "просто болтаем между собой" });
    bed.emulator.sendMessage({ from: alice, chat: group, text: "сайгаки бегут по степи" });
    const mention = bed.emulator.sendMessage({ from: alice, chat: group, text: "@saiga_test_bot как дела?" });
    const [first] = await bed.waitForAnswers(group.id, 1);
    expect(first!.replyTo).toBe(mention.message_id);
    const reply = bed.emulator.sendMessage({
      from: alice,
      chat: group,
      text: "а подробнее?",
      replyTo: first!.message,
    });
    const answers2 = await bed.waitForAnswers(group.id, 2);
    expect(answers2[1]!.replyTo).toBe(reply.message_id);
    const named = bed.emulator.sendMessage({ from: alice, chat: group, text: "Сайга, спасибо!" });
    const answers3 = await bed.waitForAnswers(group.id, 3);
    expect(answers3[2]!.replyTo).toBe(named.message_id);

    const users = (await bed.client.store.history(String(group.id))).filter((turn) => turn.role === "user");
    const name = alice.first_name;
    expect(users.map((turn) => turn.text)).toEqual([
      `${name}: как дела?`,
      `${name}: а подробнее?`,
      `${name}: спасибо!`,
    ]);
    expect(bed.emulator.messagesIn(group.id)).toHaveLength(3);
  });

  it("runs commands with and without @botname, and ignores other bots' commands", async () => {
    const bob = user();
    const group = bed.emulator.createGroup();
    bed.emulator.sendMessage({ from: bob, chat: group, text: "/help@other_bot" });
    bed.emulator.sendMessage({ from: bob, chat: group, text: "/help@saiga_test_bot" });
    await bed.waitForText(group.id, /\/reset/);
    bed.emulator.sendMessage({ from: bob, chat: group, text: "/help" });
    await bed.emulator.waitFor(() => bed.emulator.messagesIn(group.id).length === 2);
    await pause(300);
    expect(bed.emulator.messagesIn(group.id)).toHaveLength(2);
  });

  it("lets only the group's admins change its settings", async () => {
    const owner = user();
    const member = user();
    const group = bed.emulator.createGroup();
    bed.emulator.setChatMember(group, owner, "creator");
    bed.emulator.setChatMember(group, member, "member");
    bed.emulator.sendMessage({ from: member, chat: group, text: "/system Говори стихами" });
    await bed.waitForText(group.id, new RegExp(textsRu.groupAdminsOnly));
    expect((await bed.client.store.getSettings(String(group.id))).systemPrompt).toBeUndefined();
    bed.emulator.sendMessage({ from: owner, chat: group, text: "/system Говори стихами" });
    await bed.waitForText(group.id, new RegExp(textsRu.systemSet));
    expect((await bed.client.store.getSettings(String(group.id))).systemPrompt).toBe("Говори стихами");
  });

  it("stops an answer within 1 s with 🛑 on the streaming message", async () => {
    const carl = user();
    const group = bed.emulator.createGroup();
    const question = await longAnswers(group.id, 400, `${carl.first_name}: `);
    bed.emulator.sendMessage({ from: carl, chat: group, text: `@saiga_test_bot ${question}` });
    const streaming = await bed.emulator.waitFor(
      () =>
        bed.emulator
          .messagesIn(group.id)
          .find((m) => m.replyMarkup?.inline_keyboard[0]?.[0]?.text === textsRu.buttonStop),
      20_000,
    );
    const stop = streaming.replyMarkup!.inline_keyboard[0]![0]! as { callback_data: string };
    const pressed = Date.now();
    bed.emulator.pressButton({ message: streaming.message, data: stop.callback_data, from: carl });
    await bed.emulator.waitFor(
      () => bed.emulator.messagesIn(group.id)[0]!.text.endsWith(textsRu.stoppedMark),
      5000,
    );
    expect(Date.now() - pressed).toBeLessThan(1000);
    expect(bed.emulator.messagesIn(group.id)[0]!.replyMarkup?.inline_keyboard.flat() ?? []).toEqual([]);
  });
});

describe("admin commands", () => {
  const commands = [
    "/stats",
    "/ban 1",
    "/unban 1",
    "/quota 1 5",
    "/train",
    "/adapters",
    "/activate 1",
    "/rollback",
  ];

  it("refuses every admin command to a non-admin, and nothing happens", async () => {
    const mallory = user();
    const victim = user();
    for (const command of commands) {
      bed.emulator.sendMessage({ from: mallory, text: command.replace(" 1", ` ${victim.id}`) });
    }
    await bed.emulator.waitFor(
      () =>
        bed.emulator.messagesIn(mallory.id).filter((m) => m.text === textsRu.notAdmin).length ===
        commands.length,
      10_000,
    );
    const limits = new UserLimits({
      redis: bed.client.redis,
      keys: bed.client.keys,
      messagesPerMinute: 0,
      dailyTokens: 0,
    });
    expect(await limits.isBanned(String(victim.id))).toBe(false);
    expect((await limits.quota(String(victim.id))).limit).toBe(0);
    expect(bed.emulator.messagesIn(mallory.id)).toHaveLength(commands.length);
  });

  it("works for an admin: stats, ban and unban, quota, and the training and adapter commands", async () => {
    const admin = bed.emulator.createUser({ id: ADMIN_ID });
    const target = user();
    bed.emulator.sendMessage({ from: admin, text: `/ban ${target.id}` });
    await bed.waitForText(ADMIN_ID, new RegExp(`${target.id} заблокирован`));
    bed.emulator.sendMessage({ from: target, text: "Привет?" });
    await pause(1500);
    expect(bed.emulator.messagesIn(target.id)).toEqual([]); // banned users get nothing
    bed.emulator.sendMessage({ from: admin, text: `/unban ${target.id}` });
    await bed.waitForText(ADMIN_ID, new RegExp(`${target.id} разблокирован`));
    bed.emulator.sendMessage({ from: target, text: "А теперь?" });
    await bed.waitForAnswers(target.id, 1);
    bed.emulator.sendMessage({ from: admin, text: "/stats" });
    const stats = await bed.waitForText(ADMIN_ID, /Статистика/);
    expect(stats.text).toMatch(/Очередь: \d+ ждут/);
    expect(stats.text).toMatch(/Модель: saiga-demo\.gguf/);

    bed.emulator.sendMessage({ from: admin, text: `/quota ${target.id} 1` });
    await bed.waitForText(ADMIN_ID, /лимит пользователя \d+: 1 токенов/);
    bed.emulator.sendMessage({ from: target, text: "Ещё вопрос" });
    await bed.waitForText(target.id, /Дневной лимит исчерпан \(\d+ из 1 токенов\)/);
    // API callers sit in the same limits store, under api:<key name>.
    bed.emulator.sendMessage({ from: admin, text: "/quota api:webui 500" });
    await bed.waitForText(ADMIN_ID, /лимит пользователя api:webui: 500 токенов/);

    bed.emulator.sendMessage({ from: admin, text: "/adapters" });
    await bed.waitForText(ADMIN_ID, new RegExp(textsRu.noAdapters));
    bed.emulator.sendMessage({ from: admin, text: "/activate v-missing" });
    await bed.waitForText(ADMIN_ID, /no adapter version v-missing/);
    bed.emulator.sendMessage({ from: admin, text: "/rollback" });
    await bed.waitForText(ADMIN_ID, new RegExp(textsRu.nothingToRollBack));
    bed.emulator.sendMessage({ from: admin, text: "/train" });
    const queued = await bed.waitForText(ADMIN_ID, /Дообучение поставлено в очередь \(задача (\S+)\)/);
    const jobId = /задача (\S+)\)/.exec(queued.text)![1]!;
    const training = new TrainingQueue(bed.client.redis, bed.client.keys);
    expect((await training.queue.getJob(jobId))?.data).toMatchObject({
      force: true,
      requestedBy: `admin:${ADMIN_ID}`,
    });
    await training.close();
  });

  it("registers the command menus per scope and language", () => {
    const privateMenu = bed.emulator.myCommands({ type: "all_private_chats" }).map((c) => c.command);
    expect(privateMenu).toEqual([
      "start",
      "help",
      "reset",
      "system",
      "params",
      "stop",
      "lang",
      "model",
      "privacy",
      "export",
      "forget",
    ]);
    expect(bed.emulator.myCommands({ type: "all_group_chats" }).map((c) => c.command)).not.toContain("start");
    const adminMenu = bed.emulator.myCommands({ type: "chat", chat_id: ADMIN_ID }).map((c) => c.command);
    expect(adminMenu).toEqual(
      expect.arrayContaining(["stats", "ban", "unban", "quota", "train", "rollback"]),
    );
    expect(bed.emulator.myCommands({ type: "all_private_chats" }, "en")[0]!.description).toBe(
      textsEn.commands.start,
    );
  });
});

describe("/params", () => {
  it("changes temperature, top-p and answer length from an inline menu", async () => {
    const pat = user();
    bed.emulator.sendMessage({ from: pat, text: "/params" });
    const menu = await bed.waitForText(pat.id, /Параметры ответа/);
    bed.emulator.pressButton({ message: menu.message, data: "pm:temperature=0.3" });
    await bed.emulator.waitFor(() => bed.emulator.messagesIn(pat.id)[0]!.text.includes("температура 0.3"));
    bed.emulator.pressButton({
      message: bed.emulator.messagesIn(pat.id)[0]!.message,
      data: "pm:maxTokens=128",
    });
    await bed.emulator.waitFor(() => bed.emulator.messagesIn(pat.id)[0]!.text.includes("до 128 токенов"));
    expect(await bed.client.store.getSettings(String(pat.id))).toMatchObject({
      temperature: 0.3,
      maxTokens: 128,
    });
  });
});

describe("a Bot API server without drafts", () => {
  it("logs the refusal and streams by editing a message instead", async () => {
    bed.emulator.refuse("sendMessageDraft");
    const quinn = user();
    const question = await longAnswers(quinn.id, 120);
    bed.emulator.sendMessage({ from: quinn, text: question });
    const [answer] = await bed.waitForAnswers(quinn.id);
    expect(bed.emulator.messagesIn(quinn.id)).toHaveLength(1);
    expect(answer!.edits).toBeGreaterThanOrEqual(1);
    expect(bot.log()).toContain("refused sendMessageDraft");
  });
});
