// A bot's text as Telegram stores it: parse_mode or entities applied, trimmed, checked, links and commands found.
import type { MessageEntity } from "grammy/types";
import { BotApiError } from "./bot-api-error.js";
import { detectEntities } from "./detect-entities.js";
import { sortEntities, type FormattedText } from "./formatted-text.js";
import { parseHtml } from "./parse-html.js";
import { parseMarkdown } from "./parse-markdown.js";
import { parseMarkdownV2 } from "./parse-markdown-v2.js";

/** Input of {@link formatText}. */
export interface FormatTextInput {
  text: string | undefined;
  /** `HTML`, `MarkdownV2` or `Markdown` (any case); default none. */
  parseMode?: string;
  /** Explicit entities, used when there is no parse mode. Default none. */
  entities?: readonly MessageEntity[];
  /** Accept an empty text (drafts show a placeholder). Default false. */
  allowEmpty?: boolean;
  /** Longest text in characters after parsing. Default 4096 (a message). */
  maxLength?: number;
  /** What the text is, for the "is empty"/"too long" errors. Default "message". */
  subject?: "message" | "caption";
}

/** Formatting entities do not stop Telegram from finding a link or a command inside them; these do. */
const FORMATTING = new Set([
  "bold",
  "italic",
  "underline",
  "strikethrough",
  "spoiler",
  "blockquote",
  "expandable_blockquote",
]);

/** Applies the parse mode (or entities), trims, checks the length and adds the entities Telegram detects. */
export function formatText(input: FormatTextInput): FormattedText {
  const raw = input.text ?? "";
  const subject = input.subject ?? "message";
  let parsed: FormattedText;
  switch ((input.parseMode ?? "").toLowerCase()) {
    case "":
      parsed = { text: raw, entities: validEntities(input.entities ?? [], raw.length) };
      break;
    case "html":
      parsed = parseHtml(raw);
      break;
    case "markdownv2":
      parsed = parseMarkdownV2(raw);
      break;
    case "markdown":
      parsed = parseMarkdown(raw);
      break;
    default:
      throw BotApiError.badRequest("unsupported parse_mode");
  }
  const trimmed = trim(parsed);
  if (trimmed.text === "" && input.allowEmpty !== true) {
    throw BotApiError.badRequest(subject === "message" ? "message text is empty" : "caption is empty");
  }
  // Telegram counts characters (code points), not UTF-16 units
  if ([...trimmed.text].length > (input.maxLength ?? 4096)) {
    throw BotApiError.badRequest(
      subject === "message" ? "message is too long" : "message caption is too long",
    );
  }
  const blocking = trimmed.entities.filter((e) => !FORMATTING.has(e.type));
  const detected = detectEntities(trimmed.text).filter(
    (d) => !blocking.some((e) => d.offset < e.offset + e.length && e.offset < d.offset + d.length),
  );
  return { text: trimmed.text, entities: sortEntities([...trimmed.entities, ...detected]) };
}

/** Explicit entities that lie inside the text, sorted; others are dropped as Telegram drops them. */
function validEntities(entities: readonly MessageEntity[], textLength: number): MessageEntity[] {
  return sortEntities(
    entities
      .filter(
        (e) =>
          Number.isSafeInteger(e.offset) &&
          Number.isSafeInteger(e.length) &&
          e.offset >= 0 &&
          e.length > 0 &&
          e.offset + e.length <= textLength,
      )
      .map((e) => ({ ...e })),
  );
}

/** Telegram removes leading and trailing white space; entities are cut to what remains. */
function trim({ text, entities }: FormattedText): FormattedText {
  const lead = text.length - text.trimStart().length;
  const result = text.trim();
  const kept: MessageEntity[] = [];
  for (const entity of entities) {
    const start = Math.max(0, entity.offset - lead);
    const end = Math.min(result.length, entity.offset + entity.length - lead);
    if (end > start) kept.push({ ...entity, offset: start, length: end - start });
  }
  return { text: result, entities: kept };
}
