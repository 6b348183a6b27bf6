// A conversation is what has one history and one set of settings: a private chat, a group, or one
// topic of a forum supergroup. The store, the generation service and request ids key everything
// by its id; Telegram calls go to the chat itself, with the topic's `message_thread_id`.
//
// A topic's id is `<chat id>_t<thread id>` ("-1001234567890_t42"): no ':' (BullMQ refuses it in
// the job ids that request ids become), no '}' (Redis hash tags), not a number (so it is never
// mistaken for a chat id), short enough for callback data.
import type { Context } from "grammy";
import type { Message } from "grammy/types";

const TOPIC_SEPARATOR = "_t";

/** Where a conversation lives in Telegram. */
export interface TelegramPlace {
  chatId: number;
  /** The forum topic; none for a chat without topics (or its General topic). */
  threadId?: number;
}

/** The conversation id of a chat, or of one of its forum topics. */
export function conversationIdOf(chatId: number | string, threadId?: number): string {
  return threadId === undefined ? String(chatId) : `${chatId}${TOPIC_SEPARATOR}${threadId}`;
}

/** The forum topic a message was written in; undefined outside topics (a reply thread is no topic). */
export function topicOf(
  message: Pick<Message, "is_topic_message" | "message_thread_id">,
): number | undefined {
  return message.is_topic_message === true ? message.message_thread_id : undefined;
}

/**
 * The conversation of an update: the chat (and topic) of its message, a button's message, or
 * the sender's private chat; "" for updates with neither.
 */
export function conversationOfContext(ctx: Context): string {
  const chatId = ctx.chat?.id ?? ctx.from?.id;
  if (chatId === undefined) return "";
  const message = ctx.msg;
  return conversationIdOf(chatId, message ? topicOf(message) : undefined);
}

/** The chat and topic of a conversation id (the inverse of {@link conversationIdOf}). */
export function telegramPlaceOf(conversationId: string): TelegramPlace {
  const at = conversationId.indexOf(TOPIC_SEPARATOR);
  if (at < 0) return { chatId: Number(conversationId) };
  return {
    chatId: Number(conversationId.slice(0, at)),
    threadId: Number(conversationId.slice(at + TOPIC_SEPARATOR.length)),
  };
}
