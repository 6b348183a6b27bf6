// parse_mode "MarkdownV2": a port of tdlib's parse_markdown_v2 (the Bot API's parser), with its error texts.
import { readPreFence } from "./read-pre-fence.js";
import type { MessageEntity } from "grammy/types";
import { BotApiError } from "./bot-api-error.js";
import { sortEntities, type FormattedText } from "./formatted-text.js";
import { utf8ByteOffset } from "./utf8-byte-offset.js";

type MarkdownEntityType =
  | "bold"
  | "italic"
  | "underline"
  | "strikethrough"
  | "spoiler"
  | "code"
  | "pre"
  | "text_link"
  | "custom_emoji";

/** tdlib's names of entity types, as they appear in its error texts. */
const TD_NAMES: Record<MarkdownEntityType, string> = {
  bold: "Bold",
  italic: "Italic",
  underline: "Underline",
  strikethrough: "Strikethrough",
  spoiler: "Spoiler",
  code: "Code",
  pre: "Pre",
  text_link: "TextUrl",
  custom_emoji: "CustomEmoji",
};

const RESERVED = "_*[]()~`>#+-=|{}.!";

interface OpenEntity {
  type: MarkdownEntityType;
  /** UTF-16 offset in the output text. */
  start: number;
  byteOffset: number;
  language?: string;
}

interface OpenQuote {
  start: number;
  expandable: boolean;
}

function cannotParse(detail: string): BotApiError {
  return BotApiError.badRequest(`can't parse entities: ${detail}`);
}

function reservedError(char: string): BotApiError {
  return cannotParse(`Character '${char}' is reserved and must be escaped with the preceding '\\'`);
}

/** Parses MarkdownV2 into text and entities; throws a 400 `can't parse entities: …` like the Bot API. */
export function parseMarkdownV2(input: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  const open: OpenEntity[] = [];
  let quote: OpenQuote | undefined;
  let lineStart = 0; // index in `input` where the current raw line begins

  const closeQuote = (end: number): void => {
    if (quote !== undefined && end > quote.start) {
      const type = quote.expandable ? "expandable_blockquote" : "blockquote";
      entities.push({ type, offset: quote.start, length: end - quote.start });
    }
    quote = undefined;
  };

  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    const top = open[open.length - 1];
    const inCode = top?.type === "code" || top?.type === "pre";

    // A line that does not start with '>' ends the block quotation (before the newline that ended it).
    if (i === lineStart && quote !== undefined && c !== ">" && !inCode) closeQuote(text.length - 1);

    const next = input[i + 1];
    if (c === "\\" && next !== undefined && next.charCodeAt(0) >= 1 && next.charCodeAt(0) <= 126) {
      text += next;
      i += 2;
      continue;
    }
    if (c === "\n") lineStart = i + 1;
    if (!(inCode ? c === "`" : RESERVED.includes(c))) {
      text += c;
      i++;
      continue;
    }

    // '>' at the start of an output line begins or continues a block quotation
    if (c === ">" && !inCode && (text === "" || text.endsWith("\n"))) {
      if (quote === undefined || i !== lineStart) {
        closeQuote(text.length - (text.endsWith("\n") ? 1 : 0));
        quote = { start: text.length, expandable: false };
      }
      i++;
      continue;
    }
    // "||" at the end of a quoted line is the expandability mark, not a spoiler
    if (
      c === "|" &&
      next === "|" &&
      quote !== undefined &&
      top?.type !== "spoiler" &&
      (i + 2 >= input.length || input[i + 2] === "\n")
    ) {
      quote.expandable = true;
      closeQuote(text.length);
      i += 2;
      continue;
    }

    const isEnd =
      top !== undefined &&
      (() => {
        switch (top.type) {
          case "bold":
            return c === "*";
          case "italic":
            return c === "_" && next !== "_";
          case "code":
            return c === "`";
          case "pre":
            return c === "`" && next === "`" && input[i + 2] === "`";
          case "text_link":
          case "custom_emoji":
            return c === "]";
          case "underline":
            return c === "_" && next === "_";
          case "strikethrough":
            return c === "~";
          case "spoiler":
            return c === "|" && next === "|";
        }
      })();

    if (!isEnd) {
      const byteOffset = utf8ByteOffset(input, i);
      let type: MarkdownEntityType;
      let language: string | undefined;
      switch (c) {
        case "_":
          if (next === "_") {
            type = "underline";
            i++;
          } else {
            type = "italic";
          }
          break;
        case "*":
          type = "bold";
          break;
        case "~":
          type = "strikethrough";
          break;
        case "|":
          if (next !== "|") throw reservedError(c);
          type = "spoiler";
          i++;
          break;
        case "[":
          type = "text_link";
          break;
        case "!":
          if (next !== "[") throw reservedError(c);
          type = "custom_emoji";
          i++;
          break;
        case "`":
          if (next === "`" && input[i + 2] === "`") {
            type = "pre";
            ({ language, end: i } = readPreFence(input, i + 3));
            i--;
          } else {
            type = "code";
          }
          break;
        default:
          throw reservedError(c);
      }
      open.push({ type, start: text.length, byteOffset, ...(language === undefined ? {} : { language }) });
      i++;
      continue;
    }

    // the end of the innermost entity
    const entity = open.pop()!;
    let skip = text.length === entity.start;
    let url: string | undefined;
    switch (entity.type) {
      case "underline":
      case "spoiler":
        i++;
        break;
      case "pre":
        i += 2;
        break;
      case "text_link":
      case "custom_emoji": {
        if (input[i + 1] !== "(") {
          if (entity.type === "custom_emoji")
            throw cannotParse("Custom emoji entity must contain a tg://emoji URL");
          url = text.slice(entity.start);
          break;
        }
        i += 2;
        const urlStart = i;
        url = "";
        while (i < input.length && input[i] !== ")") {
          const escaped = input[i + 1];
          if (
            input[i] === "\\" &&
            escaped !== undefined &&
            escaped.charCodeAt(0) >= 1 &&
            escaped.charCodeAt(0) <= 126
          ) {
            url += escaped;
            i += 2;
            continue;
          }
          url += input[i];
          i++;
        }
        if (input[i] !== ")")
          throw cannotParse(`Can't find end of a URL at byte offset ${utf8ByteOffset(input, urlStart)}`);
        break;
      }
      default:
        break;
    }
    i++;
    if (url !== undefined && url.trim() === "") skip = true;
    if (!skip) entities.push(makeEntity(entity, text.length - entity.start, url));
  }

  const unclosed = open.pop();
  if (unclosed !== undefined) {
    const name =
      unclosed.type === "pre" && unclosed.language !== undefined ? "PreCode" : TD_NAMES[unclosed.type];
    throw cannotParse(`Can't find end of ${name} entity at byte offset ${unclosed.byteOffset}`);
  }
  closeQuote(text.length);
  return { text, entities: sortEntities(entities) };
}

function makeEntity(entity: OpenEntity, length: number, url: string | undefined): MessageEntity {
  const offset = entity.start;
  switch (entity.type) {
    case "pre":
      return entity.language === undefined
        ? { type: "pre", offset, length }
        : { type: "pre", offset, length, language: entity.language };
    case "text_link":
      return { type: "text_link", offset, length, url: url ?? "" };
    case "custom_emoji": {
      const emojiId = /^tg:\/\/emoji\?id=(\d+)$/.exec(url ?? "");
      if (emojiId !== null) return { type: "custom_emoji", offset, length, custom_emoji_id: emojiId[1]! };
      const time = /^tg:\/\/time\?unix=(\d+)(?:&format=([a-zA-Z]*))?$/.exec(url ?? "");
      if (time !== null) {
        return {
          type: "date_time",
          offset,
          length,
          unix_time: Number(time[1]),
          date_time_format: time[2] ?? "",
        } as MessageEntity;
      }
      throw cannotParse("Custom emoji entity must contain a tg://emoji URL");
    }
    default:
      return { type: entity.type, offset, length };
  }
}
