// Turns generated tokens into text deltas. Byte-level vocabularies emit one UTF-8 byte per token,
// so a Cyrillic letter or an emoji may arrive in pieces: incomplete characters are held back
// until the rest arrives instead of being streamed as U+FFFD.
import type { LlamaModel, Token } from "node-llama-cpp";

/** Longest run of tokens one character can take (4 UTF-8 bytes). */
const MAX_TOKENS_PER_CHARACTER = 4;
/** Tokens of left context passed to the detokenizer (spacing rules depend on the previous token). */
const CONTEXT_TOKENS = 8;

/** Incremental detokenizer for one generation. */
export class TokenTextStream {
  private readonly done: Token[] = [];
  private pending: Token[] = [];

  constructor(private readonly model: LlamaModel) {}

  /** Adds a token; returns the text that is now complete (often "", while a character is incomplete). */
  push(token: Token): string {
    this.pending.push(token);
    const text = this.model.detokenize(this.pending, false, this.done.slice(-CONTEXT_TOKENS));
    if (text.endsWith("\uFFFD") && this.pending.length < MAX_TOKENS_PER_CHARACTER) return "";
    this.done.push(...this.pending);
    this.pending = [];
    return text;
  }

  /** Returns whatever is still held back (at the end of the generation). */
  flush(): string {
    if (this.pending.length === 0) return "";
    const text = this.model.detokenize(this.pending, false, this.done.slice(-CONTEXT_TOKENS));
    this.done.push(...this.pending);
    this.pending = [];
    return text;
  }
}
