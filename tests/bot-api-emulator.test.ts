// The Telegram Bot API emulator under a real grammY bot: real HTTP, long polling, webhooks, faults, no mocks.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { autoRetry } from "@grammyjs/auto-retry";
import { run } from "@grammyjs/runner";
import {
  Bot,
  GrammyError,
  HttpError,
  InlineKeyboard,
  webhookCallback,
  type ApiClientOptions,
  type Context,
} from "grammy";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BotApiEmulator } from "./helpers/bot-api-emulator/index.js";

let emulator: BotApiEmulator;
/** Things a test started (bots, servers), undone after it even when it fails. */
let cleanups: Array<() => unknown>;

beforeEach(async () => {
  emulator = await BotApiEmulator.start();
  cleanups = [];
});

afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.reverse()) await cleanup();
  await emulator.close();
});

/** A grammY bot talking to the emulator. */
function newBot(client: ApiClientOptions = {}): Bot {
  return new Bot(emulator.token, { client: { apiRoot: emulator.apiRoot, ...client } });
}

/** Starts simple long polling and resolves once it runs (with bot.start()'s promise); stopped after the test. */
async function startPolling(bot: Bot<Context>): Promise<{ polling: Promise<void> }> {
  let polling: Promise<void> = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    polling = bot.start({ onStart: () => resolve() });
    polling.catch(reject);
  });
  cleanups.push(async () => {
    if (bot.isRunning()) await bot.stop();
  });
  // wrapped: an async function would adopt the promise and wait for polling to end
  return { polling };
}

/** The error a Bot API call failed with. */
async function apiError(call: Promise<unknown>): Promise<GrammyError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof GrammyError)) throw new Error(`expected a GrammyError, got ${String(error)}`);
  return error;
}

describe("Bot API emulator: HTTP surface", () => {
  it("answers getMe, and 401 for a wrong token and 404 for an unknown method", async () => {
    const bot = newBot();
    expect(await bot.api.getMe()).toEqual(emulator.bot);
    expect(emulator.bot).toMatchObject({ is_bot: true, username: "saiga_test_bot" });

    const stranger = new Bot("1:wrong", { client: { apiRoot: emulator.apiRoot } });
    expect(await apiError(stranger.api.getMe())).toMatchObject({
      error_code: 401,
      description: "Unauthorized",
    });

    const unknown = await fetch(`${emulator.apiRoot}/bot${emulator.token}/noSuchMethod`, { method: "POST" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      ok: false,
      error_code: 404,
      description: "Not Found: method not found",
    });
    expect(emulator.calls("noSuchMethod")).toHaveLength(1);
  });

  it("takes GET query strings, urlencoded forms and multipart bodies, method names in any case", async () => {
    const alice = emulator.createUser({ firstName: "Alice" });
    const chat = emulator.privateChat(alice);
    const base = `${emulator.apiRoot}/bot${emulator.token}`;

    const viaGet = await fetch(`${base}/getme`);
    expect(await viaGet.json()).toMatchObject({ ok: true, result: { id: emulator.bot.id } });

    const form = await fetch(`${base}/sendMessage`, {
      method: "POST",
      body: new URLSearchParams({ chat_id: String(chat.id), text: "<b>form</b>", parse_mode: "HTML" }),
    });
    expect(await form.json()).toMatchObject({
      ok: true,
      result: { text: "form", entities: [{ type: "bold" }] },
    });

    const multipart = new FormData();
    multipart.set("chat_id", String(chat.id));
    multipart.set("text", "multipart");
    multipart.set("reply_markup", JSON.stringify({ inline_keyboard: [[{ text: "A", callback_data: "a" }]] }));
    const viaMultipart = await fetch(`${base}/sendMessage`, { method: "POST", body: multipart });
    expect(await viaMultipart.json()).toMatchObject({ ok: true, result: { text: "multipart" } });

    expect(emulator.messagesIn(chat.id).map((m) => m.text)).toEqual(["form", "multipart"]);
    expect(emulator.messagesIn(chat.id)[1]!.replyMarkup).toEqual({
      inline_keyboard: [[{ text: "A", callback_data: "a" }]],
    });
    expect(emulator.calls("getMe")[0]).toMatchObject({ method: "getMe", ok: true });
  });

  it("close() ends a waiting long poll, closes the server, and may be called again", async () => {
    const bot = newBot();
    const poll = bot.api.getUpdates({ timeout: 10 });
    await emulator.waitFor(() => emulator.calls("getUpdates").length === 1);
    const started = Date.now();
    await emulator.close();
    await emulator.close();
    await Promise.allSettled([poll]);
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(fetch(`${emulator.apiRoot}/bot${emulator.token}/getMe`)).rejects.toThrow();
  });
});

describe("Bot API emulator: receiving updates", () => {
  it("delivers a user message to bot.start() and shows the bot's reply in messagesIn", async () => {
    const bot = newBot();
    bot.on("message:text", (ctx) =>
      ctx.reply(`echo: <b>${ctx.message.text}</b>`, {
        parse_mode: "HTML",
        reply_parameters: { message_id: ctx.message.message_id },
      }),
    );
    await startPolling(bot);

    const alice = emulator.createUser({ firstName: "Alice" });
    const question = emulator.sendMessage({ from: alice, text: "привет" });
    expect(question).toMatchObject({ chat: { id: alice.id, type: "private" }, from: alice, text: "привет" });

    const [reply] = await emulator.waitFor(
      () => emulator.messagesIn(alice.id).length > 0 && emulator.messagesIn(alice.id),
    );
    expect(reply).toMatchObject({
      text: "echo: привет",
      entities: [{ type: "bold", offset: 6, length: 6 }],
      parseMode: "HTML",
      replyTo: question.message_id,
      edits: 0,
    });
    expect(reply!.messageId).toBe(question.message_id + 1);
    expect(reply!.message.from).toMatchObject({ id: emulator.bot.id, is_bot: true });
  });

  it("delivers a group command to @grammyjs/runner, with bot_command and mention entities", async () => {
    const bot = newBot();
    bot.command("start", (ctx) => ctx.reply(`hello, ${ctx.from?.first_name}`));
    const runner = run(bot);
    cleanups.push(() => runner.isRunning() && runner.stop());

    const group = emulator.createGroup({ title: "Чат" });
    const bob = emulator.createUser({ firstName: "Bob", username: "bob_the_user" });
    const command = emulator.sendMessage({
      chat: group,
      from: bob,
      text: "/start@saiga_test_bot hi @bob_the_user",
    });
    expect(command.entities).toEqual([
      { type: "bot_command", offset: 0, length: 21 },
      { type: "mention", offset: 25, length: 13 },
    ]);

    const [reply] = await emulator.waitFor(
      () => emulator.messagesIn(group.id)[0] && emulator.messagesIn(group.id),
    );
    expect(reply!.text).toBe("hello, Bob");
    await runner.stop();
  });

  it("confirms updates by offset: unconfirmed ones come again, confirmed ones never", async () => {
    const api = newBot().api;
    const alice = emulator.createUser();
    emulator.sendMessage({ from: alice, text: "one" });
    emulator.sendMessage({ from: alice, text: "two" });

    const first = await api.getUpdates({ timeout: 0 });
    expect(first.map((u) => u.message?.text)).toEqual(["one", "two"]);
    expect((await api.getUpdates({ timeout: 0 })).map((u) => u.update_id)).toEqual(
      first.map((u) => u.update_id),
    );
    expect(await api.getUpdates({ offset: first[0]!.update_id + 1, limit: 1 })).toHaveLength(1);
    expect(emulator.pendingUpdates).toBe(1);

    // a long poll waits for the next update and answers as soon as it arrives
    const waiting = api.getUpdates({ offset: first[1]!.update_id + 1, timeout: 5 });
    await emulator.waitFor(() => emulator.pendingUpdates === 0);
    emulator.sendMessage({ from: alice, text: "three" });
    expect((await waiting).map((u) => u.message?.text)).toEqual(["three"]);
  });

  it("does not redeliver handled updates when the bot restarts", async () => {
    const alice = emulator.createUser();
    const seen: string[] = [];
    const first = newBot();
    first.on("message:text", (ctx) => void seen.push(`first:${ctx.message.text}`));
    await startPolling(first);
    emulator.sendMessage({ from: alice, text: "before restart" });
    await emulator.waitFor(() => seen.length === 1);
    await first.stop(); // confirms the offset

    const second = newBot();
    second.on("message:text", (ctx) => void seen.push(`second:${ctx.message.text}`));
    await startPolling(second);
    emulator.sendMessage({ from: alice, text: "after restart" });
    await emulator.waitFor(() => seen.length === 2);
    expect(seen).toEqual(["first:before restart", "second:after restart"]);
  });

  it("answers 409 Conflict to the older of two concurrent getUpdates, as Telegram does", async () => {
    const api = newBot().api;
    const older = api.getUpdates({ timeout: 5 });
    await emulator.waitFor(() => emulator.calls("getUpdates").length === 1);
    const newer = api.getUpdates({ timeout: 0 });
    expect(await apiError(older)).toMatchObject({
      error_code: 409,
      description:
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    });
    expect(await newer).toEqual([]);

    // two running bots: the first one's polling fails with the conflict
    const one = newBot();
    const { polling } = await startPolling(one);
    await emulator.waitFor(() => emulator.calls("getUpdates").some((c) => c.ok === undefined));
    const two = newBot();
    await startPolling(two);
    expect(await apiError(polling)).toMatchObject({ error_code: 409 });
  });

  it("posts updates to a webhook with the secret token, retrying a failed delivery", async () => {
    // the chat action goes back in the webhook's HTTP answer (a "webhook reply"), the message by a call
    const bot = newBot({ canUseWebhookReply: (method) => method === "sendChatAction" });
    bot.on("message:text", async (ctx) => {
      await ctx.replyWithChatAction("typing");
      await ctx.reply(`webhook: ${ctx.message.text}`);
    });
    const handle = webhookCallback(bot, "http", { secretToken: "s3cret-token" });
    const secrets: unknown[] = [];
    let failures = 1;
    const server = http.createServer((req, res) => {
      secrets.push(req.headers["x-telegram-bot-api-secret-token"]);
      if (failures-- > 0) {
        res.writeHead(500).end();
        return;
      }
      void handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

    expect(await bot.api.setWebhook(url, { secret_token: "s3cret-token" })).toBe(true);
    const alice = emulator.createUser();
    emulator.sendMessage({ from: alice, text: "через вебхук" });

    const [reply] = await emulator.waitFor(
      () => emulator.messagesIn(alice.id)[0] && emulator.messagesIn(alice.id),
    );
    expect(reply!.text).toBe("webhook: через вебхук");
    expect(secrets).toEqual(["s3cret-token", "s3cret-token"]);
    const info = await bot.api.getWebhookInfo();
    expect(info).toMatchObject({
      url,
      pending_update_count: 0,
      last_error_message: "Wrong response from the webhook: 500 Internal Server Error",
    });
    expect(await apiError(bot.api.getUpdates())).toMatchObject({ error_code: 409 });
    expect(emulator.calls("setWebhook")[0]).toMatchObject({ ok: true, result: true });
    await emulator.waitFor(() => emulator.calls("sendChatAction").length === 1);
    expect(emulator.calls("sendChatAction")[0]).toMatchObject({
      ok: true,
      viaWebhookReply: true,
      params: { chat_id: alice.id, action: "typing" },
    });

    await bot.api.deleteWebhook();
    expect((await bot.api.getWebhookInfo()).url).toBe("");
  });

  it("makes callback_query, edited_message and media updates, and serves the files", async () => {
    const api = newBot().api;
    const alice = emulator.createUser();
    const chat = emulator.privateChat(alice);
    const keyboard = new InlineKeyboard().text("Да", "yes").text("Нет", "no");
    const menu = await api.sendMessage(chat.id, "Выберите", { reply_markup: keyboard });
    expect(() => emulator.pressButton({ message: menu, data: "maybe" })).toThrow(/no button/);
    const query = emulator.pressButton({ message: menu, data: "yes" });

    const text = emulator.sendMessage({ from: alice, text: "typo" });
    emulator.editUserMessage({ message: text, text: "fixed" });
    emulator.sendSticker({ from: alice, emoji: "🔥" });
    const voiceBytes = Buffer.from("OggS not really opus");
    emulator.sendVoice({ from: alice, data: voiceBytes, duration: 3 });
    emulator.sendPhoto({ from: alice, caption: "фото #котик" });
    emulator.sendDocument({ from: alice, fileName: "notes.md", mimeType: "text/markdown" });

    const updates = await api.getUpdates();
    expect(updates.map((u) => Object.keys(u).filter((k) => k !== "update_id")[0])).toEqual([
      "callback_query",
      "message",
      "edited_message",
      "message",
      "message",
      "message",
      "message",
    ]);
    expect(updates[0]!.callback_query).toMatchObject({ id: query.id, data: "yes", from: alice });
    expect(updates[0]!.callback_query!.message).toMatchObject({ message_id: menu.message_id });
    expect(updates[2]!.edited_message).toMatchObject({ text: "fixed", message_id: text.message_id });
    expect(updates[2]!.edited_message!.edit_date).toBeGreaterThan(0);
    expect(updates[3]!.message!.sticker?.emoji).toBe("🔥");
    expect(updates[5]!.message!.caption_entities).toEqual([{ type: "hashtag", offset: 5, length: 6 }]);
    expect(updates[6]!.message!.document).toMatchObject({
      file_name: "notes.md",
      mime_type: "text/markdown",
    });

    const voice = updates[4]!.message!.voice!;
    expect(voice.duration).toBe(3);
    const file = await api.getFile(voice.file_id);
    const download = await fetch(`${emulator.apiRoot}/file/bot${emulator.token}/${file.file_path}`);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(voiceBytes);
    expect(await apiError(api.getFile("nope"))).toMatchObject({
      description: "Bad Request: invalid file_id",
    });
  });

  it("hides group chatter from the bot in privacy mode, but not commands, mentions and replies", async () => {
    await emulator.close();
    emulator = await BotApiEmulator.start({ privacyMode: true, botUsername: "private_bot" });
    const api = newBot().api;
    const group = emulator.createGroup({ type: "group" });
    const alice = emulator.createUser();
    emulator.sendMessage({ chat: group, from: alice, text: "just chatting" });
    emulator.sendMessage({ chat: group, from: alice, text: "/help" });
    emulator.sendMessage({ chat: group, from: alice, text: "hey @private_bot" });
    const answer = await api.sendMessage(group.id, "I am here");
    emulator.sendMessage({ chat: group, from: alice, text: "a reply", replyTo: answer });
    const texts = (await api.getUpdates()).map((u) => u.message?.text);
    expect(texts).toEqual(["/help", "hey @private_bot", "a reply"]);
    expect(emulator.history(group.id)).toHaveLength(5);
  });
});

describe("Bot API emulator: sending and editing", () => {
  it("edits messages: 'not modified', missing messages, and keyboards dropped by a plain edit", async () => {
    const api = newBot().api;
    const chat = emulator.privateChat(emulator.createUser());
    const keyboard = new InlineKeyboard().text("A", "a");
    const sent = await api.sendMessage(chat.id, "hello", { reply_markup: keyboard });

    expect(
      await apiError(api.editMessageText(chat.id, sent.message_id, "hello", { reply_markup: keyboard })),
    ).toMatchObject({
      error_code: 400,
      description:
        "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    });
    expect(await apiError(api.editMessageText(chat.id, 999, "x"))).toMatchObject({
      description: "Bad Request: message to edit not found",
    });

    const edited = await api.editMessageText(chat.id, sent.message_id, "hello", {});
    expect(edited).toMatchObject({ text: "hello", edit_date: expect.any(Number) });
    expect(emulator.messagesIn(chat.id)[0]).toMatchObject({ text: "hello", edits: 1 });
    expect(emulator.messagesIn(chat.id)[0]!.replyMarkup).toBeUndefined();

    await api.editMessageReplyMarkup(chat.id, sent.message_id, { reply_markup: keyboard });
    expect(
      await apiError(api.editMessageReplyMarkup(chat.id, sent.message_id, { reply_markup: keyboard })),
    ).toMatchObject({
      description: expect.stringContaining("message is not modified"),
    });
    expect(emulator.messagesIn(chat.id)[0]).toMatchObject({ edits: 2, replyMarkup: keyboard });

    expect(await api.deleteMessage(chat.id, sent.message_id)).toBe(true);
    expect(emulator.messagesIn(chat.id)).toEqual([]);
    expect(emulator.messagesIn(chat.id, { includeDeleted: true })[0]!.deleted).toBe(true);
    expect(await apiError(api.deleteMessage(chat.id, sent.message_id))).toMatchObject({
      description: "Bad Request: message to delete not found",
    });
    expect(await api.sendChatAction(chat.id, "typing")).toBe(true);
    expect(await apiError(api.sendMessage(-42, "nobody"))).toMatchObject({
      description: "Bad Request: chat not found",
    });
  });

  it("rejects a message longer than 4096 characters after entity parsing", async () => {
    const api = newBot().api;
    const chat = emulator.privateChat(emulator.createUser());
    expect(await apiError(api.sendMessage(chat.id, "я".repeat(4097)))).toMatchObject({
      error_code: 400,
      description: "Bad Request: message is too long",
    });
    // tags do not count: 4096 letters inside <b> fit
    const fits = await api.sendMessage(chat.id, `<b>${"я".repeat(4096)}</b>`, { parse_mode: "HTML" });
    expect(fits.text).toHaveLength(4096);
    expect(await apiError(api.sendMessage(chat.id, "   "))).toMatchObject({
      description: "Bad Request: message text is empty",
    });
  });

  it("rejects bad HTML and MarkdownV2 with Telegram's 'can't parse entities' errors", async () => {
    const api = newBot().api;
    const chat = emulator.privateChat(emulator.createUser());
    const html = (text: string) => apiError(api.sendMessage(chat.id, text, { parse_mode: "HTML" }));
    const markdown = (text: string) => apiError(api.sendMessage(chat.id, text, { parse_mode: "MarkdownV2" }));
    const prefix = "Bad Request: can't parse entities: ";

    expect((await html("<b>bold")).description).toBe(
      `${prefix}Can't find end tag corresponding to start tag "b"`,
    );
    expect((await html("ok <blink>x</blink>")).description).toBe(
      `${prefix}Unsupported start tag "blink" at byte offset 3`,
    );
    expect((await html("<b>x</i>")).description).toBe(
      `${prefix}Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`,
    );
    expect((await html("a < b")).description).toBe(`${prefix}Unsupported start tag "" at byte offset 2`);
    expect((await markdown("Привет.")).description).toBe(
      `${prefix}Character '.' is reserved and must be escaped with the preceding '\\'`,
    );
    expect((await markdown("*bold")).description).toBe(
      `${prefix}Can't find end of Bold entity at byte offset 0`,
    );
    expect((await apiError(api.sendMessage(chat.id, "*x", { parse_mode: "Markdown" }))).description).toBe(
      `${prefix}Can't find end of the entity starting at byte offset 0`,
    );

    const fine = await api.sendMessage(
      chat.id,
      '<b>жирный</b> &amp; <a href="https://example.com">ссылка</a> <pre><code class="language-ts">x</code></pre>',
      { parse_mode: "HTML" },
    );
    expect(fine.text).toBe("жирный & ссылка x");
    expect(fine.entities).toEqual([
      { type: "bold", offset: 0, length: 6 },
      { type: "text_link", offset: 9, length: 6, url: "https://example.com" },
      { type: "pre", offset: 16, length: 1, language: "ts" },
    ]);
    const v2 = await api.sendMessage(chat.id, "*жирный* \\. _курсив_ ||спойлер|| `код`\n>цитата", {
      parse_mode: "MarkdownV2",
    });
    expect(v2.text).toBe("жирный . курсив спойлер код\nцитата");
    expect(v2.entities?.map((e) => e.type)).toEqual(["bold", "italic", "spoiler", "code", "blockquote"]);
  });

  it("sends, streams and refuses drafts (sendMessageDraft) so that a bot can fall back", async () => {
    const api = newBot().api;
    const chat = emulator.privateChat(emulator.createUser());
    expect(await api.sendMessageDraft(chat.id, 7, "Думаю")).toBe(true);
    expect(await api.sendMessageDraft(chat.id, 7, "Думаю… почти", { can_stop: true })).toBe(true);
    expect(emulator.drafts(chat.id)).toMatchObject([
      { draftId: 7, text: "Думаю… почти", history: ["Думаю", "Думаю… почти"], canStop: true, active: true },
    ]);
    emulator.stopDraft(chat.id, 7);
    expect((await api.getUpdates())[0]!.stopped_message_generation).toMatchObject({ draft_id: 7 });
    await api.sendMessage(chat.id, "Готово");
    expect(emulator.drafts(chat.id)[0]!.active).toBe(false);

    emulator.refuse("sendMessageDraft");
    const refused = await apiError(api.sendMessageDraft(chat.id, 8, "..."));
    expect(refused).toMatchObject({ error_code: 400, description: "Bad Request: method not supported" });
    expect(emulator.calls("sendMessageDraft").at(-1)).toMatchObject({ ok: false, injected: "refused" });
    // a bot that falls back to a plain message on refusal
    const answer = await api
      .sendMessageDraft(chat.id, 8, "...")
      .catch(() => api.sendMessage(chat.id, "без черновика"));
    expect(answer).toMatchObject({ text: "без черновика" });
    emulator.allow("sendMessageDraft");
    expect(await api.sendMessageDraft(chat.id, 9, "")).toBe(true);
  });

  it("keeps command lists per scope and language", async () => {
    const api = newBot().api;
    const group = emulator.createGroup();
    const start = { command: "start", description: "Начать" };
    const settings = { command: "settings", description: "Настройки" };
    const ban = { command: "ban", description: "Забанить" };
    await api.setMyCommands([start]);
    await api.setMyCommands([settings], { scope: { type: "all_private_chats" }, language_code: "ru" });
    await api.setMyCommands([ban], { scope: { type: "chat_administrators", chat_id: group.id } });

    expect(await api.getMyCommands()).toEqual([start]);
    expect(await api.getMyCommands({ scope: { type: "all_private_chats" }, language_code: "ru" })).toEqual([
      settings,
    ]);
    expect(await api.getMyCommands({ scope: { type: "all_private_chats" } })).toEqual([]);
    expect(await api.getMyCommands({ scope: { type: "chat_administrators", chat_id: group.id } })).toEqual([
      ban,
    ]);
    expect(emulator.myCommands({ type: "all_private_chats" }, "ru")).toEqual([settings]);

    await api.deleteMyCommands();
    expect(await api.getMyCommands()).toEqual([]);
    expect(await apiError(api.setMyCommands([{ command: "Bad Command", description: "x" }]))).toMatchObject({
      description: "Bad Request: BOT_COMMAND_INVALID",
    });
  });

  it("answers getChat and getChatMember with the roles the test sets; 403 once the user blocks the bot", async () => {
    const api = newBot().api;
    const group = emulator.createGroup({ title: "Админы" });
    const alice = emulator.createUser();
    const bob = emulator.createUser();
    emulator.setChatMember(group, alice, "administrator");
    emulator.sendMessage({ chat: group, from: bob, text: "hi" });

    expect(await api.getChat(group.id)).toMatchObject({ id: group.id, type: "supergroup", title: "Админы" });
    expect((await api.getChatMember(group.id, alice.id)).status).toBe("administrator");
    expect((await api.getChatMember(group.id, bob.id)).status).toBe("member");
    emulator.setChatMember(group, bob, "kicked");
    expect((await api.getChatMember(group.id, bob.id)).status).toBe("kicked");
    expect(await apiError(api.getChatMember(group.id, 12345))).toMatchObject({
      description: "Bad Request: user not found",
    });

    emulator.sendMessage({ from: alice, text: "hi" });
    emulator.blockBot(alice);
    expect(await apiError(api.sendMessage(alice.id, "are you there?"))).toMatchObject({
      error_code: 403,
      description: "Forbidden: bot was blocked by the user",
    });
    const updates = await api.getUpdates();
    expect(updates.at(-1)!.my_chat_member?.new_chat_member.status).toBe("kicked");
  });
});

describe("Bot API emulator: faults", () => {
  it("lets a callback button reach bot.callbackQuery and records answerCallbackQuery", async () => {
    const bot = newBot();
    bot.command("menu", (ctx) =>
      ctx.reply("Выбор", { reply_markup: new InlineKeyboard().text("Да", "yes") }),
    );
    bot.callbackQuery("yes", async (ctx) => {
      await ctx.answerCallbackQuery({ text: "Принято" });
      await ctx.editMessageText("Вы выбрали: да");
    });
    await startPolling(bot);
    const alice = emulator.createUser();
    emulator.sendMessage({ from: alice, text: "/menu" });
    const [menu] = await emulator.waitFor(
      () => emulator.messagesIn(alice.id)[0] && emulator.messagesIn(alice.id),
    );

    const query = emulator.pressButton({ message: menu!.message, data: "yes" });
    const answer = await emulator.waitFor(() => emulator.callbackAnswer(query.id));
    expect(answer).toMatchObject({ callback_query_id: query.id, text: "Принято" });
    await emulator.waitFor(() => emulator.messagesIn(alice.id)[0]!.edits === 1);
    expect(emulator.messagesIn(alice.id)[0]).toMatchObject({ text: "Вы выбрали: да", edits: 1 });
    expect(emulator.messagesIn(alice.id)[0]!.replyMarkup).toBeUndefined();
  });

  it("answers 429 with retry_after; @grammyjs/auto-retry waits and the message arrives once", async () => {
    const bot = newBot();
    bot.api.config.use(autoRetry());
    const chat = emulator.privateChat(emulator.createUser());
    emulator.failNext("sendMessage", { code: 429, retryAfter: 1 });

    const started = Date.now();
    await bot.api.sendMessage(chat.id, "после флуда");
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const calls = emulator.calls("sendMessage");
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({
      ok: false,
      injected: "fault",
      error: {
        error_code: 429,
        description: "Too Many Requests: retry after 1",
        parameters: { retry_after: 1 },
      },
    });
    expect(calls[1]!.ok).toBe(true);
    expect(emulator.messagesIn(chat.id).map((m) => m.text)).toEqual(["после флуда"]);
  });

  it("enforces Telegram-like flood limits in rate limiter mode", async () => {
    const api = newBot().api;
    const chat = emulator.privateChat(emulator.createUser());
    const other = emulator.privateChat(emulator.createUser());
    emulator.rateLimit(true);
    const sent = await api.sendMessage(chat.id, "1");
    const flood = await apiError(api.editMessageText(chat.id, sent.message_id, "2"));
    expect(flood).toMatchObject({ error_code: 429, parameters: { retry_after: 1 } });
    expect(flood.description).toMatch(/^Too Many Requests: retry after \d+$/);
    expect(await api.sendMessage(other.id, "another chat is fine")).toMatchObject({
      text: "another chat is fine",
    });
    expect(emulator.calls("editMessageText")[0]).toMatchObject({ injected: "rate-limit" });
    expect(emulator.messagesIn(chat.id)[0]!.edits).toBe(0);
  });

  it("answers 500 and 502 that @grammyjs/auto-retry retries with backoff", async () => {
    const bot = newBot();
    bot.api.config.use(autoRetry());
    const chat = emulator.privateChat(emulator.createUser());
    emulator.failNext("sendMessage", { code: 500 });
    emulator.failNext("sendMessage", { code: 502 });

    // auto-retry waits 3 s, then 6 s, before repeating a 5xx: move a fake clock instead of waiting
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let done = false;
    const sending = bot.api.sendMessage(chat.id, "после сбоя").finally(() => (done = true));
    for (let turn = 0; !done && turn < 2000; turn++) {
      await vi.advanceTimersByTimeAsync(100);
      await new Promise((resolve) => setImmediate(resolve));
    }
    vi.useRealTimers();
    expect(await sending).toMatchObject({ text: "после сбоя" });
    expect(emulator.calls("sendMessage").map((c) => c.error?.error_code ?? "ok")).toEqual([500, 502, "ok"]);
    expect(emulator.calls("sendMessage")[1]!.error!.description).toBe("Bad Gateway");
    expect(emulator.messagesIn(chat.id)).toHaveLength(1);
  });

  it("hangs a request and destroys its socket; the call may take effect first", async () => {
    const api = newBot().api;
    const chat = emulator.privateChat(emulator.createUser());

    emulator.failNext("sendMessage", { timeoutMs: 150 });
    const started = Date.now();
    await expect(api.sendMessage(chat.id, "lost")).rejects.toBeInstanceOf(HttpError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(emulator.calls("sendMessage")[0]).toMatchObject({ injected: "timeout", dropped: true });
    expect(emulator.messagesIn(chat.id)).toEqual([]);

    // the answer is lost but the message was sent: the case that makes blind retries send twice
    emulator.failNext("sendMessage", { timeoutMs: 50, afterEffect: true });
    await expect(api.sendMessage(chat.id, "sent, answer lost")).rejects.toBeInstanceOf(HttpError);
    expect(emulator.messagesIn(chat.id).map((m) => m.text)).toEqual(["sent, answer lost"]);

    // the client's own timeout ends a hang early
    const impatient = newBot({ timeoutSeconds: 0.2 }).api;
    emulator.failNext("sendMessage", { timeoutMs: 10_000 });
    const before = Date.now();
    await expect(impatient.sendMessage(chat.id, "too slow")).rejects.toBeInstanceOf(HttpError);
    expect(Date.now() - before).toBeLessThan(1000);
    await emulator.waitFor(() => emulator.calls("sendMessage").at(-1)!.dropped);
  });

  it("refuses a method from the start when configured", async () => {
    await emulator.close();
    emulator = await BotApiEmulator.start({ refuse: ["sendMessageDraft"] });
    const api = newBot().api;
    const chat = emulator.privateChat(emulator.createUser());
    expect(await apiError(api.sendMessageDraft(chat.id, 1, "x"))).toMatchObject({ error_code: 400 });
    emulator.refuse("sendMessageDraft", { code: 404 });
    expect(await apiError(api.sendMessageDraft(chat.id, 1, "x"))).toMatchObject({
      error_code: 404,
      description: "Not Found: method not found",
    });
  });
});
