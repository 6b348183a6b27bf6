// parse_mode "HTML": a port of the rules of Telegram's parser (tdlib's parse_html), with its error texts.
import type { MessageEntity } from "grammy/types";
import { BotApiError } from "./bot-api-error.js";
import { sortEntities, type FormattedText } from "./formatted-text.js";
import { utf8ByteOffset } from "./utf8-byte-offset.js";

const SUPPORTED_TAGS = new Set([
  "a",
  "b",
  "strong",
  "i",
  "em",
  "s",
  "strike",
  "del",
  "u",
  "ins",
  "tg-spoiler",
  "tg-emoji",
  "tg-time",
  "span",
  "pre",
  "code",
  "blockquote",
]);

const SIMPLE_TAGS: Record<string, MessageEntity["type"]> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
};

const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

interface OpenTag {
  name: string;
  attributes: Map<string, string>;
  /** UTF-16 offset in the output text. */
  start: number;
  byteOffset: number;
  /** For `pre`: the language a nested `<code class="language-…">` gave. */
  language?: string;
}

function cannotParse(detail: string): BotApiError {
  return BotApiError.badRequest(`can't parse entities: ${detail}`);
}

const isSpace = (c: string | undefined): boolean =>
  c === " " || c === "\n" || c === "\t" || c === "\r" || c === "\f" || c === "\v";

/**
 * Decodes `&lt;`, `&gt;`, `&amp;`, `&quot;` and numeric entities at `at`; returns the character and the
 * index after the entity, or undefined, in which case `&` is an ordinary character (as in Telegram).
 */
function decodeEntity(input: string, at: number): { char: string; next: number } | undefined {
  const match = /^&(#x[0-9a-fA-F]{1,8}|#[0-9]{1,10}|[a-zA-Z]{1,10});/.exec(input.slice(at, at + 14));
  if (match === null) return undefined;
  const body = match[1]!;
  let char: string | undefined;
  if (body.startsWith("#")) {
    const code = body.startsWith("#x") ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    const valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
    char = valid ? String.fromCodePoint(code) : undefined;
  } else {
    char = NAMED_ENTITIES[body];
  }
  return char === undefined ? undefined : { char, next: at + match[0].length };
}

/** Parses Telegram HTML into text and entities; throws a 400 `can't parse entities: …` like the Bot API. */
export function parseHtml(input: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  const open: OpenTag[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === "&") {
      const decoded = decodeEntity(input, i);
      if (decoded !== undefined) {
        text += decoded.char;
        i = decoded.next;
        continue;
      }
    }
    if (c !== "<") {
      text += c;
      i++;
      continue;
    }
    const beginByte = utf8ByteOffset(input, i);
    if (input[i + 1] !== "/") {
      // a start tag: the name runs to a space or '>'
      let j = i + 1;
      while (j < input.length && !isSpace(input[j]) && input[j] !== ">") j++;
      const name = input.slice(i + 1, j).toLowerCase();
      if (!SUPPORTED_TAGS.has(name))
        throw cannotParse(`Unsupported start tag "${name}" at byte offset ${beginByte}`);
      const attributes = new Map<string, string>();
      for (;;) {
        while (j < input.length && isSpace(input[j])) j++;
        if (j >= input.length) throw cannotParse(`Unclosed start tag at byte offset ${beginByte}`);
        if (input[j] === ">") break;
        const nameStart = j;
        while (j < input.length && !isSpace(input[j]) && input[j] !== "=" && input[j] !== ">") j++;
        const attribute = input.slice(nameStart, j).toLowerCase();
        if (attribute === "")
          throw cannotParse(`Empty attribute name in the tag "${name}" at byte offset ${beginByte}`);
        while (j < input.length && isSpace(input[j])) j++;
        if (input[j] !== "=") {
          // the one attribute Telegram takes without a value
          if (name === "blockquote" && attribute === "expandable") {
            attributes.set(attribute, "");
            continue;
          }
          if (j >= input.length) throw cannotParse(`Unclosed start tag at byte offset ${beginByte}`);
          throw cannotParse(
            `Expected equal sign in declaration of an attribute of the tag "${name}" at byte offset ${beginByte}`,
          );
        }
        j++;
        while (j < input.length && isSpace(input[j])) j++;
        if (j >= input.length) throw cannotParse(`Unclosed start tag at byte offset ${beginByte}`);
        let value = "";
        const quote = input[j];
        if (quote === '"' || quote === "'") {
          j++;
          while (j < input.length && input[j] !== quote) {
            const decoded = input[j] === "&" ? decodeEntity(input, j) : undefined;
            if (decoded !== undefined) {
              value += decoded.char;
              j = decoded.next;
            } else {
              value += input[j];
              j++;
            }
          }
          if (j >= input.length) throw cannotParse(`Unclosed start tag at byte offset ${beginByte}`);
          j++;
        } else {
          while (j < input.length && /[A-Za-z0-9_.-]/.test(input[j]!)) value += input[j++];
          if (value === "") throw cannotParse(`Unclosed start tag at byte offset ${beginByte}`);
        }
        attributes.set(attribute, value);
      }
      open.push({ name, attributes, start: text.length, byteOffset: beginByte });
      i = j + 1;
      continue;
    }
    // an end tag
    const top = open.pop();
    if (top === undefined) throw cannotParse(`Unexpected end tag at byte offset ${beginByte}`);
    let j = i + 2;
    while (j < input.length && !isSpace(input[j]) && input[j] !== ">") j++;
    const name = input.slice(i + 2, j).toLowerCase();
    while (j < input.length && isSpace(input[j])) j++;
    if (input[j] !== ">") throw cannotParse(`Unclosed end tag at byte offset ${beginByte}`);
    if (name !== top.name) {
      throw cannotParse(
        `Unmatched end tag at byte offset ${beginByte}, expected "</${top.name}>", found "</${name}>"`,
      );
    }
    i = j + 1;
    const entity = closeTag(top, text, open[open.length - 1]);
    if (entity !== undefined && entity.length > 0) entities.push(entity);
  }
  const unclosed = open.pop();
  if (unclosed !== undefined) {
    throw cannotParse(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  }
  return { text, entities: sortEntities(entities) };
}

/** The entity a closed tag makes, if any. */
function closeTag(tag: OpenTag, text: string, parent: OpenTag | undefined): MessageEntity | undefined {
  const offset = tag.start;
  const length = text.length - tag.start;
  const simple = SIMPLE_TAGS[tag.name];
  if (simple !== undefined) return { type: simple, offset, length } as MessageEntity;
  switch (tag.name) {
    case "span":
      if (tag.attributes.get("class") !== "tg-spoiler")
        throw cannotParse(`Tag "span" must have class "tg-spoiler"`);
      return { type: "spoiler", offset, length };
    case "a": {
      const url = tag.attributes.get("href") || text.slice(offset);
      return url === "" ? undefined : { type: "text_link", offset, length, url };
    }
    case "code": {
      // <pre><code class="language-x"> gives the pre block its language; code is not nested in pre
      if (parent?.name === "pre") {
        const cls = tag.attributes.get("class") ?? "";
        if (cls.startsWith("language-") && parent.start === offset)
          parent.language = cls.slice("language-".length);
        return undefined;
      }
      return { type: "code", offset, length };
    }
    case "pre":
      return tag.language
        ? { type: "pre", offset, length, language: tag.language }
        : { type: "pre", offset, length };
    case "blockquote":
      return {
        type: tag.attributes.has("expandable") ? "expandable_blockquote" : "blockquote",
        offset,
        length,
      };
    case "tg-emoji": {
      const id = tag.attributes.get("emoji-id");
      return id ? { type: "custom_emoji", offset, length, custom_emoji_id: id } : undefined;
    }
    case "tg-time": {
      const unix = Number(tag.attributes.get("unix"));
      if (!Number.isSafeInteger(unix)) return undefined;
      const format = tag.attributes.get("format");
      return format === undefined
        ? ({ type: "date_time", offset, length, unix_time: unix } as MessageEntity)
        : ({ type: "date_time", offset, length, unix_time: unix, date_time_format: format } as MessageEntity);
    }
    default:
      return undefined;
  }
}
