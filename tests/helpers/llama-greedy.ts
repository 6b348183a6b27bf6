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

/** Token ids as the trainer's `--prompt` / `--expect` take them. */
export const csv = (tokens: readonly number[]): string => tokens.join(",");

/**
 * train.py arguments that replay {@link llamaGreedy} in the trainer's llama.cpp emulation: for each
 * prompt, llama.cpp's continuations without and with `adapter` to compare against (one thread, and
 * ubatches of the 256-token contexts the parity tests create: llama.cpp splits a decode call so).
 */
export function trainerGreedyArgs(
  modelPath: string,
  adapter: string,
  count: number,
  cases: readonly { prompt: readonly Token[]; base: GreedyContinuation; adapted: GreedyContinuation }[],
): string[] {
  const args = ["--model", modelPath, "--greedy", String(count), "--adapter", adapter];
  args.push("--threads", "1", "--ubatch", "256");
  for (const { prompt, base, adapted } of cases) {
    args.push("--prompt", csv(prompt), "--expect", csv(base.tokens), "--expect-adapter", csv(adapted.tokens));
  }
  return args;
}
