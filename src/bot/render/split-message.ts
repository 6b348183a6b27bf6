// Splits a long model answer (its Markdown source) into parts that each fit one Telegram message,
// cutting where a reader would pause, and keeping code blocks whole in each part: a block that is
// cut is closed at the end of one part and reopened, with its language, at the start of the next.
import { fenceOpening, isFenceClosing } from "./markdown-to-telegram-html.js";

/** A ``` code block in the text being split (offsets in UTF-16 code units). */
interface FenceRegion {
  /** Start of the opening line. */
  openStart: number;
  /** End of the opening line (its "\n", or the end of the text). */
  openEnd: number;
  /** Start of the closing line, or the end of the text when the block is unclosed. */
  closeStart: number;
  /** End of the closing line, or the end of the text. */
  closeEnd: number;
  /** The opening line as written, to reopen the block with. */
  opener: string;
  marker: string;
}

/** A place to cut: the part before it, and how many separator characters after it to drop. */
interface Cut {
  at: number;
  skip: number;
  part: string;
  /** The opening line to start the next part with, when the cut falls inside a code block. */
  reopen?: string;
}

/**
 * Splits Markdown into parts of at most `limit` UTF-16 code units (as Telegram counts), cutting at a
 * paragraph break if it can, else at a line break, a sentence end, a space, and only as a last resort
 * anywhere (never inside a surrogate pair). A cut inside a ``` block closes it and reopens it in the
 * next part, within the limit. Parts have no leading or trailing blank lines; "" gives [].
 * Rendering never lengthens the visible text, so each part's HTML also fits.
 */
export function splitMessage(markdown: string, limit = 4096): string[] {
  const parts: string[] = [];
  let text = trimBlankLines(markdown.replace(/\r\n?/g, "\n"));
  while (text !== "") {
    if (text.length <= limit) {
      parts.push(text);
      break;
    }
    const cut = chooseCut(text, limit);
    if (cut.part !== "") parts.push(cut.part);
    let rest = trimBlankLines(text.slice(cut.at + cut.skip));
    if (cut.reopen !== undefined && rest !== "") {
      const marker = fenceOpening(cut.reopen)!.marker;
      const firstLine = rest.split("\n", 1)[0]!;
      // nothing but the closing line is left of the block: drop it rather than send an empty block
      rest = isFenceClosing(firstLine, marker)
        ? trimBlankLines(rest.slice(firstLine.length))
        : `${cut.reopen}\n${rest}`;
    }
    text = rest;
  }
  return parts;
}

/** Drops leading blank lines and trailing whitespace (a first line's indentation is kept). */
function trimBlankLines(text: string): string {
  return text.replace(/^(?:[ \t]*\n)+/, "").trimEnd();
}

/** The code blocks of `text`, found line by line the way the renderer finds them. */
function fenceRegions(text: string): FenceRegion[] {
  const regions: FenceRegion[] = [];
  let open: { openStart: number; openEnd: number; opener: string; marker: string } | undefined;
  let pos = 0;
  for (;;) {
    const newline = text.indexOf("\n", pos);
    const end = newline < 0 ? text.length : newline;
    const line = text.slice(pos, end);
    if (open === undefined) {
      const fence = fenceOpening(line);
      if (fence !== undefined) open = { openStart: pos, openEnd: end, opener: line, marker: fence.marker };
    } else if (isFenceClosing(line, open.marker)) {
      regions.push({ ...open, closeStart: pos, closeEnd: end });
      open = undefined;
    }
    if (newline < 0) break;
    pos = newline + 1;
  }
  if (open !== undefined) regions.push({ ...open, closeStart: text.length, closeEnd: text.length });
  return regions;
}

/** The part a cut at `at` gives, or undefined when the cut is not allowed there or the part is too long. */
function cutAt(
  text: string,
  at: number,
  skip: number,
  regions: FenceRegion[],
  limit: number,
): Cut | undefined {
  if (at <= 0 || at >= text.length) return undefined;
  const head = trimBlankLines(text.slice(0, at));
  if (head === "") return undefined;
  for (const region of regions) {
    if (at <= region.openStart || at >= region.closeEnd) continue;
    // not in a fence line itself, and not before the block has any code in this part
    if (at <= region.openEnd || at > region.closeStart) return undefined;
    if (text.slice(region.openEnd + 1, at).trim() === "") return undefined;
    const part = `${head}\n${region.marker}`;
    return part.length <= limit ? { at, skip, part, reopen: region.opener } : undefined;
  }
  return head.length <= limit ? { at, skip, part: head } : undefined;
}

/** Cut candidates of one kind in the first `limit` + 1 characters, as [position, separator length]. */
function candidates(window: string, pattern: RegExp, skip: number): Array<[number, number]> {
  return [...window.matchAll(pattern)].map((m) => [m.index, skip]);
}

/** Picks the cut for a text longer than `limit`. */
function chooseCut(text: string, limit: number): Cut {
  const regions = fenceRegions(text);
  const window = text.slice(0, limit + 1);
  const kinds: Array<Array<[number, number]>> = [
    candidates(window, /\n[ \t]*\n/g, 0), // paragraph breaks
    candidates(window, /\n/g, 0), // line breaks
    // sentence ends: cut after the punctuation (and any closing quote), drop one space
    [...window.matchAll(/[.!?…]+["'»”’)\]]*(?=[ \t\n])/g)].map((m): [number, number] => {
      const at = m.index + m[0].length;
      return [at, window[at] === "\n" ? 0 : 1];
    }),
    candidates(window, /[ \t]/g, 1), // spaces
  ];
  // by preference of kind, first a cut that fills at least half a part, then one anywhere
  for (const minimum of [Math.ceil(limit / 2), 1]) {
    for (const kind of kinds) {
      for (let k = kind.length - 1; k >= 0; k--) {
        const [at, skip] = kind[k]!;
        if (at < minimum) break;
        const cut = cutAt(text, at, skip, regions, limit);
        if (cut !== undefined) return cut;
      }
    }
  }
  for (let at = Math.min(limit, text.length - 1); at > 0; at--) {
    if (splitsSurrogatePair(text, at)) continue;
    const cut = cutAt(text, at, 0, regions, limit);
    if (cut !== undefined) return cut;
  }
  // a limit too small for a code block's fences: cut blind rather than loop
  let at = Math.max(1, limit);
  if (splitsSurrogatePair(text, at) && at > 1) at--;
  return { at, skip: 0, part: trimBlankLines(text.slice(0, at)) };
}

function splitsSurrogatePair(text: string, at: number): boolean {
  const high = text.charCodeAt(at - 1);
  const low = text.charCodeAt(at);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}
