// Everything the emulated Telegram knows: users, chats and their messages, members, commands, queries, files.
import type { BotCommand, CallbackQuery, Chat, ChatMember, Message, UserFromGetMe, User } from "grammy/types";
import { BotApiError } from "./bot-api-error.js";
import type { DraftView } from "./bot-message-view.js";
import { chatMemberOf } from "./chat-member-of.js";
import type { SentCall } from "./sent-call.js";
import type { UpdateQueue } from "./update-queue.js";

/** The chats users write in: private chats and groups (channels are not emulated). */
export type UserChat = Chat.PrivateChat | Chat.GroupChat | Chat.SupergroupChat;

/** A message in a chat, with what the views need beyond the Message itself. */
export interface StoredMessage {
  /** Current state, as the Bot API would return it. */
  message: Message;
  byBot: boolean;
  parseMode?: string;
  edits: number;
  deleted: boolean;
}

/** One chat's state. */
export interface ChatRecord {
  chat: UserChat;
  /** Message ids count per chat, shared by the users' and the bot's messages. */
  nextMessageId: number;
  messages: Map<number, StoredMessage>;
  /** Roles the test set (getChatMember). */
  members: Map<number, ChatMember>;
  /** Users who wrote in the chat (members unless a role says otherwise). */
  writers: Set<number>;
  drafts: Map<number, DraftView>;
  /** Private chats: the user blocked the bot. */
  blocked: boolean;
  chatInstance: string;
}

/** A file a user sent, for getFile and downloads. */
export interface StoredFile {
  fileId: string;
  fileUniqueId: string;
  path: string;
  bytes: Buffer;
}

/** A callback query and the bot's answer to it. */
export interface CallbackRecord {
  query: CallbackQuery;
  answer?: Readonly<Record<string, unknown>>;
}

/** The emulator's data; method handlers and the test API both work on it. */
export class EmulatorState {
  readonly users = new Map<number, User>();
  readonly chats = new Map<number, ChatRecord>();
  /** Command lists by scope and language (see {@link EmulatorState.commandsKey}). */
  readonly commands = new Map<string, BotCommand[]>();
  readonly callbacks = new Map<string, CallbackRecord>();
  readonly files = new Map<string, StoredFile>();
  readonly sent: SentCall[] = [];
  private readonly listeners = new Set<() => void>();
  private sequence = 0;

  constructor(
    readonly bot: UserFromGetMe,
    readonly updates: UpdateQueue,
    /** Group privacy mode: groups deliver only commands, replies to the bot and mentions of it. */
    public privacyMode: boolean,
  ) {
    this.users.set(bot.id, bot);
  }

  /** Telegram's clock: Unix seconds. */
  unixNow(): number {
    return Math.floor(Date.now() / 1000);
  }

  /** A number unique within this emulator (ids of users, files, queries). */
  nextSequence(): number {
    return ++this.sequence;
  }

  /** Tells waiters that something happened. */
  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  registerUser(user: User): void {
    this.users.set(user.id, user);
  }

  /** The chat's record, created on first sight. */
  registerChat(chat: UserChat): ChatRecord {
    let record = this.chats.get(chat.id);
    if (record === undefined) {
      record = {
        chat,
        nextMessageId: 1,
        messages: new Map(),
        members: new Map(),
        writers: new Set(),
        drafts: new Map(),
        blocked: false,
        chatInstance: String(BigInt(Math.abs(chat.id)) * 7919n + 1_000_003n),
      };
      this.chats.set(chat.id, record);
    }
    return record;
  }

  /** The forum topic `threadId` of the chat (its creation message's id), else the Bot API's 400. */
  topic(record: ChatRecord, threadId: number): number {
    const root = record.messages.get(threadId)?.message;
    const forum = record.chat.type === "supergroup" && record.chat.is_forum === true;
    if (!forum || root?.forum_topic_created === undefined) {
      throw BotApiError.badRequest("message thread not found");
    }
    return threadId;
  }

  /** A known chat by id or `@username`. */
  findChat(chatId: number | string): ChatRecord | undefined {
    if (typeof chatId === "number") return this.chats.get(chatId);
    const username = chatId.slice(1).toLowerCase();
    for (const record of this.chats.values()) {
      if (record.chat.type !== "private" && record.chat.username?.toLowerCase() === username) return record;
    }
    return undefined;
  }

  /** A known chat, else the Bot API's 400 `chat not found`. */
  chat(chatId: number | string): ChatRecord {
    const record = this.findChat(chatId);
    if (record === undefined) throw BotApiError.badRequest("chat not found");
    return record;
  }

  /** Stores a new message in the chat with the next message id and the current date. */
  addMessage(
    record: ChatRecord,
    fields: Omit<Message, "message_id" | "date" | "chat">,
    byBot: boolean,
    parseMode?: string,
  ): StoredMessage {
    const message = {
      message_id: record.nextMessageId++,
      date: this.unixNow(),
      chat: record.chat,
      ...fields,
    } as Message;
    const stored: StoredMessage = {
      message,
      byBot,
      edits: 0,
      deleted: false,
      ...(parseMode ? { parseMode } : {}),
    };
    record.messages.set(message.message_id, stored);
    if (!byBot && message.from !== undefined) record.writers.add(message.from.id);
    return stored;
  }

  /** getChatMember's answer: a role the test set, else member for writers and the bot, else left. */
  member(record: ChatRecord, userId: number): ChatMember {
    const explicit = record.members.get(userId);
    if (explicit !== undefined) return explicit;
    const user = this.users.get(userId);
    if (user === undefined) throw BotApiError.badRequest("user not found");
    const isMember =
      userId === this.bot.id ||
      record.writers.has(userId) ||
      (record.chat.type === "private" && record.chat.id === userId);
    return chatMemberOf(user, isMember ? "member" : "left");
  }

  /** The key of a command list: its scope (with the chat resolved to its id) and language. */
  commandsKey(
    scope: { type: string; chat_id?: number | string; user_id?: number },
    languageCode: string,
  ): string {
    const chatId = scope.chat_id === undefined ? "" : String(this.chat(scope.chat_id).chat.id);
    return `${scope.type}|${chatId}|${scope.user_id ?? ""}|${languageCode}`;
  }
}
