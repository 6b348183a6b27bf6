// The entities Telegram finds in plain text by itself: commands, mentions, hashtags, links and e-mails.
import type { MessageEntity } from "grammy/types";

type DetectedType = "bot_command" | "mention" | "hashtag" | "url" | "email";

const PATTERNS: ReadonlyArray<readonly [DetectedType, RegExp]> = [
  ["url", /\bhttps?:\/\/[^\s<>"]+/giu],
  ["email", /(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/gu],
  ["bot_command", /(?<=^|\s)\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w@/])/gu],
  ["mention", /(?<![\w@/])@[A-Za-z0-9_]{5,32}(?![\w@])/gu],
  ["hashtag", /(?<![\p{L}\p{N}_#])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*/gu],
];

/**
 * Finds commands (`/start`, `/start@bot`), mentions (`@username`), hashtags, http(s) links and e-mails,
 * as Telegram does for every text message. Overlaps go to the earlier (then longer) match.
 */
export function detectEntities(text: string): MessageEntity[] {
  const found: MessageEntity[] = [];
  for (const [type, pattern] of PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      let value = match[0];
      // a link does not take the punctuation that ends the sentence around it
      if (type === "url") value = value.replace(/[.,;:!?)\]'}]+$/u, "");
      found.push({ type, offset: match.index, length: value.length });
    }
  }
  found.sort((a, b) => a.offset - b.offset || b.length - a.length);
  const result: MessageEntity[] = [];
  let end = 0;
  for (const entity of found) {
    if (entity.offset < end) continue;
    result.push(entity);
    end = entity.offset + entity.length;
  }
  return result;
}
