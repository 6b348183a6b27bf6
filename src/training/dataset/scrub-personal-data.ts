// Replaces personal data in training text with placeholders: e-mail addresses → <email>, card
// numbers → <card>, phone numbers (Russian and international formats) → <phone>, Telegram
// @usernames → <user>. The patterns are shaped so that ordinary numbers, dates, times, versions,
// IP addresses and code survive: inside `code` and ```fenced``` blocks only e-mails are replaced.

/** The placeholders {@link scrubPersonalData} writes. */
export const PERSONAL_DATA_PLACEHOLDERS = {
  email: "<email>",
  phone: "<phone>",
  card: "<card>",
  user: "<user>",
} as const;

const EMAIL = /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;

// Separators inside a number: a space, a no-break space or a dash (a dot only after "+", below).
const SEP = "[ \\u00A0-]";

/** 13–19 digits in groups of 4 (4-4-4-4, 4-6-5, …), one kind of separator throughout. */
const CARD_GROUPED = /(?<![\d+])\d{4}([ \u00A0-])\d{4,6}(?:\1\d{1,6}){1,3}(?![\d]|[.,-]\d)/g;
/** 13–19 digits in a row: a card only when the Luhn checksum holds (long ids usually fail it). */
const CARD_PLAIN = /(?<![\d+.,-])\d{13,19}(?![\d]|[.,]\d)/g;

/** +CC then groups (parentheses allowed around the area code): 8–15 digits in all (E.164). */
const PHONE_INTERNATIONAL = new RegExp(
  `(?<![\\w+])\\+\\d{1,3}(?:[ \\u00A0.-]?(?:\\(\\d{1,5}\\)|\\d{1,5})){1,6}(?!\\d)`,
  "g",
);
/** 8 or 7, then (ddd) ddd-dd-dd in the usual Russian groupings, or 11 digits in a row. */
const PHONE_RUSSIAN = new RegExp(
  `(?<![\\w+.,-])[78]${SEP}?(?:\\(\\d{3}\\)|\\d{3})${SEP}?\\d{3}${SEP}?\\d{2}${SEP}?\\d{2}(?!\\d|[.,]\\d)`,
  "g",
);
/** (ddd) ddd-dd-dd, or ddd ddd dd dd with separators: a number without its country prefix. */
const PHONE_LOCAL = new RegExp(
  `(?<![\\w+.,-])(?:\\(\\d{3}\\)${SEP}?|\\d{3}${SEP})\\d{3}${SEP}\\d{2}${SEP}\\d{2}(?!\\d|[.,]\\d)`,
  "g",
);
/** ddd-dd-dd: a city number. */
const PHONE_CITY = /(?<![\w+.,-])\d{3}-\d{2}-\d{2}(?![\w-]|[.,]\d)/g;

/** Telegram usernames: 5–32 characters, a letter first; not part of an e-mail, path or call. */
const USERNAME = /(?<![\w@./\\])@([A-Za-z][A-Za-z0-9_]{4,31})(?![\w@/(]|\.\w)/g;

/** Code annotations and doc tags that look like usernames. */
const CODE_ANNOTATIONS = new Set([
  "abstractmethod",
  "author",
  "Autowired",
  "cached_property",
  "classmethod",
  "Component",
  "dataclass",
  "Deprecated",
  "deprecated",
  "example",
  "Entity",
  "FunctionalInterface",
  "Inject",
  "Injectable",
  "Input",
  "Output",
  "Override",
  "override",
  "param",
  "property",
  "pytest",
  "returns",
  "return",
  "Service",
  "SafeVarargs",
  "since",
  "staticmethod",
  "SuppressWarnings",
  "Test",
  "throws",
  "typedef",
  "version",
]);

/** A line that a decorator on the line before it decorates. */
const DECORATED_LINE =
  /^\s*(?:def |async |class |function |fun |public |private |protected |static |export |@)/;

/** Code spans: fenced blocks (to the end when unclosed) and inline `code`. */
const CODE = /```[\s\S]*?(?:```|$)|`[^`\n]+`/g;

/** Returns `text` with e-mails, phone and card numbers and @usernames replaced by placeholders. */
export function scrubPersonalData(text: string): string {
  let out = "";
  let last = 0;
  for (const match of text.matchAll(CODE)) {
    out += scrubProse(text.slice(last, match.index));
    out += scrubEmails(match[0]);
    last = match.index + match[0].length;
  }
  return out + scrubProse(text.slice(last));
}

function scrubEmails(text: string): string {
  return text.replace(EMAIL, PERSONAL_DATA_PLACEHOLDERS.email);
}

function scrubProse(text: string): string {
  const { card, phone } = PERSONAL_DATA_PLACEHOLDERS;
  return scrubUsernames(
    scrubEmails(text)
      .replace(CARD_GROUPED, (match) => (digitCount(match) >= 13 && digitCount(match) <= 19 ? card : match))
      .replace(CARD_PLAIN, (match) => (luhnValid(match) ? card : match))
      .replace(PHONE_INTERNATIONAL, (match) =>
        digitCount(match) >= 8 && digitCount(match) <= 15 && balancedParentheses(match) ? phone : match,
      )
      .replace(PHONE_RUSSIAN, phone)
      .replace(PHONE_LOCAL, phone)
      .replace(PHONE_CITY, phone),
  );
}

function scrubUsernames(text: string): string {
  return text.replace(USERNAME, (match, name: string, offset: number) => {
    if (CODE_ANNOTATIONS.has(name)) return match;
    // A decorator: alone on its line, above a definition.
    const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
    const lineEnd = text.indexOf("\n", offset);
    const end = lineEnd < 0 ? text.length : lineEnd;
    const alone =
      text.slice(lineStart, offset).trim() === "" && text.slice(offset + match.length, end).trim() === "";
    if (alone && lineEnd >= 0 && DECORATED_LINE.test(text.slice(lineEnd + 1).split("\n", 1)[0] ?? ""))
      return match;
    return PERSONAL_DATA_PLACEHOLDERS.user;
  });
}

function digitCount(text: string): number {
  let count = 0;
  for (const char of text) if (char >= "0" && char <= "9") count++;
  return count;
}

function balancedParentheses(text: string): boolean {
  return (text.match(/\(/g)?.length ?? 0) === (text.match(/\)/g)?.length ?? 0);
}

/** The Luhn checksum of card numbers. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
