// Renders the Markdown a model writes as Telegram Bot API HTML (parse_mode "HTML"), so that a final
// answer shows bold, code blocks, links and lists instead of raw asterisks. The output is always
// accepted by Telegram: tags come from a tree (so they nest), text and attributes are escaped, and
// anything unbalanced or invalid is kept as literal text.

/** A code fence's opening line, as read by {@link fenceOpening}. */
export interface FenceOpening {
  /** Whitespace before the backticks; the same amount is taken off each code line. */
  indent: string;
  /** The backtick run (3 or more); the fence closes with a run at least as long. */
  marker: string;
  /** The language, or "" when the info string has none usable as a `language-…` class. */
  language: string;
}

/** Reads a line as a ``` fence opening; undefined when it is not one. */
export function fenceOpening(line: string): FenceOpening | undefined {
  // the info string may not contain backticks: "```js x```" is inline code, not a fence
  const match = /^([ \t]*)(`{3,})[ \t]*([^`]*)$/.exec(line);
  if (match === null) return undefined;
  const word = match[3]!.trim().split(/\s+/, 1)[0]!;
  const language = /^[\w+#.-]{1,32}$/.test(word) ? word : "";
  return { indent: match[1]!, marker: match[2]!, language };
}

/** Whether `line` closes a fence opened with `marker`. */
export function isFenceClosing(line: string, marker: string): boolean {
  const match = /^[ \t]*(`{3,})[ \t]*$/.exec(line);
  return match !== null && match[1]!.length >= marker.length;
}

/**
 * Converts model Markdown into Telegram HTML: **bold** and __bold__, *italic* and _italic_ (not in words),
 * ~~strike~~, `code`, ``` fences (an unclosed one runs to the end), [text](http(s) url), `#` headings
 * as bold lines, `>` quotes as a blockquote, `-`, `*` and `+` bullets as "• ". Everything else, including
 * any unbalanced marker, stays literal text. The visible text is never longer than the Markdown.
 */
export function markdownToTelegramHtml(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = fenceOpening(line);
    if (fence !== undefined) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !isFenceClosing(lines[i]!, fence.marker)) {
        code.push(dedent(lines[i]!, fence.indent.length));
        i++;
      }
      i++; // the closing line (past the end when the fence is unclosed)
      out.push(renderCodeBlock(code.join("\n"), fence.language));
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i]!)) {
        // nested quotes (">>") are flattened: Telegram's blockquotes do not nest
        quoted.push(renderLine(lines[i]!.replace(/^[ \t]{0,3}(?:>[ \t]?)+/, "")));
        i++;
      }
      out.push(`<blockquote>${quoted.join("\n")}</blockquote>`);
      continue;
    }
    out.push(renderLine(line));
    i++;
  }
  return out.join("\n");
}

/**
 * The length of the text Telegram gets from `html` (tags removed, entities decoded), in UTF-16 code
 * units as Telegram counts it; what must stay within the 4096 limit of a message.
 */
export function visibleLength(html: string): number {
  let length = 0;
  let i = 0;
  while (i < html.length) {
    const c = html[i]!;
    if (c === "<") {
      const end = html.indexOf(">", i);
      if (end >= 0) {
        i = end + 1;
        continue;
      }
    } else if (c === "&") {
      const match = /^&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});/.exec(html.slice(i, i + 12));
      if (match !== null) {
        const body = match[1]!;
        const code = body.startsWith("#x")
          ? parseInt(body.slice(2), 16)
          : body.startsWith("#")
            ? parseInt(body.slice(1), 10)
            : 0;
        length += code > 0xffff ? 2 : 1;
        i += match[0].length;
        continue;
      }
    }
    length++;
    i++;
  }
  return length;
}

const QUOTE = /^[ \t]{0,3}>/;

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function escapeAttribute(text: string): string {
  return escapeHtml(text).replace(/"/g, "&quot;");
}

/** Takes up to `count` leading spaces off a code line (those of an indented fence). */
function dedent(line: string, count: number): string {
  let n = 0;
  while (n < count && (line[n] === " " || line[n] === "\t")) n++;
  return line.slice(n);
}

function renderCodeBlock(code: string, language: string): string {
  return language === ""
    ? `<pre>${escapeHtml(code)}</pre>`
    : `<pre><code class="language-${escapeAttribute(language)}">${escapeHtml(code)}</code></pre>`;
}

/** One line outside code blocks: a rule, heading, bullet or plain text (numbered lists stay as they are). */
function renderLine(line: string): string {
  // "———" is never longer than the rule it replaces ("---" at least)
  if (/^[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/.test(line)) return "———";
  const heading = /^[ \t]{0,3}#{1,6}(?:[ \t]+(.*))?$/.exec(line);
  if (heading !== null) {
    const title = (heading[1] ?? "").replace(/(?:^|[ \t]+)#+[ \t]*$/, "").trim();
    // bold inside a heading is already bold: the flag keeps <b> from nesting in <b>
    return title === "" ? "" : `<b>${renderInline(title, new Set(["b"]))}</b>`;
  }
  const bullet = /^([ \t]*)[-*+][ \t]+(.*)$/.exec(line);
  if (bullet !== null) return `${bullet[1]}• ${renderInline(bullet[2]!, new Set())}`;
  return renderInline(line, new Set());
}

// ---- inline Markdown: tokens, then CommonMark's delimiter matching builds a tree ----

type Tag = "b" | "i" | "s";

interface Delimiter {
  kind: "delimiter";
  char: "*" | "_" | "~";
  /** Characters of the run not yet used by a match. */
  count: number;
  /** Length of the run in the source, for CommonMark's "rule of 3". */
  original: number;
  canOpen: boolean;
  canClose: boolean;
}

type Node =
  | { kind: "text"; text: string }
  | { kind: "code"; text: string }
  | { kind: "link"; url: string; children: Node[] }
  | { kind: "tag"; tag: Tag; children: Node[] }
  | Delimiter;

function renderInline(source: string, active: ReadonlySet<Tag>): string {
  return renderNodes(matchEmphasis(tokenize(source, true)), active, false);
}

function renderNodes(nodes: Node[], active: ReadonlySet<Tag>, inLink: boolean): string {
  let html = "";
  for (const node of nodes) {
    switch (node.kind) {
      case "text":
        html += escapeHtml(node.text);
        break;
      case "delimiter":
        html += escapeHtml(node.char.repeat(node.count));
        break;
      case "code":
        // Telegram lets no entity hold a text link and code at once: inside a link, code is plain text
        html += inLink ? escapeHtml(node.text) : `<code>${escapeHtml(node.text)}</code>`;
        break;
      case "link":
        html += `<a href="${escapeAttribute(node.url)}">${renderNodes(node.children, active, true)}</a>`;
        break;
      case "tag":
        if (active.has(node.tag)) {
          html += renderNodes(node.children, active, inLink);
        } else {
          const inner = renderNodes(node.children, new Set([...active, node.tag]), inLink);
          html += `<${node.tag}>${inner}</${node.tag}>`;
        }
        break;
    }
  }
  return html;
}

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;
const PUNCTUATION = /[\p{P}\p{S}]/u;
const WHITESPACE = /\s/u;

/** The code point that ends at `end` (exclusive), or "" at the start. */
function charBefore(text: string, end: number): string {
  if (end <= 0) return "";
  const low = text.charCodeAt(end - 1);
  if (low >= 0xdc00 && low <= 0xdfff && end >= 2) {
    const high = text.charCodeAt(end - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.slice(end - 2, end);
  }
  return text[end - 1]!;
}

function charAt(text: string, at: number): string {
  return at >= text.length ? "" : String.fromCodePoint(text.codePointAt(at)!);
}

function runLength(text: string, at: number, char: string): number {
  let end = at;
  while (text[end] === char) end++;
  return end - at;
}

/** Start of the next run of exactly `length` backticks at or after `from`, or -1. */
function findBacktickRun(text: string, from: number, length: number): number {
  let i = text.indexOf("`", from);
  while (i >= 0) {
    const run = runLength(text, i, "`");
    if (run === length) return i;
    i = text.indexOf("`", i + run);
  }
  return -1;
}

/** Splits a line into text, code spans, links and delimiter runs (code spans bind before links). */
function tokenize(source: string, allowLinks: boolean): Node[] {
  const nodes: Node[] = [];
  let text = "";
  const flush = (): void => {
    if (text !== "") nodes.push({ kind: "text", text });
    text = "";
  };
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === "\\" && i + 1 < source.length && ASCII_PUNCTUATION.test(source[i + 1]!)) {
      text += source[i + 1];
      i += 2;
      continue;
    }
    if (c === "`") {
      const run = runLength(source, i, "`");
      const close = findBacktickRun(source, i + run, run);
      if (close < 0) {
        text += source.slice(i, i + run);
        i += run;
        continue;
      }
      let code = source.slice(i + run, close);
      // CommonMark: one space on each side is padding (so "`` `x` ``" can show backticks)
      if (code.length >= 2 && code.startsWith(" ") && code.endsWith(" ") && code.trim() !== "") {
        code = code.slice(1, -1);
      }
      flush();
      nodes.push({ kind: "code", text: code });
      i = close + run;
      continue;
    }
    if (c === "[" && allowLinks) {
      const link = readLink(source, i);
      if (link !== undefined) {
        flush();
        nodes.push({ kind: "link", url: link.url, children: matchEmphasis(tokenize(link.label, false)) });
        i = link.end;
        continue;
      }
    }
    if (c === "*" || c === "_" || c === "~") {
      const run = runLength(source, i, c);
      // only "~~" strikes through: a lone "~" is "about" in "~5 minutes"
      if (c === "~" && run !== 2) {
        text += source.slice(i, i + run);
        i += run;
        continue;
      }
      flush();
      nodes.push(delimiterRun(source, i, run, c));
      i += run;
      continue;
    }
    text += c;
    i++;
  }
  flush();
  return nodes;
}

/**
 * CommonMark's flanking rules, with `_`'s intraword rule applied to `*` and `~~` as well, so that
 * "2*3*4" and "snake_case_names" stay as they are.
 */
function delimiterRun(source: string, at: number, run: number, char: "*" | "_" | "~"): Delimiter {
  const before = charBefore(source, at);
  const after = charAt(source, at + run);
  const spaceBefore = before === "" || WHITESPACE.test(before);
  const spaceAfter = after === "" || WHITESPACE.test(after);
  const punctBefore = PUNCTUATION.test(before);
  const punctAfter = PUNCTUATION.test(after);
  const leftFlanking = !spaceAfter && (!punctAfter || spaceBefore || punctBefore);
  const rightFlanking = !spaceBefore && (!punctBefore || spaceAfter || punctAfter);
  return {
    kind: "delimiter",
    char,
    count: run,
    original: run,
    canOpen: leftFlanking && (!rightFlanking || punctBefore),
    canClose: rightFlanking && (!leftFlanking || punctAfter),
  };
}

/** `[label](http(s)://url)` at `at`: the label, the url and the index after ")"; else undefined. */
function readLink(source: string, at: number): { label: string; url: string; end: number } | undefined {
  if (!source.includes("](", at)) return undefined; // the common case, and no quadratic scan on "[[[["
  let depth = 0;
  let i = at;
  for (; i < source.length; i++) {
    const c = source[i]!;
    if (c === "\\") {
      i++;
    } else if (c === "`") {
      // a code span in the label is skipped whole: its "]" does not end the label
      const run = runLength(source, i, "`");
      const close = findBacktickRun(source, i + run, run);
      i = (close < 0 ? i + run : close + run) - 1;
    } else if (c === "[") {
      depth++;
    } else if (c === "]" && --depth === 0) {
      break;
    }
  }
  if (i >= source.length || source[i + 1] !== "(") return undefined;
  const label = source.slice(at + 1, i);
  const urlStart = i + 2;
  let parens = 1;
  let j = urlStart;
  for (; j < source.length; j++) {
    const c = source[j]!;
    if (c === "(") parens++;
    else if (c === ")" && --parens === 0) break;
  }
  if (j >= source.length) return undefined;
  const url = source.slice(urlStart, j);
  // no spaces (titles), quotes or angle brackets: such a link is kept as text
  if (!/^https?:\/\/[^\s<>"'`\\]+$/i.test(url) || label.trim() === "") return undefined;
  return { label, url, end: j + 1 };
}

/** CommonMark's "process emphasis": pairs delimiter runs into b/i/s nodes; the rest stay literal. */
function matchEmphasis(nodes: Node[]): Node[] {
  let i = 0;
  while (i < nodes.length) {
    const closer = nodes[i]!;
    if (closer.kind !== "delimiter" || !closer.canClose || closer.count === 0) {
      i++;
      continue;
    }
    let o = i - 1;
    for (; o >= 0; o--) {
      const opener = nodes[o]!;
      if (opener.kind === "delimiter" && opener.count > 0 && opener.canOpen && pairs(opener, closer)) break;
    }
    if (o < 0) {
      i++;
      continue;
    }
    const opener = nodes[o] as Delimiter;
    const use = closer.char === "~" || (opener.count >= 2 && closer.count >= 2) ? 2 : 1;
    const tag: Tag = closer.char === "~" ? "s" : use === 2 ? "b" : "i";
    opener.count -= use;
    closer.count -= use;
    // unmatched delimiters between the two end up inside as literal text
    nodes.splice(o + 1, i - o - 1, { kind: "tag", tag, children: nodes.slice(o + 1, i) });
    i = o + 2;
    if (opener.count === 0) {
      nodes.splice(o, 1);
      i--;
    }
    if (closer.count === 0) {
      nodes.splice(i, 1);
    }
    // a closer with characters left tries again with the next opener to the left
  }
  return nodes;
}

/** Whether an opener and a closer may pair (same character, and CommonMark's "rule of 3"). */
function pairs(opener: Delimiter, closer: Delimiter): boolean {
  if (opener.char !== closer.char) return false;
  if (opener.char === "~") return opener.count === 2 && closer.count === 2;
  if ((opener.canClose || closer.canOpen) && (opener.original + closer.original) % 3 === 0) {
    return opener.original % 3 === 0 && closer.original % 3 === 0;
  }
  return true;
}
