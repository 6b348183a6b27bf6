// What a reply or a quote brings into the prompt: the text the user answers to, marked as quoted
// ("> " lines, the convention of mail and Markdown in any language) and named by its author, put
// before the user's own text. Cut to `telegram.quoteMaxChars`, so that replying to a long message
// cannot crowd the question out of the context. A reply to one of the bot's answers that the
// history still has adds nothing (the model sees it already); a quote of part of it still does,
// since it shows which part the user means.
import type { Message, UserFromGetMe } from "grammy/types";
import type { HistoryTurn } from "../../store/chat-store.js";

/** What {@link quotedContext} needs besides the message. */
export interface QuotedContextOptions {
  me: UserFromGetMe;
  /** Longest quoted text in characters; 0 turns quoting off. */
  maxChars: number;
  /** The conversation's history (read only for replies to the bot without a quote). */
  history: () => Promise<readonly HistoryTurn[]>;
}

/** How much of a quoted answer is compared with the history. */
const HISTORY_PROBE_CHARS = 120;

/** The quoted block followed by a blank line, to put before the user's text; "" when nothing is quoted. */
export async function quotedContext(message: Message, options: QuotedContextOptions): Promise<string> {
  if (options.maxChars === 0) return "";
  const replied = message.reply_to_message;
  const partial = message.quote?.text.trim();
  const whole = (replied?.text ?? replied?.caption ?? "").trim();
  // A message in a forum topic "replies" to the topic's creation: nothing to quote there.
  const quoted = partial || whole;
  if (!quoted) return "";
  const fromBot = replied?.from?.id === options.me.id;
  if (!partial && fromBot && isInHistory(quoted, await options.history())) return "";
  const author = replied ? senderName(replied) : undefined;
  const text = cut(quoted, options.maxChars);
  const lines = (author ? `${author}: ${text}` : text).split("\n").map((line) => `> ${line}`.trimEnd());
  return `${lines.join("\n")}\n\n`;
}

/** The name a message's sender goes by in prompts ("Alice Smith"). */
export function senderName(message: Pick<Message, "from" | "sender_chat">): string {
  const from = message.from;
  if (!from) return message.sender_chat?.title ?? "?";
  return [from.first_name, from.last_name].filter(Boolean).join(" ") || from.username || String(from.id);
}

/** The first `maxChars` characters (whole code points), with " …" when something was cut. */
function cut(text: string, maxChars: number): string {
  const chars = Array.from(text);
  return chars.length <= maxChars ? text : `${chars.slice(0, maxChars).join("").trimEnd()} …`;
}

/**
 * Whether the bot's message is one of the history's answers. Telegram shows the answer formatted
 * (the Markdown syntax gone) and perhaps in parts, so letters and digits of its beginning are
 * looked up in each answer.
 */
function isInHistory(shown: string, history: readonly HistoryTurn[]): boolean {
  const probe = lettersOf(shown).slice(0, HISTORY_PROBE_CHARS);
  return (
    probe !== "" && history.some((turn) => turn.role === "assistant" && lettersOf(turn.text).includes(probe))
  );
}

function lettersOf(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
}
