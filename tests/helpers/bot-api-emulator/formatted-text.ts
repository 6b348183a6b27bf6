// Text with its entities: what a parse mode turns a message into.
import type { MessageEntity } from "grammy/types";

/** Plain text and the entities over it (offsets in UTF-16 code units). */
export interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

/** Orders entities the way Telegram returns them: by offset, then the longer (outer) one first. */
export function sortEntities(entities: MessageEntity[]): MessageEntity[] {
  return entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
}
