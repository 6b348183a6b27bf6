// A small byte-fallback SentencePiece (SPM, "llama") vocabulary laid out like LLaMA's: specials, bytes, pieces.

/** `tokenizer.ggml.token_type` values (llama_token_type). */
export const SpmTokenType = {
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;

/** A `tokenizer.ggml.token_type` value. */
export type SpmTokenType = (typeof SpmTokenType)[keyof typeof SpmTokenType];

/** Parallel arrays for `tokenizer.ggml.tokens`, `.scores` and `.token_type`. */
export interface SpmVocab {
  readonly tokens: readonly string[];
  readonly scores: readonly number[];
  readonly tokenTypes: readonly SpmTokenType[];
}

/** SentencePiece's whitespace marker (U+2581); llama.cpp maps every space to it before tokenizing. */
export const SPM_SPACE = "\u2581";

/** Id of `<unk>` (fixed by the LLaMA layout, like the next two). */
export const SPM_UNK_ID = 0;
/** Id of `<s>`, the BOS token. */
export const SPM_BOS_ID = 1;
/** Id of `</s>`, the EOS token. */
export const SPM_EOS_ID = 2;
/** Id of the `<0x00>` byte token; byte b is `SPM_FIRST_BYTE_ID + b`. */
export const SPM_FIRST_BYTE_ID = 3;

function range(from: number, to: number): string[] {
  const out: string[] = [];
  for (let c = from; c <= to; c++) out.push(String.fromCodePoint(c));
  return out;
}

// Single characters worth a token of their own: printable ASCII (space is ▁), Cyrillic, common typography.
export const SPM_DEFAULT_CHARS: readonly string[] = [
  ...range(0x21, 0x7e),
  ...range(0x410, 0x44f),
  "Ё",
  "ё",
  "—",
  "–",
  "«",
  "»",
  "…",
  "№",
];

// A few frequent pairs so that llama.cpp's SPM merge loop has real work to do; each is a
// concatenation of two single-character pieces, which SPM needs to reach it.
const DEFAULT_MERGES = [
  `${SPM_SPACE}п`,
  `${SPM_SPACE}с`,
  `${SPM_SPACE}в`,
  `${SPM_SPACE}н`,
  `${SPM_SPACE}о`,
  `${SPM_SPACE}и`,
  "ст",
  "но",
  "то",
  "на",
  "ен",
  "ов",
  "ни",
  "ра",
  "во",
  "ко",
  "пр",
  "ро",
  "ре",
  "ть",
  `${SPM_SPACE}t`,
  `${SPM_SPACE}a`,
  "th",
  "he",
  "in",
  "er",
  "an",
  "re",
  "on",
  "at",
];

/** Options of {@link buildSpmVocab}. */
export interface SpmVocabOptions {
  /** Extra single- or multi-character pieces (use ▁ for spaces). Defaults to ASCII, Cyrillic and a few merges. */
  readonly pieces?: readonly string[];
}

/**
 * Builds the vocabulary: 0 `<unk>`, 1 `<s>`, 2 `</s>`, 3..258 `<0x00>`..`<0xFF>`, 259 `▁`, then
 * the pieces. Anything without a piece falls back to byte tokens, so every string is encodable.
 * Scores decrease with id, as in LLaMA, so earlier pieces win SPM merges.
 */
export function buildSpmVocab(options: SpmVocabOptions = {}): SpmVocab {
  const tokens: string[] = ["<unk>", "<s>", "</s>"];
  const tokenTypes: SpmTokenType[] = [SpmTokenType.UNKNOWN, SpmTokenType.CONTROL, SpmTokenType.CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    tokenTypes.push(SpmTokenType.BYTE);
  }
  const scores: number[] = tokens.map(() => 0);
  const seen = new Set(tokens);
  const pieces = [SPM_SPACE, ...(options.pieces ?? [...SPM_DEFAULT_CHARS, ...DEFAULT_MERGES])];
  for (const piece of pieces) {
    // Duplicates would make llama.cpp's text→id map disagree with the id list.
    if (piece.length === 0 || seen.has(piece)) continue;
    seen.add(piece);
    scores.push(-1 - (tokens.length - SPM_FIRST_BYTE_ID - 256));
    tokens.push(piece);
    tokenTypes.push(SpmTokenType.NORMAL);
  }
  return { tokens, scores, tokenTypes };
}
