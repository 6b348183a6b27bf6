// Telegram-like flood limits: sliding windows per chat and per bot that answer 429 with retry_after.
import type { Chat } from "grammy/types";

/** One limit: at most `limit` calls of `methods` per `windowMs`, counted per chat or for the whole bot. */
export interface RateLimitRule {
  /** Methods that count (case-insensitive). */
  methods: readonly string[];
  /** `chat`: one window per chat_id; `bot`: one window for all calls. */
  per: "chat" | "bot";
  /** Only calls into chats of these types count. Default: all types. */
  chatTypes?: readonly Chat["type"][];
  limit: number;
  windowMs: number;
}

/** Methods that post or change a message: what Telegram's flood limits count. */
const MESSAGE_METHODS = [
  "sendMessage",
  "editMessageText",
  "editMessageReplyMarkup",
  "editMessageCaption",
  "sendPhoto",
  "sendDocument",
  "sendSticker",
  "sendVoice",
  "copyMessage",
  "forwardMessage",
];

/**
 * Telegram's published guidance: about one message (or edit) per second in a chat, 20 per minute in a group,
 * 30 per second for the whole bot.
 */
export const TELEGRAM_RATE_LIMITS: readonly RateLimitRule[] = [
  { methods: MESSAGE_METHODS, per: "chat", chatTypes: ["private"], limit: 1, windowMs: 1000 },
  {
    methods: MESSAGE_METHODS,
    per: "chat",
    chatTypes: ["group", "supergroup", "channel"],
    limit: 20,
    windowMs: 60_000,
  },
  { methods: MESSAGE_METHODS, per: "bot", limit: 30, windowMs: 1000 },
];

/** Counts accepted calls in sliding windows; {@link RateLimiter.check} says how long a call must wait. */
export class RateLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(private readonly rules: readonly RateLimitRule[]) {}

  /** Seconds until the call may go (Telegram's `retry_after`, at least 1), or undefined when it may go now. */
  check(method: string, chat: Pick<Chat, "id" | "type"> | undefined, now = Date.now()): number | undefined {
    let waitMs = 0;
    for (const [key, rule] of this.matching(method, chat)) {
      const times = this.recent(key, rule, now);
      if (times.length >= rule.limit)
        waitMs = Math.max(waitMs, times[times.length - rule.limit]! + rule.windowMs - now);
    }
    return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / 1000)) : undefined;
  }

  /** Counts an accepted call. */
  record(method: string, chat: Pick<Chat, "id" | "type"> | undefined, now = Date.now()): void {
    for (const [key, rule] of this.matching(method, chat)) {
      const times = this.recent(key, rule, now);
      times.push(now);
      this.windows.set(key, times);
    }
  }

  private *matching(
    method: string,
    chat: Pick<Chat, "id" | "type"> | undefined,
  ): Generator<readonly [string, RateLimitRule]> {
    const name = method.toLowerCase();
    for (const [index, rule] of this.rules.entries()) {
      if (!rule.methods.some((m) => m.toLowerCase() === name)) continue;
      if (rule.per === "bot") {
        yield [`${index}:bot`, rule];
      } else if (chat !== undefined && (rule.chatTypes === undefined || rule.chatTypes.includes(chat.type))) {
        yield [`${index}:${chat.id}`, rule];
      }
    }
  }

  private recent(key: string, rule: RateLimitRule, now: number): number[] {
    const times = (this.windows.get(key) ?? []).filter((t) => t > now - rule.windowMs);
    this.windows.set(key, times);
    return times;
  }
}
