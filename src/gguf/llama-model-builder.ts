// Writes llama-architecture GGUF models with seeded random weights (for demos, tests and benchmarks).
import { GgmlType, tensorElementCount } from "./ggml-type.js";
import { GgufValueType } from "./gguf-value-type.js";
import { gguf, type GgufValue } from "./gguf-value.js";
import { writeGguf, type GgufTensorInput } from "./gguf-writer.js";
import { LlamaFileType } from "./llama-file-type.js";
import { SeededRandom } from "./seeded-random.js";
import { SPM_BOS_ID, SPM_EOS_ID, SPM_UNK_ID, buildSpmVocab, type SpmVocab } from "./spm-vocab.js";

/** Weight types the builder can produce (norms always stay F32, as llama.cpp's converters do). */
export type LlamaWeightType = typeof GgmlType.F32 | typeof GgmlType.F16 | typeof GgmlType.Q8_0;

/** Shape and content of a generated llama model. */
export interface LlamaModelOptions {
  readonly nEmbd: number;
  readonly nLayer: number;
  readonly nHead: number;
  /** Key/value heads (grouped-query attention); defaults to nHead. */
  readonly nHeadKv?: number;
  readonly nFf: number;
  readonly contextLength: number;
  /** Defaults to F16. */
  readonly weightType?: LlamaWeightType;
  /** Defaults to 1. */
  readonly seed?: number;
  /** `general.name`; defaults to "random-llama". */
  readonly name?: string;
  /** `tokenizer.chat_template`; omitted when absent. */
  readonly chatTemplate?: string;
  /** Standard deviation of matrix weights; defaults to 0.02. */
  readonly weightStd?: number;
  /** Defaults to 10000. */
  readonly ropeFreqBase?: number;
  /** Defaults to 1e-5. */
  readonly rmsNormEps?: number;
  /** Defaults to {@link buildSpmVocab}(). */
  readonly vocab?: SpmVocab;
  /** Extra metadata, written after (and able to override) the generated keys. */
  readonly extraMetadata?: Readonly<Record<string, GgufValue>>;
}

/** What was written. */
export interface LlamaModelResult {
  readonly fileSize: number;
  readonly parameters: number;
  readonly vocabSize: number;
  readonly tensorCount: number;
}

// Values generated per chunk: keeps generation streaming (the writer copies each chunk).
const CHUNK_VALUES = 1 << 16;

const FILE_TYPE: Record<LlamaWeightType, number> = {
  [GgmlType.F32]: LlamaFileType.ALL_F32,
  [GgmlType.F16]: LlamaFileType.MOSTLY_F16,
  [GgmlType.Q8_0]: LlamaFileType.MOSTLY_Q8_0,
};

function positiveInt(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new RangeError(`${name} must be a positive integer, got ${v}`);
}

function normalWeights(seed: number, name: string, count: number, std: number): () => Iterable<Float32Array> {
  return function* () {
    const rng = SeededRandom.forStream(seed, name);
    for (let done = 0; done < count; done += CHUNK_VALUES) {
      yield rng.fillNormal(new Float32Array(Math.min(CHUNK_VALUES, count - done)), std);
    }
  };
}

/**
 * Writes a llama-architecture GGUF with an SPM byte-fallback vocabulary and random weights
 * (normal, std 0.02; RMS norms 1.0). Every tensor draws from its own seeded stream, so the
 * same options always produce the same file, and data is streamed tensor by tensor.
 */
export async function writeLlamaModel(path: string, options: LlamaModelOptions): Promise<LlamaModelResult> {
  const { nEmbd, nLayer, nHead, nFf, contextLength } = options;
  const nHeadKv = options.nHeadKv ?? nHead;
  const weightType = options.weightType ?? GgmlType.F16;
  const seed = options.seed ?? 1;
  const std = options.weightStd ?? 0.02;
  const vocab = options.vocab ?? buildSpmVocab();
  const nVocab = vocab.tokens.length;

  for (const [k, v] of Object.entries({ nEmbd, nLayer, nHead, nHeadKv, nFf, contextLength }))
    positiveInt(k, v);
  if (nEmbd % nHead !== 0) throw new RangeError(`nEmbd ${nEmbd} is not divisible by nHead ${nHead}`);
  if (nHead % nHeadKv !== 0) throw new RangeError(`nHead ${nHead} is not divisible by nHeadKv ${nHeadKv}`);
  const headDim = nEmbd / nHead;
  // RoPE rotates pairs of dimensions.
  if (headDim % 2 !== 0) throw new RangeError(`head size ${headDim} must be even`);
  if (weightType === GgmlType.Q8_0 && (nEmbd % 32 !== 0 || nFf % 32 !== 0)) {
    throw new RangeError(`Q8_0 needs nEmbd and nFf to be multiples of 32 (got ${nEmbd}, ${nFf})`);
  }
  if (vocab.scores.length !== nVocab || vocab.tokenTypes.length !== nVocab) {
    throw new RangeError("vocab tokens, scores and token types must have the same length");
  }
  const nEmbdKv = nHeadKv * headDim;

  const tensors: GgufTensorInput[] = [];
  const matrix = (name: string, rowLength: number, rows: number): void => {
    const dims = [rowLength, rows];
    tensors.push({
      name,
      dims,
      type: weightType,
      data: normalWeights(seed, name, tensorElementCount(dims), std),
    });
  };
  const norm = (name: string): void => {
    tensors.push({ name, dims: [nEmbd], type: GgmlType.F32, data: new Float32Array(nEmbd).fill(1) });
  };

  matrix("token_embd.weight", nEmbd, nVocab);
  for (let i = 0; i < nLayer; i++) {
    const p = `blk.${i}.`;
    norm(`${p}attn_norm.weight`);
    matrix(`${p}attn_q.weight`, nEmbd, nEmbd);
    matrix(`${p}attn_k.weight`, nEmbd, nEmbdKv);
    matrix(`${p}attn_v.weight`, nEmbd, nEmbdKv);
    matrix(`${p}attn_output.weight`, nEmbd, nEmbd);
    norm(`${p}ffn_norm.weight`);
    matrix(`${p}ffn_gate.weight`, nEmbd, nFf);
    matrix(`${p}ffn_up.weight`, nEmbd, nFf);
    matrix(`${p}ffn_down.weight`, nFf, nEmbd);
  }
  norm("output_norm.weight");
  matrix("output.weight", nEmbd, nVocab);

  const metadata: Record<string, GgufValue> = {
    "general.architecture": gguf.str("llama"),
    "general.name": gguf.str(options.name ?? "random-llama"),
    "general.file_type": gguf.u32(FILE_TYPE[weightType]),
    ...(weightType === GgmlType.Q8_0 ? { "general.quantization_version": gguf.u32(2) } : {}),
    "llama.context_length": gguf.u32(contextLength),
    "llama.embedding_length": gguf.u32(nEmbd),
    "llama.block_count": gguf.u32(nLayer),
    "llama.feed_forward_length": gguf.u32(nFf),
    "llama.attention.head_count": gguf.u32(nHead),
    "llama.attention.head_count_kv": gguf.u32(nHeadKv),
    "llama.rope.dimension_count": gguf.u32(headDim),
    "llama.rope.freq_base": gguf.f32(options.ropeFreqBase ?? 10000),
    "llama.attention.layer_norm_rms_epsilon": gguf.f32(options.rmsNormEps ?? 1e-5),
    "llama.vocab_size": gguf.u32(nVocab),
    "tokenizer.ggml.model": gguf.str("llama"),
    "tokenizer.ggml.tokens": gguf.arr(GgufValueType.STRING, vocab.tokens),
    "tokenizer.ggml.scores": gguf.arr(GgufValueType.FLOAT32, vocab.scores),
    "tokenizer.ggml.token_type": gguf.arr(GgufValueType.INT32, vocab.tokenTypes),
    "tokenizer.ggml.bos_token_id": gguf.u32(SPM_BOS_ID),
    "tokenizer.ggml.eos_token_id": gguf.u32(SPM_EOS_ID),
    "tokenizer.ggml.unknown_token_id": gguf.u32(SPM_UNK_ID),
    "tokenizer.ggml.add_bos_token": gguf.bool(true),
    "tokenizer.ggml.add_eos_token": gguf.bool(false),
    // Without this llama.cpp prepends a space to every text, and detokenize(tokenize(s)) !== s.
    "tokenizer.ggml.add_space_prefix": gguf.bool(false),
    ...(options.chatTemplate !== undefined
      ? { "tokenizer.chat_template": gguf.str(options.chatTemplate) }
      : {}),
    ...options.extraMetadata,
  };

  const result = await writeGguf(path, { metadata, tensors });
  const parameters = result.tensors.reduce((sum, t) => sum + tensorElementCount(t.dims), 0);
  return { fileSize: result.fileSize, parameters, vocabSize: nVocab, tensorCount: tensors.length };
}
