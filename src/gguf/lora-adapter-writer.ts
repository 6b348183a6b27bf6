// Writes GGUF LoRA adapters in the layout llama.cpp loads (`llama_adapter_lora_init`):
// general.type=adapter, adapter.type=lora, adapter.lora.alpha, and per adapted weight W a pair
// `W.lora_a` (ne=[n_in, r]) and `W.lora_b` (ne=[r, n_out]); llama.cpp adds scale·(alpha/r)·B(Ax).
import { GgmlType } from "./ggml-type.js";
import { gguf } from "./gguf-value.js";
import { writeGguf, type GgufWriteResult } from "./gguf-writer.js";

/** One adapted weight matrix. */
export interface LoraPair {
  /** The base model's tensor, e.g. `blk.0.attn_q.weight`. */
  readonly weight: string;
  /** Input width of the base weight (its ne[0]). */
  readonly nIn: number;
  /** Output width of the base weight (its ne[1]). */
  readonly nOut: number;
  readonly rank: number;
  /** A, row-major [rank][nIn]. */
  readonly a: Float32Array;
  /** B, row-major [nOut][rank]. */
  readonly b: Float32Array;
}

/** Options of {@link writeLoraAdapter}. */
export interface LoraAdapterInput {
  /** `general.architecture` of the base model (llama.cpp refuses a mismatch). */
  readonly architecture: string;
  readonly alpha: number;
  readonly pairs: readonly LoraPair[];
  /** `general.name`. Default: none. */
  readonly name?: string;
  /** Tensor type. Default: F32. */
  readonly type?: typeof GgmlType.F32 | typeof GgmlType.F16;
}

/** Writes a LoRA adapter GGUF to `path`. */
export function writeLoraAdapter(path: string, input: LoraAdapterInput): Promise<GgufWriteResult> {
  const type = input.type ?? GgmlType.F32;
  for (const pair of input.pairs) {
    if (pair.a.length !== pair.rank * pair.nIn || pair.b.length !== pair.nOut * pair.rank) {
      throw new RangeError(`${pair.weight}: A must hold rank×nIn and B nOut×rank values`);
    }
  }
  return writeGguf(path, {
    metadata: {
      "general.architecture": gguf.str(input.architecture),
      "general.type": gguf.str("adapter"),
      ...(input.name ? { "general.name": gguf.str(input.name) } : {}),
      "adapter.type": gguf.str("lora"),
      "adapter.lora.alpha": gguf.f32(input.alpha),
    },
    tensors: input.pairs.flatMap((pair) => [
      { name: `${pair.weight}.lora_a`, dims: [pair.nIn, pair.rank], type, data: pair.a },
      { name: `${pair.weight}.lora_b`, dims: [pair.rank, pair.nOut], type, data: pair.b },
    ]),
  });
}
