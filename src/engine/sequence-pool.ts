// Hands out the sequences of one llama.cpp context to concurrent generations. A free sequence
// that already holds the longest prefix of the new prompt is preferred, so a chat's next turn
// only evaluates its new tokens (KV reuse); among equals the least recently used one is taken.
// A sequence that holds another chat is taken only when no free one can serve the prompt without
// erasing one: sharing the system prompt is not worth another chat's history.
import type { LlamaContext, LlamaContextSequence, Token } from "node-llama-cpp";

/**
 * Tokens past the shared prefix that a sequence may lose and still count as holding the prompt's
 * own chat (the previous answer's last tokens are often rendered differently in the next prompt).
 */
const KEEPS_CHAT_SLACK = 32;

interface Waiter {
  prompt: readonly Token[];
  resolve: (sequence: LlamaContextSequence) => void;
  reject: (reason: unknown) => void;
}

/** A pool over all sequences of `context`. */
export class SequencePool {
  private readonly free: LlamaContextSequence[] = [];
  private readonly lastUsed = new Map<LlamaContextSequence, number>();
  private readonly waiters: Waiter[] = [];
  private useCounter = 0;

  /** Sequences in the pool. */
  readonly size: number;

  constructor(context: LlamaContext) {
    while (context.sequencesLeft > 0) this.free.push(context.getSequence());
    this.size = this.free.length;
  }

  /** Waits for a free sequence, preferring one whose state starts like `prompt`. */
  acquire(prompt: readonly Token[], signal?: AbortSignal): Promise<LlamaContextSequence> {
    signal?.throwIfAborted();
    const best = this.takeBest(prompt);
    if (best) return Promise.resolve(best);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { prompt, resolve, reject };
      this.waiters.push(waiter);
      signal?.addEventListener(
        "abort",
        () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Returns a sequence to the pool (its tokens stay for reuse) or to the next waiter. */
  release(sequence: LlamaContextSequence): void {
    this.lastUsed.set(sequence, ++this.useCounter);
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(sequence);
    else this.free.push(sequence);
  }

  /** Rejects everything still waiting; used on close. */
  rejectWaiters(reason: unknown): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(reason);
  }

  /**
   * The free sequence that keeps its state for this prompt (it loses fewer than KEEPS_CHAT_SLACK
   * tokens: empty, the shared system prompt, or the prompt's own chat) with the longest prefix;
   * when none does, the one with the longest prefix. Ties go to the least recently used.
   */
  private takeBest(prompt: readonly Token[]): LlamaContextSequence | undefined {
    let bestIndex = -1;
    let best = { keeps: false, prefix: -1, used: Infinity };
    this.free.forEach((sequence, index) => {
      const prefix = sequence.compareContextTokens(prompt as Token[]).firstDifferentIndex;
      const candidate = {
        keeps: sequence.nextTokenIndex - prefix < KEEPS_CHAT_SLACK,
        prefix,
        used: this.lastUsed.get(sequence) ?? 0,
      };
      if (isBetter(candidate, best)) {
        bestIndex = index;
        best = candidate;
      }
    });
    return bestIndex >= 0 ? this.free.splice(bestIndex, 1)[0] : undefined;
  }
}

interface Candidate {
  keeps: boolean;
  prefix: number;
  used: number;
}

function isBetter(a: Candidate, b: Candidate): boolean {
  if (a.keeps !== b.keeps) return a.keeps;
  if (a.prefix !== b.prefix) return a.prefix > b.prefix;
  return a.used < b.used;
}
