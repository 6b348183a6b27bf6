// The project's Telegram test double: a real HTTP Bot API server on 127.0.0.1 that a real grammY bot talks to,
// with a test API to play the users (messages, button presses), read what the bot did, and inject failures.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type {
  BotCommand,
  BotCommandScope,
  CallbackQuery,
  ChatMember,
  Message,
  MessageEntity,
  PhotoSize,
  Update,
  User,
  UserFromGetMe,
} from "grammy/types";
import { BotApiError } from "./bot-api-error.js";
import type { BotMessageView, DraftView } from "./bot-message-view.js";
import { chatMemberOf, type ChatMemberStatus } from "./chat-member-of.js";
import { chatMethods } from "./chat-methods.js";
import { detectEntities } from "./detect-entities.js";
import {
  EmulatorState,
  type ChatRecord,
  type StoredFile,
  type StoredMessage,
  type UserChat,
} from "./emulator-state.js";
import { FaultPlan, type Fault, type Refusal } from "./fault-plan.js";
import { messageMethods } from "./message-methods.js";
import { DescribedResult, type MethodContext, type MethodHandler } from "./method-handler.js";
import { RateLimiter, TELEGRAM_RATE_LIMITS, type RateLimitRule } from "./rate-limiter.js";
import { readRequestBody } from "./read-request-body.js";
import { RequestParams } from "./request-params.js";
import type { SentCall } from "./sent-call.js";
import { UpdateQueue, type NewUpdate } from "./update-queue.js";
import { updateMethods } from "./update-methods.js";
import { WebhookSender } from "./webhook-sender.js";

/** Options of {@link BotApiEmulator.start}. */
export interface BotApiEmulatorOptions {
  /** The one token the emulator accepts. Default `7000000001:AAEmulatedTestToken_saiga-bot-000000000`. */
  token?: string;
  /** The bot's username, without `@`. Default `saiga_test_bot`. */
  botUsername?: string;
  /** The bot's first name. Default `Saiga`. */
  botName?: string;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Group privacy mode: groups deliver only commands, replies to the bot and mentions of it. Default false. */
  privacyMode?: boolean;
  /** Flood limits from the start: true for {@link TELEGRAM_RATE_LIMITS}, or own rules. Default false. */
  rateLimits?: boolean | readonly RateLimitRule[];
  /** Methods refused from the start, as with {@link BotApiEmulator.refuse}. Default none. */
  refuse?: readonly string[];
  /** Pause before a webhook update is posted again after a failed attempt. Default 100 ms. */
  webhookRetryMs?: number;
  /** How long a webhook POST may take. Default 10000 ms. */
  webhookTimeoutMs?: number;
  /** setWebhook accepts http:// URLs (Telegram wants https). Default true. */
  allowHttpWebhooks?: boolean;
  /** The first update_id. Default 1. */
  firstUpdateId?: number;
}

/** Options of {@link BotApiEmulator.createUser}. */
export interface CreateUserOptions {
  /** Default: a new unique id. */
  id?: number;
  /** Default `User <n>`. */
  firstName?: string;
  /** Default none. */
  lastName?: string;
  /** Default none. */
  username?: string;
  /** Default `ru`. */
  languageCode?: string;
}

/** Options of {@link BotApiEmulator.createGroup}. */
export interface CreateGroupOptions {
  /** Default `Group <n>`. */
  title?: string;
  /** Default `supergroup`. */
  type?: "group" | "supergroup";
  /** A public username (supergroups). Default none. */
  username?: string;
  /** A supergroup with forum topics (`is_forum`); make topics with `createTopic`. Default false. */
  forum?: boolean;
}

/** Who sends a user message, and where. */
export interface UserMessageInput {
  from: User;
  /** Default: the private chat with `from`. */
  chat?: UserChat;
  /** The message (or its id) this one replies to. Default none. */
  replyTo?: Message | number;
  /** Part of the replied message's text the user quotes (TextQuote); needs `replyTo`. Default none. */
  quote?: string;
  /** The forum topic (its thread id, from `createTopic`) the message is written in. Default none. */
  topic?: number;
}

/** A user's text message. */
export interface UserTextInput extends UserMessageInput {
  text: string;
  /** Default: what Telegram would detect (commands, mentions, hashtags, links, e-mails). */
  entities?: MessageEntity[];
}

/** A user's sticker. */
export interface UserStickerInput extends UserMessageInput {
  /** Default 👍. */
  emoji?: string;
}

/** A user's photo. */
export interface UserPhotoInput extends UserMessageInput {
  /** Default none. */
  caption?: string;
  /** Default 1280. */
  width?: number;
  /** Default 960. */
  height?: number;
  /** The bytes getFile serves. Default a few placeholder bytes. */
  data?: Buffer;
}

/** A user's voice message. */
export interface UserVoiceInput extends UserMessageInput {
  /** Seconds. Default 2. */
  duration?: number;
  /** Default `audio/ogg`. */
  mimeType?: string;
  /** The bytes getFile serves. Default a few placeholder bytes. */
  data?: Buffer;
}

/** A user's file. */
export interface UserDocumentInput extends UserMessageInput {
  /** Default `file.txt`. */
  fileName?: string;
  /** Default `text/plain`. */
  mimeType?: string;
  /** Default none. */
  caption?: string;
  /** The bytes getFile serves. Default a few placeholder bytes. */
  data?: Buffer;
}

/** A user editing their message. */
export interface EditUserMessageInput {
  message: Message;
  text: string;
  /** Default: what Telegram would detect. */
  entities?: MessageEntity[];
}

/** A user pressing an inline button. */
export interface PressButtonInput {
  /** The bot's message with the button (its current keyboard must have a button with this `callback_data`). */
  message: Message;
  data: string;
  /** Default: the user of the private chat. */
  from?: User;
}

/** A custom method: receives the raw parameters; may throw a {@link BotApiError}. */
export type CustomMethod = (params: Readonly<Record<string, unknown>>) => unknown;

type ReplyMessage = NonNullable<Message["reply_to_message"]>;

type Outcome = { kind: "answer"; status: number; body: object } | { kind: "hang"; ms: number };

const DEFAULT_TOKEN = "7000000001:AAEmulatedTestToken_saiga-bot-000000000";

/** A Telegram Bot API server for tests. Start it with {@link BotApiEmulator.start}; close it with `close()`. */
export class BotApiEmulator {
  /** `http://127.0.0.1:<port>`: pass as grammY's `client.apiRoot`. */
  readonly apiRoot: string;
  readonly token: string;
  /** The bot's own user (getMe's answer). */
  readonly bot: UserFromGetMe;
  private readonly state: EmulatorState;
  private readonly faults = new FaultPlan();
  private readonly webhook: WebhookSender;
  private readonly methods = new Map<string, { name: string; handler: MethodHandler }>();
  private readonly allowHttpWebhooks: boolean;
  private limiter: RateLimiter | undefined;
  private readonly inFlight = new Set<AbortController>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiters = new Set<(error: Error) => void>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: http.Server,
    options: BotApiEmulatorOptions,
  ) {
    const address = server.address() as AddressInfo;
    this.apiRoot = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
    this.token = options.token ?? DEFAULT_TOKEN;
    const botId = Number(this.token.split(":")[0]);
    this.bot = {
      id: Number.isSafeInteger(botId) && botId > 0 ? botId : 7_000_000_001,
      is_bot: true,
      first_name: options.botName ?? "Saiga",
      username: options.botUsername ?? "saiga_test_bot",
      can_join_groups: true,
      can_read_all_group_messages: !(options.privacyMode ?? false),
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    };
    const updates = new UpdateQueue(options.firstUpdateId ?? 1);
    this.state = new EmulatorState(this.bot, updates, options.privacyMode ?? false);
    this.allowHttpWebhooks = options.allowHttpWebhooks ?? true;
    this.webhook = new WebhookSender(updates, {
      retryMs: options.webhookRetryMs ?? 100,
      timeoutMs: options.webhookTimeoutMs ?? 10_000,
      onReply: async (method, params) => {
        const call = this.logCall(method, params);
        call.viaWebhookReply = true;
        const controller = new AbortController();
        const outcome = await this.dispatch(call, controller.signal);
        if (outcome.kind === "hang") call.dropped = true;
        this.finish(call);
      },
      onAttempt: () => this.state.changed(),
    });
    for (const table of [messageMethods, chatMethods, updateMethods]) {
      for (const [name, handler] of Object.entries(table)) {
        this.methods.set(name.toLowerCase(), { name, handler });
      }
    }
    this.rateLimit(options.rateLimits ?? false);
    for (const method of options.refuse ?? []) this.refuse(method);
  }

  /** Starts a server on a free port (or `options.port`) and resolves once it listens. */
  static async start(options: BotApiEmulatorOptions = {}): Promise<BotApiEmulator> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const emulator = new BotApiEmulator(server, options);
    server.on("request", (request: http.IncomingMessage, response: http.ServerResponse) => {
      void emulator.onRequest(request, response);
    });
    return emulator;
  }

  // ─── users and chats ──────────────────────────────────────────────────────────────────────────────────────

  /** A new user with a unique id (known to the emulator, so getChatMember can find them). */
  createUser(options: CreateUserOptions = {}): User {
    const n = this.state.nextSequence();
    const user: User = {
      id: options.id ?? 100_000_000 + n,
      is_bot: false,
      first_name: options.firstName ?? `User ${n}`,
      ...(options.lastName === undefined ? {} : { last_name: options.lastName }),
      ...(options.username === undefined ? {} : { username: options.username }),
      language_code: options.languageCode ?? "ru",
    };
    this.state.registerUser(user);
    return user;
  }

  /** The private chat of `user` with the bot. */
  privateChat(user: User): UserChat {
    this.state.registerUser(user);
    const chat: UserChat = {
      id: user.id,
      type: "private",
      first_name: user.first_name,
      ...(user.last_name === undefined ? {} : { last_name: user.last_name }),
      ...(user.username === undefined ? {} : { username: user.username }),
    };
    return this.state.registerChat(chat).chat;
  }

  /** A new group (supergroup by default) with the bot in it as a member. */
  createGroup(options: CreateGroupOptions = {}): UserChat {
    const n = this.state.nextSequence();
    const title = options.title ?? `Group ${n}`;
    const chat: UserChat =
      options.type === "group"
        ? { id: -(500_000_000 + n), type: "group", title }
        : {
            id: -(1_000_000_000_000 + n),
            type: "supergroup",
            title,
            ...(options.username === undefined ? {} : { username: options.username }),
            ...(options.forum ? { is_forum: true as const } : {}),
          };
    return this.state.registerChat(chat).chat;
  }

  /**
   * A new topic in a forum supergroup, created by `from`: its `forum_topic_created` service
   * message, whose id is the topic's thread id (returned). Not an update (the bot has no use for it).
   */
  createTopic(chat: UserChat, name: string, from: User): number {
    if (chat.type !== "supergroup" || !chat.is_forum) throw new Error(`chat ${chat.id} is not a forum`);
    this.state.registerUser(from);
    const record = this.state.registerChat(chat);
    const threadId = record.nextMessageId;
    this.state.addMessage(
      record,
      {
        from,
        message_thread_id: threadId,
        is_topic_message: true,
        forum_topic_created: { name, icon_color: 0x6fb9f0 },
      },
      false,
    );
    this.state.changed();
    return threadId;
  }

  /** Gives `user` a role in the chat (what getChatMember answers); for the bot itself too. */
  setChatMember(chat: UserChat | number, user: User, role: ChatMemberStatus | ChatMember): void {
    this.state.registerUser(user);
    const record = this.chatRecord(chat);
    record.members.set(user.id, typeof role === "string" ? chatMemberOf(user, role) : role);
  }

  /** `by` adds the bot to a group: a my_chat_member update (left → member), as when Telegram adds it. */
  addBotToGroup(chat: UserChat, by: User): void {
    const record = this.chatRecord(chat);
    this.state.registerUser(by);
    record.members.set(this.bot.id, chatMemberOf(this.bot, "member"));
    this.push({
      my_chat_member: {
        chat: record.chat,
        from: by,
        date: this.state.unixNow(),
        old_chat_member: chatMemberOf(this.bot, "left"),
        new_chat_member: chatMemberOf(this.bot, "member"),
      },
    });
  }

  /** The user blocks the bot: a my_chat_member update, then 403 for messages to them until they write again. */
  blockBot(user: User): void {
    const record = this.state.registerChat(this.privateChat(user));
    if (record.blocked) return;
    const old = this.state.member(record, this.bot.id);
    record.blocked = true;
    this.push({
      my_chat_member: {
        chat: record.chat,
        from: user,
        date: this.state.unixNow(),
        old_chat_member: old,
        new_chat_member: chatMemberOf(this.bot, "kicked"),
      },
    });
  }

  // ─── what users do ────────────────────────────────────────────────────────────────────────────────────────

  /** A user's text message: a `message` update (entities as Telegram would detect them). */
  sendMessage(input: UserTextInput): Message {
    const entities = input.entities ?? detectEntities(input.text);
    return this.userMessage(input, { text: input.text, ...(entities.length > 0 ? { entities } : {}) });
  }

  /** A user's sticker: a `message` update with `sticker`. */
  sendSticker(input: UserStickerInput): Message {
    const file = this.storeFile("sticker", "webp", Buffer.from("RIFF emulated sticker"));
    return this.userMessage(input, {
      sticker: {
        file_id: file.fileId,
        file_unique_id: file.fileUniqueId,
        type: "regular",
        width: 512,
        height: 512,
        is_animated: false,
        is_video: false,
        emoji: input.emoji ?? "👍",
        file_size: file.bytes.length,
      },
    });
  }

  /** A user's photo (a thumbnail and the full size, as Telegram sends them): a `message` update with `photo`. */
  sendPhoto(input: UserPhotoInput): Message {
    const width = input.width ?? 1280;
    const height = input.height ?? 960;
    const thumb = this.storeFile("photo", "jpg", Buffer.from("emulated photo thumbnail"));
    const full = this.storeFile("photo", "jpg", input.data ?? Buffer.from("emulated photo"));
    const size = (file: StoredFile, w: number, h: number): PhotoSize => ({
      file_id: file.fileId,
      file_unique_id: file.fileUniqueId,
      width: w,
      height: h,
      file_size: file.bytes.length,
    });
    return this.userMessage(input, {
      photo: [size(thumb, 90, Math.round((90 * height) / width)), size(full, width, height)],
      ...this.caption(input.caption),
    });
  }

  /** A user's voice message: a `message` update with `voice`; getFile and the file URL serve its bytes. */
  sendVoice(input: UserVoiceInput): Message {
    const file = this.storeFile("voice", "oga", input.data ?? Buffer.from("OggS emulated voice"));
    return this.userMessage(input, {
      voice: {
        file_id: file.fileId,
        file_unique_id: file.fileUniqueId,
        duration: input.duration ?? 2,
        mime_type: input.mimeType ?? "audio/ogg",
        file_size: file.bytes.length,
      },
    });
  }

  /** A user's file: a `message` update with `document`; getFile and the file URL serve its bytes. */
  sendDocument(input: UserDocumentInput): Message {
    const fileName = input.fileName ?? "file.txt";
    const extension = fileName.includes(".") ? fileName.split(".").pop()! : "bin";
    const file = this.storeFile("document", extension, input.data ?? Buffer.from("emulated document\n"));
    return this.userMessage(input, {
      document: {
        file_id: file.fileId,
        file_unique_id: file.fileUniqueId,
        file_name: fileName,
        mime_type: input.mimeType ?? "text/plain",
        file_size: file.bytes.length,
      },
      ...this.caption(input.caption),
    });
  }

  /** A user edits their text message: an `edited_message` update. */
  editUserMessage(input: EditUserMessageInput): Message {
    const stored = this.stored(input.message);
    if (stored.byBot) throw new Error(`message ${input.message.message_id} is the bot's, not a user's`);
    const entities = input.entities ?? detectEntities(input.text);
    const { entities: _old, ...rest } = stored.message;
    stored.message = {
      ...rest,
      text: input.text,
      ...(entities.length > 0 ? { entities } : {}),
      edit_date: this.state.unixNow(),
    } as Message;
    stored.edits++;
    this.push({ edited_message: stored.message as Update["edited_message"] & Message });
    return stored.message;
  }

  /** A user presses an inline button of a bot message: a `callback_query` update. */
  pressButton(input: PressButtonInput): CallbackQuery {
    const stored = this.stored(input.message);
    const chat = stored.message.chat;
    if (!stored.byBot) throw new Error(`message ${stored.message.message_id} is not the bot's`);
    const buttons = stored.message.reply_markup?.inline_keyboard.flat() ?? [];
    if (!buttons.some((b) => "callback_data" in b && b.callback_data === input.data)) {
      throw new Error(
        `message ${stored.message.message_id} has no button with callback_data ${JSON.stringify(input.data)}`,
      );
    }
    const from = input.from ?? (chat.type === "private" ? this.state.users.get(chat.id) : undefined);
    if (from === undefined) throw new Error("pressButton in a group needs `from`");
    const id = String(4_000_000_000_000_000n + BigInt(this.state.nextSequence()));
    const query: CallbackQuery = {
      id,
      from,
      message: structuredClone(stored.message),
      chat_instance: this.chatRecord(chat.id).chatInstance,
      data: input.data,
    };
    this.state.callbacks.set(id, { query });
    this.push({ callback_query: query });
    return query;
  }

  /** The user presses the stop button of a draft sent with `can_stop`: a `stopped_message_generation` update. */
  stopDraft(chatId: number, draftId: number): void {
    const record = this.chatRecord(chatId);
    const draft = record.drafts.get(draftId);
    if (draft === undefined || !draft.active || !draft.canStop) {
      throw new Error(`chat ${chatId} has no active draft ${draftId} with a stop button`);
    }
    if (record.chat.type !== "private") throw new Error("drafts live in private chats");
    this.push({ stopped_message_generation: { chat: record.chat, draft_id: draftId } });
  }

  // ─── what the bot did ─────────────────────────────────────────────────────────────────────────────────────

  /** Every call the bot made, in arrival order. */
  get sent(): readonly SentCall[] {
    return this.state.sent;
  }

  /** The calls of one method (case-insensitive), in order. */
  calls(method: string): SentCall[] {
    const name = method.toLowerCase();
    return this.state.sent.filter((c) => c.method.toLowerCase() === name);
  }

  /** The bot's messages in a chat as they stand now, oldest first (deleted ones only if asked). */
  messagesIn(
    chatId: number,
    options: {
      /** Default false. */
      includeDeleted?: boolean;
    } = {},
  ): BotMessageView[] {
    const record = this.state.chats.get(chatId);
    if (record === undefined) return [];
    return [...record.messages.values()]
      .filter((m) => m.byBot && (options.includeDeleted === true || !m.deleted))
      .sort((a, b) => a.message.message_id - b.message.message_id)
      .map((m) => viewOf(m));
  }

  /** Every message in a chat, the users' and the bot's, oldest first (deleted ones left out). */
  history(chatId: number): Message[] {
    const record = this.state.chats.get(chatId);
    if (record === undefined) return [];
    return [...record.messages.values()].filter((m) => !m.deleted).map((m) => structuredClone(m.message));
  }

  /** The drafts the bot streamed into a chat (sendMessageDraft), by first appearance. */
  drafts(chatId: number): DraftView[] {
    const record = this.state.chats.get(chatId);
    if (record === undefined) return [];
    return [...record.drafts.values()].map((d) => structuredClone(d));
  }

  /** The bot's answerCallbackQuery parameters for a pressed button, or undefined while unanswered. */
  callbackAnswer(queryId: string): Readonly<Record<string, unknown>> | undefined {
    return this.state.callbacks.get(queryId)?.answer;
  }

  /** The command list for a scope and language (exactly that one, as getMyCommands answers). */
  myCommands(scope: BotCommandScope = { type: "default" }, languageCode = ""): BotCommand[] {
    return structuredClone(this.state.commands.get(this.state.commandsKey(scope, languageCode)) ?? []);
  }

  /** Updates the bot has not confirmed yet. */
  get pendingUpdates(): number {
    return this.state.updates.size;
  }

  /**
   * Resolves with the first truthy value of `predicate`, checked now and after every call and user action;
   * rejects after `timeoutMs` (default 2000) with the last calls in the message.
   */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs = 2000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const stop = (): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        unsubscribe();
        this.waiters.delete(fail);
      };
      const fail = (error: Error): void => {
        stop();
        reject(error);
      };
      const check = (): void => {
        try {
          const value = predicate();
          if (value !== undefined && value !== null && value !== false) {
            stop();
            resolve(value);
          }
        } catch (error) {
          fail(error instanceof Error ? error : new Error(String(error)));
        }
      };
      const unsubscribe = this.state.onChange(check);
      const timer = setTimeout(() => {
        const last = this.state.sent
          .slice(-8)
          .map((c) => `${c.method} → ${c.ok === true ? "ok" : (c.error?.description ?? "pending")}`);
        fail(new Error(`waitFor: not met within ${timeoutMs} ms; last calls: ${last.join("; ") || "none"}`));
      }, timeoutMs);
      this.timers.add(timer);
      this.waiters.add(fail);
      check();
    });
  }

  // ─── faults ───────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Fails the next call(s) of `method`: an error answer (`{ code: 429, retryAfter }`, `{ code: 502 }`, …) or a
   * hang (`{ timeoutMs }`: no answer, then the socket is destroyed). `times` (default 1) calls in a row.
   */
  failNext(method: string, fault: Fault): void {
    this.faults.add(method, fault);
  }

  /** Makes a method fail as unsupported (default 400 `Bad Request: method not supported`) until {@link allow}. */
  refuse(method: string, refusal?: Refusal): void {
    this.faults.refuse(method, refusal);
  }

  /** Undoes {@link refuse}. */
  allow(method: string): void {
    this.faults.allow(method);
  }

  /** Turns flood limits on (true: {@link TELEGRAM_RATE_LIMITS}, or own rules) or off; counting starts afresh. */
  rateLimit(rules: boolean | readonly RateLimitRule[]): void {
    const list = rules === true ? TELEGRAM_RATE_LIMITS : rules === false ? [] : rules;
    this.limiter = list.length === 0 ? undefined : new RateLimiter(list);
  }

  /** Adds (or replaces) a method, for Bot API methods the emulator does not implement. */
  handle(method: string, handler: CustomMethod): void {
    this.methods.set(method.toLowerCase(), { name: method, handler: (params) => handler(params.raw) });
  }

  /** Ends long polls and webhook delivery, closes the server and every connection. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.webhook.close();
      this.state.updates.endPoll();
      for (const controller of this.inFlight) controller.abort();
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      for (const fail of [...this.waiters]) fail(new Error("the emulator was closed"));
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.server.closeIdleConnections();
        // let the answers just written (empty long polls) leave before cutting the rest
        setImmediate(() => this.server.closeAllConnections());
      });
    })();
    return this.closing;
  }

  // ─── HTTP ─────────────────────────────────────────────────────────────────────────────────────────────────

  private async onRequest(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    try {
      const url = new URL(request.url ?? "/", "http://emulator.invalid");
      const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
      if (download !== null) {
        this.serveFile(decodeURIComponent(download[1]!), decodeURIComponent(download[2]!), response);
        return;
      }
      const route = /^\/bot([^/]*)\/([^/]*)$/.exec(url.pathname);
      if (route === null) {
        writeJson(response, 404, { ok: false, error_code: 404, description: "Not Found" });
        return;
      }
      if (decodeURIComponent(route[1]!) !== this.token) {
        writeJson(response, 401, new BotApiError(401, "Unauthorized").toBody());
        return;
      }
      let raw: Record<string, unknown>;
      try {
        raw = await readRequestBody(request, url);
      } catch (error) {
        const failure =
          error instanceof BotApiError ? error : BotApiError.badRequest("can't read the request");
        writeJson(response, failure.code, failure.toBody());
        return;
      }
      const call = this.logCall(decodeURIComponent(route[2]!), raw);
      const controller = new AbortController();
      this.inFlight.add(controller);
      response.on("close", () => {
        this.inFlight.delete(controller);
        if (!response.writableFinished) controller.abort();
      });
      const outcome = await this.dispatch(call, controller.signal);
      if (outcome.kind === "hang") {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          response.destroy();
        }, outcome.ms);
        this.timers.add(timer);
        response.on("close", () => {
          clearTimeout(timer);
          this.timers.delete(timer);
        });
        call.dropped = true;
      } else if (!writeJson(response, outcome.status, outcome.body)) {
        delete call.ok;
        call.dropped = true;
      }
      this.finish(call);
    } catch (error) {
      writeJson(response, 500, new BotApiError(500, `Internal Server Error: ${String(error)}`).toBody());
    }
  }

  /** Adds a call to `sent` as it arrives. */
  private logCall(name: string, raw: Record<string, unknown>): SentCall {
    const call: SentCall = {
      method: this.methods.get(name.toLowerCase())?.name ?? name,
      params: raw,
      time: Date.now(),
    };
    this.state.sent.push(call);
    this.state.changed();
    return call;
  }

  private finish(call: SentCall): void {
    call.durationMs = Date.now() - call.time;
    this.state.changed();
  }

  /** Runs one call through the faults, the refusals, the rate limiter and its handler. */
  private async dispatch(call: SentCall, signal: AbortSignal): Promise<Outcome> {
    const method = this.methods.get(call.method.toLowerCase());
    const fault = this.faults.take(call.method);
    const params = new RequestParams(call.params);
    const context: MethodContext = {
      state: this.state,
      webhook: this.webhook,
      signal,
      allowHttpWebhooks: this.allowHttpWebhooks,
    };
    if (fault !== undefined && "timeoutMs" in fault) {
      call.injected = "timeout";
      if (fault.afterEffect === true && method !== undefined) {
        try {
          const value = await method.handler(params, context);
          call.result = value instanceof DescribedResult ? value.result : value;
        } catch (error) {
          if (error instanceof BotApiError) call.error = error.toBody();
        }
      }
      return { kind: "hang", ms: fault.timeoutMs };
    }
    if (fault !== undefined) {
      call.injected = "fault";
      return failed(call, FaultPlan.errorOf(fault));
    }
    const refusal = this.faults.refusal(call.method);
    if (refusal !== undefined) {
      call.injected = "refused";
      return failed(call, refusal);
    }
    if (method === undefined) return failed(call, new BotApiError(404, "Not Found: method not found"));
    const limiter = this.limiter;
    const chat = limiter === undefined ? undefined : this.chatOfCall(params);
    const retryAfter = limiter?.check(call.method, chat);
    if (retryAfter !== undefined) {
      call.injected = "rate-limit";
      return failed(
        call,
        new BotApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter }),
      );
    }
    try {
      const running = method.handler(params, context);
      // a long poll has confirmed its offset by now: let waiters see that before it ends
      this.state.changed();
      const value = await running;
      limiter?.record(call.method, chat);
      const result = value instanceof DescribedResult ? value.result : value;
      call.ok = true;
      call.result = result;
      const description = value instanceof DescribedResult ? { description: value.description } : {};
      return { kind: "answer", status: 200, body: { ok: true, result, ...description } };
    } catch (error) {
      if (error instanceof BotApiError) return failed(call, error);
      return failed(call, new BotApiError(500, `Internal Server Error: ${String(error)}`));
    }
  }

  /** The chat a call writes to, for the rate limiter. */
  private chatOfCall(params: RequestParams): ChatRecord["chat"] | undefined {
    if (!params.has("chat_id")) return undefined;
    try {
      return this.state.findChat(params.chatId())?.chat;
    } catch {
      return undefined;
    }
  }

  private serveFile(token: string, path: string, response: http.ServerResponse): void {
    const file =
      token === this.token ? [...this.state.files.values()].find((f) => f.path === path) : undefined;
    if (file === undefined) {
      writeJson(response, 404, { ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    response.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": file.bytes.length,
    });
    response.end(file.bytes);
  }

  // ─── helpers ──────────────────────────────────────────────────────────────────────────────────────────────

  private push(update: NewUpdate): void {
    this.state.updates.push(update);
    this.state.changed();
  }

  private chatRecord(chat: UserChat | number): ChatRecord {
    if (typeof chat !== "number") return this.state.registerChat(chat);
    const record = this.state.chats.get(chat);
    if (record === undefined) throw new Error(`unknown chat ${chat}`);
    return record;
  }

  private stored(message: Message): StoredMessage {
    const stored = this.state.chats.get(message.chat.id)?.messages.get(message.message_id);
    if (stored === undefined || stored.deleted) {
      throw new Error(`no message ${message.message_id} in chat ${message.chat.id}`);
    }
    return stored;
  }

  private storeFile(kind: string, extension: string, bytes: Buffer): StoredFile {
    const n = this.state.nextSequence();
    const file: StoredFile = {
      fileId: `${kind.toUpperCase()}-${n}-${Buffer.from(`${kind}:${n}`).toString("base64url")}`,
      fileUniqueId: `AQAD${n}`,
      path: `${kind}s/file_${n}.${extension}`,
      bytes,
    };
    this.state.files.set(file.fileId, file);
    return file;
  }

  private caption(caption: string | undefined): Partial<Message> {
    if (caption === undefined) return {};
    const entities = detectEntities(caption);
    return { caption, ...(entities.length > 0 ? { caption_entities: entities } : {}) };
  }

  /** Stores a user's message and, unless group privacy hides it from the bot, makes a `message` update. */
  private userMessage(input: UserMessageInput, fields: Partial<Message>): Message {
    const chat = input.chat ?? this.privateChat(input.from);
    if (chat.type === "private" && chat.id !== input.from.id) {
      throw new Error(`private chat ${chat.id} belongs to user ${chat.id}, not ${input.from.id}`);
    }
    this.state.registerUser(input.from);
    const record = this.state.registerChat(chat);
    let reply: StoredMessage | undefined;
    if (input.replyTo !== undefined) {
      const id = typeof input.replyTo === "number" ? input.replyTo : input.replyTo.message_id;
      reply = record.messages.get(id);
      if (reply === undefined || reply.deleted)
        throw new Error(`no message ${id} in chat ${chat.id} to reply to`);
    }
    const topic = input.topic === undefined ? undefined : this.state.topic(record, input.topic);
    // In a topic, a message that replies to nothing else replies to the topic's creation, as in Telegram.
    if (reply === undefined && topic !== undefined) reply = record.messages.get(topic);
    const { reply_to_message: _nested, ...replied } = reply?.message ?? {};
    const stored = this.state.addMessage(
      record,
      {
        from: input.from,
        ...(topic === undefined ? {} : { message_thread_id: topic, is_topic_message: true }),
        ...fields,
        ...(reply === undefined ? {} : { reply_to_message: replied as ReplyMessage }),
        ...(input.quote === undefined ? {} : { quote: quoteOf(input.quote, reply?.message) }),
      },
      false,
    );
    // a user who writes to the bot again has unblocked it
    if (chat.type === "private") record.blocked = false;
    if (this.reachesBot(stored.message))
      this.push({ message: stored.message as Update["message"] & Message });
    else this.state.changed();
    return stored.message;
  }

  /** Group privacy mode: only commands (general or for this bot), replies to the bot and mentions of it. */
  private reachesBot(message: Message): boolean {
    if (!this.state.privacyMode || message.chat.type === "private") return true;
    if (message.reply_to_message?.from?.id === this.bot.id) return true;
    const text = message.text ?? message.caption ?? "";
    const username = this.bot.username.toLowerCase();
    return (message.entities ?? message.caption_entities ?? []).some((entity) => {
      const value = text.slice(entity.offset, entity.offset + entity.length).toLowerCase();
      if (entity.type === "mention") return value === `@${username}`;
      if (entity.type === "bot_command") return !value.includes("@") || value.endsWith(`@${username}`);
      return false;
    });
  }
}

/** The TextQuote of `text`, a part of the replied message's text (as a user selects it). */
function quoteOf(text: string, replied: Message | undefined): NonNullable<Message["quote"]> {
  const position = (replied?.text ?? replied?.caption ?? "").indexOf(text);
  if (replied === undefined || position < 0 || text === "") {
    throw new Error(`the quote ${JSON.stringify(text)} is not part of the replied message`);
  }
  return { text, position, is_manual: true };
}

/** The failure outcome, recorded in the call. */
function failed(call: SentCall, error: BotApiError): Outcome {
  call.ok = false;
  call.error = error.toBody();
  return { kind: "answer", status: error.code, body: error.toBody() };
}

function writeJson(response: http.ServerResponse, status: number, body: object): boolean {
  if (response.destroyed || response.writableEnded) return false;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
  return true;
}

function viewOf(stored: StoredMessage): BotMessageView {
  const message = structuredClone(stored.message);
  return {
    messageId: message.message_id,
    text: message.text ?? message.caption ?? "",
    entities: message.entities ?? message.caption_entities ?? [],
    ...(stored.parseMode === undefined ? {} : { parseMode: stored.parseMode }),
    ...(message.reply_markup === undefined ? {} : { replyMarkup: message.reply_markup }),
    edits: stored.edits,
    ...(message.reply_to_message === undefined ? {} : { replyTo: message.reply_to_message.message_id }),
    ...(message.message_thread_id === undefined ? {} : { threadId: message.message_thread_id }),
    date: message.date,
    ...(message.edit_date === undefined ? {} : { editDate: message.edit_date }),
    deleted: stored.deleted,
    message,
  };
}
