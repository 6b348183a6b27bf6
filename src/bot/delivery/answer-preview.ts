// The answer while it is being written: a draft (sendMessageDraft, Bot API 9.5, private chats)
// or one message that is edited. Both show plain text; the final answer is formatted afterwards.
import type { Api } from "grammy";
import { isNotModified } from "./bot-api-failures.js";
import { stopKeyboard } from "./answer-keyboard.js";

/** Telegram's longest message. */
const MESSAGE_LIMIT = 4096;

/** Where streamed text is shown. */
export interface AnswerPreview {
  readonly kind: "draft" | "message";
  /** Shows `text` (plain); called at most once per interval. */
  show(text: string): Promise<void>;
}

/** Identifies where the answer goes. */
export interface AnswerTarget {
  api: Api;
  chatId: number;
  threadId?: number;
  replyTo?: number;
  requestId: string;
}

/** Cuts a long partial answer for display (the final answer is split into parts instead). */
function previewText(text: string): string {
  const trimmed = text.trim();
  return trimmed.length <= MESSAGE_LIMIT ? trimmed : `${trimmed.slice(0, MESSAGE_LIMIT - 2)} …`;
}

/** Streams into a draft; the draft's own stop button sends `stopped_message_generation`. */
export class DraftPreview implements AnswerPreview {
  readonly kind = "draft";
  constructor(
    private readonly target: AnswerTarget,
    private readonly draftId: number,
  ) {}

  async show(text: string): Promise<void> {
    const { api, chatId, threadId } = this.target;
    await api.sendMessageDraft(chatId, this.draftId, previewText(text), {
      can_stop: true,
      ...(threadId === undefined ? {} : { message_thread_id: threadId }),
    });
  }
}

/** Streams into one message with a 🛑 button, sent on the first text and edited afterwards. */
export class MessagePreview implements AnswerPreview {
  readonly kind = "message";
  private shown: string | undefined;

  constructor(
    private readonly target: AnswerTarget,
    private readonly stopLabel: string,
    /** The message of an earlier attempt of this delivery, if it got that far. */
    public messageId: number | undefined,
    /** Called once with the new message's id, before anything else is sent. */
    private readonly onCreated: (messageId: number) => Promise<void>,
  ) {}

  async show(text: string): Promise<void> {
    const { api, chatId, threadId, replyTo, requestId } = this.target;
    const shown = previewText(text);
    if (shown === "" || shown === this.shown) return; // an identical edit is refused by Telegram
    const reply_markup = stopKeyboard(requestId, this.stopLabel);
    if (this.messageId === undefined) {
      const message = await api.sendMessage(chatId, shown, {
        reply_markup,
        ...(threadId === undefined ? {} : { message_thread_id: threadId }),
        ...(replyTo === undefined
          ? {}
          : { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } }),
      });
      this.messageId = message.message_id;
      this.shown = shown;
      await this.onCreated(message.message_id);
      return;
    }
    try {
      await api.editMessageText(chatId, this.messageId, shown, { reply_markup });
    } catch (error) {
      if (!isNotModified(error)) throw error; // a taken-over delivery does not know what was shown
    }
    this.shown = shown;
  }
}
