// Whether a group message speaks to the bot, and what it says once the address is taken off:
// an @mention of the bot, a reply to one of its messages, or a configured name at the start
// ("Сайга, как дела?").
import type { Message, UserFromGetMe } from "grammy/types";

/** The message text without the address, or null when the message is not for the bot. */
export function addressedText(message: Message, me: UserFromGetMe, names: readonly string[]): string | null {
  const text = message.text ?? "";
  const mention = `@${me.username}`.toLowerCase();
  const mentionEntity = (message.entities ?? []).find(
    (entity) =>
      entity.type === "mention" &&
      text.slice(entity.offset, entity.offset + entity.length).toLowerCase() === mention,
  );
  if (mentionEntity) {
    const without =
      text.slice(0, mentionEntity.offset) + text.slice(mentionEntity.offset + mentionEntity.length);
    return tidy(without) || text;
  }
  if (message.reply_to_message?.from?.id === me.id) return text;
  for (const name of names) {
    const match = new RegExp(`^\\s*${escapeRegExp(name)}(?=$|[\\s,.:;!?—-])[\\s,.:;!?—-]*`, "iu").exec(text);
    if (match) return tidy(text.slice(match[0].length)) || text;
  }
  return null;
}

function tidy(text: string): string {
  return text
    .replace(/^[\s,.:;—-]+/u, "")
    .replace(/\s{2,}/g, " ")
    .trim();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
