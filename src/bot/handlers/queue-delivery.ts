// Asks for an answer to be streamed into the chat of the current update: private or group, the
// sender's language, and the forum topic of its conversation (when it is one).
import type { SaigaContext } from "../bot-context.js";
import { telegramPlaceOf } from "../conversation-id.js";

/** Adds the `deliver` job for a request; in groups the answer replies to `asking`. */
export async function queueDelivery(
  ctx: SaigaContext,
  request: { requestId: string; answer: number },
  asking: { message_id: number } | undefined,
): Promise<void> {
  const { services, chatId, language } = ctx.saiga;
  const group = ctx.chat !== undefined && ctx.chat.type !== "private";
  // The store knows the conversation; Telegram wants the chat and the topic's thread id.
  const place = telegramPlaceOf(chatId);
  await services.deliveries.add({
    ...request,
    chatId: String(place.chatId),
    chatType: group ? "group" : "private",
    language,
    ...(group && asking ? { replyTo: asking.message_id } : {}),
    ...(place.threadId === undefined ? {} : { threadId: place.threadId }),
  });
}
