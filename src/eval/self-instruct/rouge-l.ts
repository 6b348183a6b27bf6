// ROUGE-L F-measure on words: the similarity self-instruct uses to keep near-duplicate tasks out
// of the pool. Words are lowercased runs of letters and digits (any script), so Russian counts;
// the F-measure with equal weights is 2·LCS / (|a| + |b|).

const NOT_WORD = /[^\p{L}\p{N}]+/gu;

/** The words ROUGE-L compares: lowercased, punctuation dropped. */
export function rougeTokens(text: string): string[] {
  return text.toLowerCase().replace(NOT_WORD, " ").split(" ").filter(Boolean);
}

/** Length of the longest common subsequence of two word lists (two rows of the DP table). */
export function longestCommonSubsequence(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  let previous = new Uint32Array(short.length + 1);
  let current = new Uint32Array(short.length + 1);
  for (const word of long) {
    for (let j = 1; j <= short.length; j++) {
      current[j] = word === short[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    }
    [previous, current] = [current, previous];
  }
  return previous[short.length]!;
}

/** ROUGE-L F-measure of two word lists: 0 when either is empty, 1 for equal lists. */
export function rougeLOfTokens(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  return (2 * longestCommonSubsequence(a, b)) / (a.length + b.length);
}

/** ROUGE-L F-measure of two texts (see {@link rougeTokens}). */
export function rougeL(a: string, b: string): number {
  return rougeLOfTokens(rougeTokens(a), rougeTokens(b));
}
