// Writes llama-architecture GGUF models with seeded random weights (for demos, tests and benchmarks).
import { f32ToF16 } from "./f16.js";
import { GgmlType, ggmlTypeName, tensorByteSize, tensorElementCount } from "./ggml-type.js";
import { GgufValueType } from "./gguf-value-type.js";
import { gguf, type GgufValue } from "./gguf-value.js";
import { writeGguf, type GgufTensorInput } from "./gguf-writer.js";
import { LlamaFileType } from "./llama-file-type.js";
import { SeededRandom } from "./seeded-random.js";
import { SPM_BOS_ID, SPM_EOS_ID, SPM_UNK_ID, buildSpmVocab, type SpmVocab } from "./spm-vocab.js";

/**
 * Weight types the builder can produce (norms always stay F32, as llama.cpp's converters do).
 * F32, F16, BF16 and Q8_0 encode seeded normal weights; Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K,
 * Q5_K and Q6_K are random valid blocks (random quants and sub-block scales, per-block scales
 * chosen so that the weights come out with about the requested standard deviation and mean 0).
 */
export type LlamaWeightType =
  | typeof GgmlType.F32
  | typeof GgmlType.F16
  | typeof GgmlType.BF16
  | typeof GgmlType.Q8_0
  | typeof GgmlType.Q4_0
  | typeof GgmlType.Q4_1
  | typeof GgmlType.Q5_0
  | typeof GgmlType.Q5_1
  | typeof GgmlType.Q2_K
  | typeof GgmlType.Q3_K
  | typeof GgmlType.Q4_K
  | typeof GgmlType.Q5_K
  | typeof GgmlType.Q6_K;

/** The matrices of a llama model, by role (`blk.N.` left out). */
export type LlamaMatrixRole =
  | "token_embd"
  | "output"
  | "attn_q"
  | "attn_k"
  | "attn_v"
  | "attn_output"
  | "ffn_gate"
  | "ffn_up"
  | "ffn_down";

/** Shape and content of a generated llama model. */
export interface LlamaModelOptions {
  readonly nEmbd: number;
  readonly nLayer: number;
  readonly nHead: number;
  /** Key/value heads (grouped-query attention); defaults to nHead. */
  readonly nHeadKv?: number;
  readonly nFf: number;
  readonly contextLength: number;
  /**
   * Size of a query/key/value head; defaults to nEmbd / nHead. Another value is written as
   * `attention.key_length` / `value_length` (as Mistral-Nemo's 128 with 5120 wide and 32 heads).
   */
  readonly headDim?: number;
  /** Defaults to F16. */
  readonly weightType?: LlamaWeightType;
  /** Per-role types that override {@link weightType} (e.g. `{ output: GgmlType.Q6_K }`). */
  readonly weightTypes?: Readonly<Partial<Record<LlamaMatrixRole, LlamaWeightType>>>;
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
  /**
   * Token ids the model never says: their rows of output.weight are zeros (logit 0, below the
   * best of the random others). Benchmarks mute the byte and control tokens, so that greedy
   * answers are valid UTF-8 text that servers can parse and prompts can carry back. Default: none.
   */
  readonly mutedTokens?: readonly number[];
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
  [GgmlType.BF16]: LlamaFileType.MOSTLY_BF16,
  [GgmlType.Q8_0]: LlamaFileType.MOSTLY_Q8_0,
  [GgmlType.Q4_0]: LlamaFileType.MOSTLY_Q4_0,
  [GgmlType.Q4_1]: LlamaFileType.MOSTLY_Q4_1,
  [GgmlType.Q5_0]: LlamaFileType.MOSTLY_Q5_0,
  [GgmlType.Q5_1]: LlamaFileType.MOSTLY_Q5_1,
  [GgmlType.Q2_K]: LlamaFileType.MOSTLY_Q2_K,
  [GgmlType.Q3_K]: LlamaFileType.MOSTLY_Q3_K_M,
  [GgmlType.Q4_K]: LlamaFileType.MOSTLY_Q4_K_M,
  [GgmlType.Q5_K]: LlamaFileType.MOSTLY_Q5_K_M,
  [GgmlType.Q6_K]: LlamaFileType.MOSTLY_Q6_K,
};

// Block sizes in elements, for the row-length checks.
const BLOCK_SIZE: Record<LlamaWeightType, number> = {
  [GgmlType.F32]: 1,
  [GgmlType.F16]: 1,
  [GgmlType.BF16]: 1,
  [GgmlType.Q8_0]: 32,
  [GgmlType.Q4_0]: 32,
  [GgmlType.Q4_1]: 32,
  [GgmlType.Q5_0]: 32,
  [GgmlType.Q5_1]: 32,
  [GgmlType.Q2_K]: 256,
  [GgmlType.Q3_K]: 256,
  [GgmlType.Q4_K]: 256,
  [GgmlType.Q5_K]: 256,
  [GgmlType.Q6_K]: 256,
};

type RawBlockType = Exclude<
  LlamaWeightType,
  typeof GgmlType.F32 | typeof GgmlType.F16 | typeof GgmlType.BF16 | typeof GgmlType.Q8_0
>;

function isRawBlockType(type: LlamaWeightType): type is RawBlockType {
  return type !== GgmlType.F32 && type !== GgmlType.F16 && type !== GgmlType.BF16 && type !== GgmlType.Q8_0;
}

// Standard deviation of the dequantized value in units of the block scale d, for uniformly random
// quants and sub-block scales (and a min of mean·d·sc-like size, which centres the values on 0):
// Q4_0: d·(q−8), q∈[0,15]; Q4_K: d·sc·q − dmin·m, sc,m∈[0,63], q∈[0,15], dmin = 7.5·d;
// Q5_K: as Q4_K with q∈[0,31], dmin = 15.5·d; Q6_K: d·sc·(q−32), sc∈[−128,127], q∈[0,63];
// Q4_1/Q5_1: d·q + m, m = −7.5·d / −15.5·d; Q5_0: d·(q−16), q∈[0,31]; Q2_K: d·sc·q − dmin·m,
// sc,m∈[0,15], q∈[0,3], dmin = 1.5·d; Q3_K: d·(sc−32)·q, sc∈[0,63], q∈[−4,3].
const RAW_UNIT_STD: Record<RawBlockType, number> = {
  [GgmlType.Q4_0]: Math.sqrt(21.5),
  [GgmlType.Q4_1]: Math.sqrt(21.25),
  [GgmlType.Q5_0]: Math.sqrt(85.5),
  [GgmlType.Q5_1]: Math.sqrt(85.25),
  [GgmlType.Q2_K]: Math.sqrt(144.6875 + 2.25 * 21.25),
  [GgmlType.Q3_K]: Math.sqrt(341.5 * 5.5),
  [GgmlType.Q4_K]: Math.sqrt(1333.5 * 77.5 - (31.5 * 7.5) ** 2 + 56.25 * 341.25),
  [GgmlType.Q5_K]: Math.sqrt(1333.5 * 325.5 - (31.5 * 15.5) ** 2 + 240.25 * 341.25),
  [GgmlType.Q6_K]: Math.sqrt(5461.5 * 341.5),
};

/** Random valid blocks of `type` for a tensor of `count` elements, streamed in chunks. */
function rawBlocks(
  seed: number,
  name: string,
  type: RawBlockType,
  dims: readonly number[],
  std: number,
): () => Iterable<Uint8Array> {
  return function* () {
    const rng = SeededRandom.forStream(seed, name);
    const total = tensorByteSize(type, dims);
    const blockBytes = tensorByteSize(type, [BLOCK_SIZE[type]]);
    const blocksPerChunk = Math.max(1, Math.floor(CHUNK_VALUES / BLOCK_SIZE[type]));
    const byte = (): number => Math.floor(rng.next() * 256);
    // The per-block scale varies by ±25% around its mean, so that every block's own scale matters.
    const scale = (): number => (std / RAW_UNIT_STD[type]) * (0.75 + 0.5 * rng.next());
    for (let done = 0; done < total;) {
      const n = Math.min(blocksPerChunk, (total - done) / blockBytes);
      const out = new Uint8Array(n * blockBytes);
      const view = new DataView(out.buffer);
      for (let b = 0; b < n; b++) {
        const o = b * blockBytes;
        for (let i = 0; i < blockBytes; i++) out[o + i] = byte();
        const d = scale();
        switch (type) {
          case GgmlType.Q4_0:
          case GgmlType.Q5_0:
            view.setUint16(o, f32ToF16(d), true);
            break;
          case GgmlType.Q4_1:
          case GgmlType.Q5_1:
            view.setUint16(o, f32ToF16(d), true);
            view.setUint16(o + 2, f32ToF16(-d * (type === GgmlType.Q4_1 ? 7.5 : 15.5)), true);
            break;
          case GgmlType.Q2_K:
            // d and dmin follow the 16 scale bytes and 64 quant bytes.
            view.setUint16(o + 80, f32ToF16(d), true);
            view.setUint16(o + 82, f32ToF16(1.5 * d), true);
            break;
          case GgmlType.Q4_K:
          case GgmlType.Q5_K:
            view.setUint16(o, f32ToF16(d), true);
            view.setUint16(o + 2, f32ToF16(d * (type === GgmlType.Q4_K ? 7.5 : 15.5)), true);
            break;
          case GgmlType.Q3_K:
          case GgmlType.Q6_K:
            // d is the last field of both.
            view.setUint16(o + blockBytes - 2, f32ToF16(d), true);
            break;
        }
      }
      done += out.length;
      yield out;
    }
  };
}

function positiveInt(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new RangeError(`${name} must be a positive integer, got ${v}`);
}

function normalWeights(
  seed: number,
  name: string,
  count: number,
  std: number,
  zeroRows?: { rowLength: number; rows: ReadonlySet<number> },
): () => Iterable<Float32Array> {
  return function* () {
    const rng = SeededRandom.forStream(seed, name);
    for (let done = 0; done < count; done += CHUNK_VALUES) {
      const chunk = rng.fillNormal(new Float32Array(Math.min(CHUNK_VALUES, count - done)), std);
      if (zeroRows) {
        for (let i = 0; i < chunk.length; i++) {
          if (zeroRows.rows.has(Math.floor((done + i) / zeroRows.rowLength))) chunk[i] = 0;
        }
      }
      yield chunk;
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
  if (options.headDim === undefined && nEmbd % nHead !== 0)
    throw new RangeError(`nEmbd ${nEmbd} is not divisible by nHead ${nHead}`);
  if (nHead % nHeadKv !== 0) throw new RangeError(`nHead ${nHead} is not divisible by nHeadKv ${nHeadKv}`);
  const headDim = options.headDim ?? nEmbd / nHead;
  positiveInt("headDim", headDim);
  // RoPE rotates pairs of dimensions.
  if (headDim % 2 !== 0) throw new RangeError(`head size ${headDim} must be even`);
  const typeOf = (role: LlamaMatrixRole): LlamaWeightType => options.weightTypes?.[role] ?? weightType;
  const roleRowLength: Record<LlamaMatrixRole, number> = {
    token_embd: nEmbd,
    output: nEmbd,
    attn_q: nEmbd,
    attn_k: nEmbd,
    attn_v: nEmbd,
    attn_output: nHead * headDim,
    ffn_gate: nEmbd,
    ffn_up: nEmbd,
    ffn_down: nFf,
  };
  for (const [role, rowLength] of Object.entries(roleRowLength) as [LlamaMatrixRole, number][]) {
    const type = typeOf(role);
    const block = BLOCK_SIZE[type];
    if (block === undefined) throw new RangeError(`weight type ${String(type)} is not supported`);
    if (rowLength % block !== 0) {
      // Keeps the long-standing message for the plain Q8_0 case.
      if (type === GgmlType.Q8_0 && options.weightTypes === undefined) {
        throw new RangeError(`Q8_0 needs nEmbd and nFf to be multiples of 32 (got ${nEmbd}, ${nFf})`);
      }
      throw new RangeError(
        `${role} as ${ggmlTypeName(type)} needs rows of a multiple of ${block} values (got ${rowLength})`,
      );
    }
  }
  if (vocab.scores.length !== nVocab || vocab.tokenTypes.length !== nVocab) {
    throw new RangeError("vocab tokens, scores and token types must have the same length");
  }
  const nEmbdKv = nHeadKv * headDim;

  const tensors: GgufTensorInput[] = [];
  const matrix = (name: string, rowLength: number, rows: number, zeroRows?: ReadonlySet<number>): void => {
    const dims = [rowLength, rows];
    const role = (name.startsWith("blk.") ? name.split(".")[2] : name.split(".")[0]) as LlamaMatrixRole;
    const type = typeOf(role);
    if (isRawBlockType(type)) {
      tensors.push({ name, dims, type, raw: rawBlocks(seed, name, type, dims, std) });
      return;
    }
    tensors.push({
      name,
      dims,
      type,
      data: normalWeights(
        seed,
        name,
        tensorElementCount(dims),
        std,
        zeroRows && { rowLength, rows: zeroRows },
      ),
    });
  };
  const norm = (name: string): void => {
    tensors.push({ name, dims: [nEmbd], type: GgmlType.F32, data: new Float32Array(nEmbd).fill(1) });
  };

  matrix("token_embd.weight", nEmbd, nVocab);
  for (let i = 0; i < nLayer; i++) {
    const p = `blk.${i}.`;
    norm(`${p}attn_norm.weight`);
    matrix(`${p}attn_q.weight`, nEmbd, nHead * headDim);
    matrix(`${p}attn_k.weight`, nEmbd, nEmbdKv);
    matrix(`${p}attn_v.weight`, nEmbd, nEmbdKv);
    matrix(`${p}attn_output.weight`, nHead * headDim, nEmbd);
    norm(`${p}ffn_norm.weight`);
    matrix(`${p}ffn_gate.weight`, nEmbd, nFf);
    matrix(`${p}ffn_up.weight`, nEmbd, nFf);
    matrix(`${p}ffn_down.weight`, nFf, nEmbd);
  }
  norm("output_norm.weight");
  const muted = options.mutedTokens?.length ? new Set(options.mutedTokens) : undefined;
  if (muted && isRawBlockType(typeOf("output")))
    throw new RangeError("mutedTokens needs an output.weight of F32, F16 or BF16");
  matrix("output.weight", nEmbd, nVocab, muted);

  const metadata: Record<string, GgufValue> = {
    "general.architecture": gguf.str("llama"),
    "general.name": gguf.str(options.name ?? "random-llama"),
    "general.file_type": gguf.u32(FILE_TYPE[weightType]),
    ...(Object.keys(roleRowLength).some((role) => BLOCK_SIZE[typeOf(role as LlamaMatrixRole)] > 1)
      ? { "general.quantization_version": gguf.u32(2) }
      : {}),
    "llama.context_length": gguf.u32(contextLength),
    "llama.embedding_length": gguf.u32(nEmbd),
    "llama.block_count": gguf.u32(nLayer),
    "llama.feed_forward_length": gguf.u32(nFf),
    "llama.attention.head_count": gguf.u32(nHead),
    "llama.attention.head_count_kv": gguf.u32(nHeadKv),
    ...(headDim !== nEmbd / nHead
      ? { "llama.attention.key_length": gguf.u32(headDim), "llama.attention.value_length": gguf.u32(headDim) }
      : {}),
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
