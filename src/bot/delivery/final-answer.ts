// The finished answer: each part formatted (model Markdown → Telegram HTML), sent or edited into
// the streaming message, with the buttons on the last part. When Telegram refuses the markup the
// part goes out as plain text, so a model's broken Markdown never costs the user the answer.
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Logger } from "../../log/index.js";
import { markdownToTelegramHtml } from "../render/markdown-to-telegram-html.js";
import type { AnswerTarget } from "./answer-preview.js";
import { isNotModified, isParseFailure } from "./bot-api-failures.js";

/** Sends one part; `editMessageId` edits that message instead (the streaming message). */
export async function sendAnswerPart(
  target: AnswerTarget,
  part: string,
  options: { keyboard?: InlineKeyboardMarkup; editMessageId?: number; reply: boolean; log?: Logger },
): Promise<void> {
  const { api, chatId, threadId, replyTo } = target;
  const send = async (text: string, html: boolean) => {
    const format = html ? { parse_mode: "HTML" as const } : {};
    const markup = options.keyboard ? { reply_markup: options.keyboard } : {};
    const preview = { link_preview_options: { is_disabled: true } };
    if (options.editMessageId !== undefined) {
      // Without a keyboard, an empty one removes the 🛑 button of the streaming message.
      const reply_markup = options.keyboard ?? { inline_keyboard: [] };
      await api.editMessageText(chatId, options.editMessageId, text, { ...format, ...preview, reply_markup });
      return;
    }
    await api.sendMessage(chatId, text, {
      ...format,
      ...markup,
      ...preview,
      ...(threadId === undefined ? {} : { message_thread_id: threadId }),
      ...(options.reply && replyTo !== undefined
        ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } }
        : {}),
    });
  };
  try {
    await send(markdownToTelegramHtml(part), true);
  } catch (error) {
    if (isNotModified(error)) return;
    if (!isParseFailure(error)) throw error;
    options.log?.warn({ err: error, chatId }, "Telegram refused the formatting; sending plain text");
    try {
      await send(part, false);
    } catch (plainError) {
      if (!isNotModified(plainError)) throw plainError;
    }
  }
}
