// A small random LoRA adapter for any llama GGUF, shaped from the model's own tensors: the parity
// tests apply it in llama.cpp and in the trainer and expect the same tokens.
import { readGguf, SeededRandom, writeLoraAdapter } from "../../src/gguf/index.js";

/** The projections the trainer puts LoRA on by default. */
export const LORA_TARGETS = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"];

/** Options of {@link writeRandomAdapter}. */
export interface RandomAdapterOptions {
  /** LoRA rank; defaults to 4. */
  readonly rank?: number;
  /** Standard deviation of A; defaults to 0.05. */
  readonly stdA?: number;
  /** Standard deviation of B (non-zero, so that the adapter changes the output); defaults to 0.2. */
  readonly stdB?: number;
  /** Defaults to 4242. */
  readonly seed?: number;
}

/**
 * Writes a LoRA adapter with seeded normal A and B on every {@link LORA_TARGETS} weight of every
 * layer of `modelPath`, with alpha = 2·rank: llama.cpp scales B(Ax) by alpha/rank = 2, which the
 * trainer must do as well.
 */
export async function writeRandomAdapter(
  modelPath: string,
  adapterPath: string,
  options: RandomAdapterOptions = {},
): Promise<void> {
  const rank = options.rank ?? 4;
  const random = new SeededRandom(options.seed ?? 4242);
  const { tensors } = await readGguf(modelPath);
  const pairs = tensors
    .filter((t) => LORA_TARGETS.some((target) => t.name.endsWith(`.${target}.weight`)))
    .map((t) => {
      const [nIn = 0, nOut = 0] = t.dims;
      return {
        weight: t.name,
        nIn,
        nOut,
        rank,
        a: random.fillNormal(new Float32Array(rank * nIn), options.stdA ?? 0.05),
        b: random.fillNormal(new Float32Array(nOut * rank), options.stdB ?? 0.2),
      };
    });
  await writeLoraAdapter(adapterPath, { architecture: "llama", alpha: 2 * rank, pairs, name: "random" });
}
