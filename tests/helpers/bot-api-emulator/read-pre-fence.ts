// The header of a ``` code block, shared by the MarkdownV2 and legacy Markdown parsers (tdlib
// reads both the same way): an optional language word, then one line break that is not content.

/** Whitespace as Telegram's Markdown parsers see it. */
const isSpace = (c: string | undefined): boolean => c === " " || c === "\n" || c === "\t" || c === "\r";

/**
 * Reads a code block header starting at `start` (just after the opening ```).
 * @returns the language ("" when none) and the index where the block's text begins
 */
export function readPreFence(input: string, start: number): { language: string; end: number } {
  let i = start;
  let language = "";
  let languageEnd = i;
  while (languageEnd < input.length && !isSpace(input[languageEnd]) && input[languageEnd] !== "`")
    languageEnd++;
  if (languageEnd !== i && languageEnd < input.length && input[languageEnd] !== "`") {
    language = input.slice(i, languageEnd);
    i = languageEnd;
  }
  // one line break right after the opening fence is not part of the block
  if (input[i] === "\n" || input[i] === "\r") {
    const pair = (input[i + 1] === "\n" || input[i + 1] === "\r") && input[i] !== input[i + 1];
    i += pair ? 2 : 1;
  }
  return { language, end: i };
}
