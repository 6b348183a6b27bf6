// Turns generated tokens into text deltas. A token may hold part of a UTF-8 character (byte-level
// vocabularies emit one byte per token, BPE ones may split a Cyrillic letter or an emoji), so the
// bytes of a character that is still incomplete are held back until the rest arrives instead of
// being streamed as U+FFFD, and the deltas add up to what decoding all the bytes at once gives.
import type { LlamaModel, Token } from "node-llama-cpp";

/**
 * Longest run of tokens whose text may still change: a character has at most 4 UTF-8 bytes and a
 * token at least 1, so a character that a later token can complete starts within the last 4.
 */
const UNSETTLED_TOKENS = 4;
/** Tokens of left context passed to the detokenizer (spacing rules depend on the previous token). */
const CONTEXT_TOKENS = 8;
const REPLACEMENT = "\uFFFD";

/** Incremental detokenizer for one generation. */
export class TokenTextStream {
  private readonly done: Token[] = [];
  private pending: Token[] = [];

  constructor(private readonly model: LlamaModel) {}

  /** Adds a token; returns the text that is now complete (often "", while a character is incomplete). */
  push(token: Token): string {
    this.pending.push(token);
    const text = this.decode(this.pending);
    // node-llama-cpp returns strings, not bytes: an incomplete character shows as a final U+FFFD.
    if (!text.endsWith(REPLACEMENT)) return this.settle(this.pending.length, text);
    const count = this.pending.length;
    // Release everything up to the last cut after which the text ends with a whole character.
    for (let held = 1; held <= Math.min(UNSETTLED_TOKENS, count - 1); held++) {
      const head = this.decode(this.pending.slice(0, count - held));
      if (!head.endsWith(REPLACEMENT) && text.startsWith(head)) return this.settle(count - held, head);
    }
    // No such cut: what comes before the last 4 tokens cannot change any more (an invalid byte
    // stays U+FFFD whatever follows), so it goes out as it is.
    if (count > UNSETTLED_TOKENS) {
      return this.settle(count - UNSETTLED_TOKENS, this.decode(this.pending.slice(0, -UNSETTLED_TOKENS)));
    }
    return "";
  }

  /**
   * Returns whatever is still held back (at the end of the generation). An answer cut off in the
   * middle of a character (at maxTokens, say) ends before it, not with U+FFFD.
   */
  flush(): string {
    if (this.pending.length === 0) return "";
    const text = this.decode(this.pending);
    this.settle(this.pending.length, text);
    return text.endsWith(REPLACEMENT) ? text.slice(0, -1) : text;
  }

  /** Moves the first `count` pending tokens to the done ones; returns their text. */
  private settle(count: number, text: string): string {
    this.done.push(...this.pending.slice(0, count));
    this.pending = this.pending.slice(count);
    return text;
  }

  private decode(tokens: readonly Token[]): string {
    return this.model.detokenize(tokens, false, this.done.slice(-CONTEXT_TOKENS));
  }
}
