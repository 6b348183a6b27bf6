// Inline buttons of an answer and their callback data. The data carries the request id, so a
// press is self-describing: no lookup table from message ids to requests is needed.
import type { InlineKeyboardMarkup } from "grammy/types";

/** What a button of an answer asks for. */
export type AnswerAction = "up" | "down" | "regenerate" | "stop";

const PREFIX: Record<AnswerAction, string> = {
  up: "fb:up:",
  down: "fb:down:",
  regenerate: "re:",
  stop: "st:",
};

/** Callback data of an answer button (well under Telegram's 64 bytes for any request id). */
export function answerCallbackData(action: AnswerAction, requestId: string): string {
  return PREFIX[action] + requestId;
}

/** The action and request of a button press, or null for other callback data. */
export function parseAnswerCallback(data: string): { action: AnswerAction; requestId: string } | null {
  for (const [action, prefix] of Object.entries(PREFIX) as [AnswerAction, string][]) {
    if (data.startsWith(prefix) && data.length > prefix.length) {
      return { action, requestId: data.slice(prefix.length) };
    }
  }
  return null;
}

/** 👍 👎 🔄 under a finished answer. */
export function feedbackKeyboard(requestId: string): InlineKeyboardMarkup {
  return {
    inline_keyboard: [
      [
        { text: "👍", callback_data: answerCallbackData("up", requestId) },
        { text: "👎", callback_data: answerCallbackData("down", requestId) },
        { text: "🔄", callback_data: answerCallbackData("regenerate", requestId) },
      ],
    ],
  };
}

/** 🛑 under an answer that is being written. */
export function stopKeyboard(requestId: string, label: string): InlineKeyboardMarkup {
  return { inline_keyboard: [[{ text: label, callback_data: answerCallbackData("stop", requestId) }]] };
}
