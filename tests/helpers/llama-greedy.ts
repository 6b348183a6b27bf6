// Greedy decoding straight on node-llama-cpp, as the engines run it (one thread, one sequence), with
// each step's margin: what the trainer's llama.cpp emulation and the learning tests compare against.
import type { LlamaModel, Token } from "node-llama-cpp";

/** A greedy continuation with llama.cpp's margins. */
export interface GreedyContinuation {
  readonly tokens: Token[];
  /** Per step: the best minus the second-best logit (ln p1 − ln p2 of llama.cpp's softmax). */
  readonly margins: number[];
}

/** Options of {@link llamaGreedy}. */
export interface LlamaGreedyOptions {
  /** A GGUF LoRA adapter applied to the context. Default: none. */
  adapter?: string;
  /** Context size. Default: 512. */
  contextSize?: number;
  /** Yield the end-of-generation token too (and go on past it). Default: false. */
  yieldEogToken?: boolean;
}

/** The first `count` greedy tokens after `prompt`, fewer when generation ends first. */
export async function llamaGreedy(
  model: LlamaModel,
  prompt: readonly Token[],
  count: number,
  options: LlamaGreedyOptions = {},
): Promise<GreedyContinuation> {
  const context = await model.createContext({
    contextSize: options.contextSize ?? 512,
    threads: 1,
    lora: options.adapter ? { adapters: [{ filePath: options.adapter }] } : undefined,
  });
  try {
    const tokens: Token[] = [];
    const margins: number[] = [];
    const steps = context
      .getSequence()
      .evaluateWithMetadata(
        [...prompt],
        { probabilities: true },
        { temperature: 0, yieldEogToken: options.yieldEogToken ?? false },
      );
    for await (const { token, probabilities } of steps) {
      const [p1 = 0, p2 = 0] = probabilities.values();
      tokens.push(token);
      margins.push(Math.log(p1) - Math.log(p2));
      if (tokens.length === count) break;
    }
    return { tokens, margins };
  } finally {
    await context.dispose();
  }
}
