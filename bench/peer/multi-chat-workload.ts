// The multi-chat workload: many chats, each growing by about 150 tokens a turn (a ~100-token user
// message and the model's ~48-token answer), served round-robin with a fixed number in flight.
// A chat bot has many more chats than sequences: this shows whether a chat's KV state survives
// until its next turn.
import type { CompletionTarget, TimedCompletion } from "./completion-target.js";

/** Parameters of {@link runMultiChatWorkload}. */
export interface MultiChatOptions {
  chats: number;
  turns: number;
  /** Requests in flight at once (the sequences or slots of the target). */
  inFlight: number;
  /** Answer tokens per turn. Default: 48. */
  answerTokens?: number;
}

/** One turn over all chats. */
export interface TurnResult {
  turn: number;
  medianTtftMs: number;
  /** Prompt tokens served from a cache / all prompt tokens, over the turn's requests. */
  reusedShare: number;
  promptTokens: number;
}

const WORDS =
  "the quick brown fox jumps over a lazy dog while seven small birds sing near an old river".split(" ");

/** A user message of about `chars` ASCII characters (≈ tokens for byte-level vocabularies), unique per chat and turn. */
export function userMessage(chat: number, turn: number, chars = 100): string {
  let text = `chat ${chat} turn ${turn}:`;
  for (let i = 0; text.length < chars; i++) text += ` ${WORDS[(chat * 7 + turn * 3 + i) % WORDS.length]}`;
  return text.slice(0, chars);
}

/** Runs the workload on `target`: every turn of every chat, in order, `inFlight` at a time. */
export async function runMultiChatWorkload(
  target: CompletionTarget,
  options: MultiChatOptions,
): Promise<TurnResult[]> {
  const histories = Array.from({ length: options.chats }, () => "");
  const results: TurnResult[] = [];
  for (let turn = 1; turn <= options.turns; turn++) {
    const timings: TimedCompletion[] = [];
    let next = 0;
    const worker = async () => {
      while (next < options.chats) {
        const chat = next++;
        const prompt = `${histories[chat]}\nUser: ${userMessage(chat, turn)}\nBot:`;
        const timing = await target.complete(prompt, options.answerTokens ?? 48);
        timings.push(timing);
        histories[chat] = `${prompt}${timing.text}`;
      }
    };
    await Promise.all(Array.from({ length: options.inFlight }, worker));
    const prompt = timings.reduce((sum, t) => sum + t.promptTokens, 0);
    results.push({
      turn,
      medianTtftMs: median(timings.map((t) => t.ttftMs)),
      reusedShare: timings.reduce((sum, t) => sum + t.reusedPromptTokens, 0) / prompt,
      promptTokens: Math.round(prompt / timings.length),
    });
  }
  return results;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const at = (index: number) => sorted[index] ?? NaN;
  return sorted.length % 2 ? at(middle) : (at(middle - 1) + at(middle)) / 2;
}
