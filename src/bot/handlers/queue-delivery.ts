// Asks for an answer to be streamed into the chat of the current update: private or group, the
// sender's language, and the forum topic of the message it answers (when there is one).
import type { SaigaContext } from "../bot-context.js";

/** Adds the `deliver` job for a request; in groups the answer replies to `asking`. */
export async function queueDelivery(
  ctx: SaigaContext,
  request: { requestId: string; answer: number },
  asking: { message_id: number; is_topic_message?: boolean; message_thread_id?: number } | undefined,
): Promise<void> {
  const { services, chatId, language } = ctx.saiga;
  const group = ctx.chat !== undefined && ctx.chat.type !== "private";
  await services.deliveries.add({
    ...request,
    chatId,
    chatType: group ? "group" : "private",
    language,
    ...(group && asking ? { replyTo: asking.message_id } : {}),
    ...(asking?.is_topic_message && asking.message_thread_id !== undefined
      ? { threadId: asking.message_thread_id }
      : {}),
  });
}
