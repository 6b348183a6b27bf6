// The instructions a new task must not repeat (seeds and tasks kept so far), indexed by word so
// that a candidate is compared by ROUGE-L only with entries that could reach the threshold:
// the LCS of two word lists is at most the number of words they share (counted with repeats),
// so 2·shared / (|a| + |b|) bounds the F-measure. The bound is exact, not a sample: nothing
// similar is missed, and a pool of thousands costs a few LCS computations per candidate.
import { rougeLOfTokens, rougeTokens } from "./rouge-l.js";

/** The most similar instruction in the pool. */
export interface SimilarInstruction {
  instruction: string;
  score: number;
}

export class SimilarityPool {
  private readonly instructions: string[] = [];
  private readonly tokens: string[][] = [];
  /** word → [entry, occurrences of the word in that entry] */
  private readonly postings = new Map<string, [number, number][]>();

  /** Instructions in the pool. */
  get size(): number {
    return this.instructions.length;
  }

  add(instruction: string): void {
    const entry = this.instructions.length;
    const words = rougeTokens(instruction);
    this.instructions.push(instruction);
    this.tokens.push(words);
    for (const [word, count] of countWords(words)) {
      let list = this.postings.get(word);
      if (!list) this.postings.set(word, (list = []));
      list.push([entry, count]);
    }
  }

  /**
   * The entry most similar to `instruction` if its ROUGE-L reaches above `threshold`, else null.
   * Entries whose bound cannot exceed the threshold are skipped without computing the LCS.
   */
  similarAbove(instruction: string, threshold: number): SimilarInstruction | null {
    const words = rougeTokens(instruction);
    if (words.length === 0) return null;
    const shared = new Map<number, number>();
    for (const [word, count] of countWords(words)) {
      for (const [entry, occurrences] of this.postings.get(word) ?? [])
        shared.set(entry, (shared.get(entry) ?? 0) + Math.min(count, occurrences));
    }
    let best: SimilarInstruction | null = null;
    for (const [entry, common] of shared) {
      const other = this.tokens[entry]!;
      const bound = (2 * common) / (words.length + other.length);
      if (bound <= threshold || (best && bound <= best.score)) continue;
      const score = rougeLOfTokens(words, other);
      if (score > threshold && (!best || score > best.score))
        best = { instruction: this.instructions[entry]!, score };
    }
    return best;
  }
}

function countWords(words: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}
