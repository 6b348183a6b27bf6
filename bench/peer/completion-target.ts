// What the peer benchmark measures on each side: a greedy completion of a raw prompt, timed as
// the client sees it. Implemented by the saiga engine (in process) and by llama-server (HTTP).
import type { SaigaEngine } from "../../src/engine/index.js";

/** One timed completion. */
export interface TimedCompletion {
  /** From the call to the first text. */
  ttftMs: number;
  totalMs: number;
  completionTokens: number;
  promptTokens: number;
  /** Prompt tokens served from a KV cache (the sequence's, or a saved state's). */
  reusedPromptTokens: number;
  /** The answer. */
  text: string;
}

/** A server of greedy completions. */
export interface CompletionTarget {
  name: string;
  complete(prompt: string, maxTokens: number): Promise<TimedCompletion>;
}

/** The saiga engine as a target: `generate({prompt})`, TTFT at the first delta. */
export function engineTarget(name: string, engine: SaigaEngine): CompletionTarget {
  return {
    name,
    async complete(prompt, maxTokens) {
      const started = performance.now();
      let firstTextAt: number | undefined;
      for await (const event of engine.generate({ prompt, sampling: { maxTokens, temperature: 0 } })) {
        if (event.type === "delta") firstTextAt ??= performance.now();
        else {
          const ended = performance.now();
          return {
            ttftMs: (firstTextAt ?? ended) - started,
            totalMs: ended - started,
            completionTokens: event.stats.completionTokens,
            promptTokens: event.stats.promptTokens,
            reusedPromptTokens: event.stats.reusedPromptTokens,
            text: event.text,
          };
        }
      }
      throw new Error("the engine's generation ended without a result");
    },
  };
}
