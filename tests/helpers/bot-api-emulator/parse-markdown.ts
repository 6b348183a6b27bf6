// parse_mode "Markdown" (legacy): a port of tdlib's parse_markdown, with its error text.
import { readPreFence } from "./read-pre-fence.js";
import type { MessageEntity } from "grammy/types";
import { BotApiError } from "./bot-api-error.js";
import { sortEntities, type FormattedText } from "./formatted-text.js";
import { utf8ByteOffset } from "./utf8-byte-offset.js";

/** Parses legacy Markdown; entities do not nest, and an unclosed one is a 400 like the Bot API's. */
export function parseMarkdown(input: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    const next = input[i + 1];
    if (c === "\\" && next !== undefined && "_*`[".includes(next)) {
      text += next;
      i += 2;
      continue;
    }
    if (!"_*`[".includes(c)) {
      text += c;
      i++;
      continue;
    }
    const begin = i;
    const endChar = c === "[" ? "]" : c;
    let isPre = false;
    let language = "";
    i++;
    if (c === "`" && input[i] === "`" && input[i + 1] === "`") {
      isPre = true;
      ({ language, end: i } = readPreFence(input, i + 2));
    }
    const offset = text.length;
    while (
      i < input.length &&
      (input[i] !== endChar || (isPre && !(input[i + 1] === "`" && input[i + 2] === "`")))
    ) {
      text += input[i];
      i++;
    }
    if (i >= input.length) {
      throw BotApiError.badRequest(
        `can't parse entities: Can't find end of the entity starting at byte offset ${utf8ByteOffset(input, begin)}`,
      );
    }
    const length = text.length - offset;
    let url = "";
    if (c === "[") {
      if (input[i + 1] !== "(") {
        url = input.slice(begin + 1, i);
      } else {
        i += 2;
        while (i < input.length && input[i] !== ")") url += input[i++];
      }
    }
    if (length > 0) {
      if (c === "_") entities.push({ type: "italic", offset, length });
      else if (c === "*") entities.push({ type: "bold", offset, length });
      else if (c === "[") {
        if (url !== "") entities.push({ type: "text_link", offset, length, url });
      } else if (isPre) {
        entities.push(
          language === "" ? { type: "pre", offset, length } : { type: "pre", offset, length, language },
        );
      } else entities.push({ type: "code", offset, length });
    }
    i += isPre ? 3 : 1;
  }
  return { text, entities: sortEntities(entities) };
}
