// What the test reads about the bot's messages and drafts in a chat: their current state.
import type { InlineKeyboardMarkup, Message, MessageEntity, ParseMode } from "grammy/types";

/** One message the bot sent, as it stands now (after edits). */
export interface BotMessageView {
  messageId: number;
  /** Current text (the caption for media), after entity parsing. */
  text: string;
  /** Current entities, including those Telegram detected (links, commands, mentions); [] when none. */
  entities: MessageEntity[];
  /** The parse_mode of the last send or edit, as the bot gave it. */
  parseMode?: ParseMode | string;
  /** The inline keyboard, if the message has one. */
  replyMarkup?: InlineKeyboardMarkup;
  /** Successful edits (text or reply markup). */
  edits: number;
  /** The message this one replies to. */
  replyTo?: number;
  /** The forum topic it was sent to (`message_thread_id`). */
  threadId?: number;
  date: number;
  editDate?: number;
  deleted: boolean;
  /** The message as the Bot API would return it now. */
  message: Message;
}

/** One streamed draft (sendMessageDraft) in a private chat. */
export interface DraftView {
  draftId: number;
  /** The latest text. */
  text: string;
  entities: MessageEntity[];
  /** Every text sent for this draft, in order. */
  history: string[];
  /** The draft offered the user a stop button (`can_stop`). */
  canStop: boolean;
  /** False once the bot sent a message into the chat (Telegram removes the draft then). */
  active: boolean;
  /** When the first and the latest update arrived (ms since the epoch). */
  firstAt: number;
  lastAt: number;
}
