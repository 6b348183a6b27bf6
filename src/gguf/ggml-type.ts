// ggml tensor element types as stored in GGUF tensor infos: ids, names and block layouts.
import { GgufError } from "./gguf-error.js";

/**
 * ggml tensor type ids (`enum ggml_type` in ggml.h). Ids 4, 5, 31–33 and 36–38 were removed
 * from ggml and are deliberately absent.
 */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q8_1: 9,
  Q2_K: 10,
  Q3_K: 11,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  Q8_K: 15,
  IQ2_XXS: 16,
  IQ2_XS: 17,
  IQ3_XXS: 18,
  IQ1_S: 19,
  IQ4_NL: 20,
  IQ3_S: 21,
  IQ2_S: 22,
  IQ4_XS: 23,
  I8: 24,
  I16: 25,
  I32: 26,
  I64: 27,
  F64: 28,
  IQ1_M: 29,
  BF16: 30,
  TQ1_0: 34,
  TQ2_0: 35,
  MXFP4: 39,
  NVFP4: 40,
  Q1_0: 41,
  Q2_0: 42,
} as const;

/** A ggml tensor type id known to this module. */
export type GgmlType = (typeof GgmlType)[keyof typeof GgmlType];

/** Block layout of a ggml type: `blockSize` elements are stored in `bytesPerBlock` bytes. */
export interface GgmlTypeInfo {
  /** Upper-case name as used in llama.cpp logs and model names, e.g. `Q4_K`. */
  readonly name: string;
  readonly blockSize: number;
  readonly bytesPerBlock: number;
}

// Sizes follow the block structs in ggml-common.h (QK_K = 256); keep in sync when ggml adds types.
const QK_K = 256;
const TYPE_INFO: Readonly<Record<GgmlType, GgmlTypeInfo>> = {
  [GgmlType.F32]: { name: "F32", blockSize: 1, bytesPerBlock: 4 },
  [GgmlType.F16]: { name: "F16", blockSize: 1, bytesPerBlock: 2 },
  [GgmlType.Q4_0]: { name: "Q4_0", blockSize: 32, bytesPerBlock: 2 + 16 },
  [GgmlType.Q4_1]: { name: "Q4_1", blockSize: 32, bytesPerBlock: 4 + 16 },
  [GgmlType.Q5_0]: { name: "Q5_0", blockSize: 32, bytesPerBlock: 2 + 4 + 16 },
  [GgmlType.Q5_1]: { name: "Q5_1", blockSize: 32, bytesPerBlock: 4 + 4 + 16 },
  [GgmlType.Q8_0]: { name: "Q8_0", blockSize: 32, bytesPerBlock: 2 + 32 },
  [GgmlType.Q8_1]: { name: "Q8_1", blockSize: 32, bytesPerBlock: 4 + 32 },
  [GgmlType.Q2_K]: { name: "Q2_K", blockSize: QK_K, bytesPerBlock: 4 + QK_K / 16 + QK_K / 4 },
  [GgmlType.Q3_K]: { name: "Q3_K", blockSize: QK_K, bytesPerBlock: 2 + QK_K / 4 + QK_K / 8 + 12 },
  [GgmlType.Q4_K]: { name: "Q4_K", blockSize: QK_K, bytesPerBlock: 4 + 12 + QK_K / 2 },
  [GgmlType.Q5_K]: { name: "Q5_K", blockSize: QK_K, bytesPerBlock: 4 + 12 + QK_K / 2 + QK_K / 8 },
  [GgmlType.Q6_K]: { name: "Q6_K", blockSize: QK_K, bytesPerBlock: 2 + QK_K / 16 + (3 * QK_K) / 4 },
  [GgmlType.Q8_K]: { name: "Q8_K", blockSize: QK_K, bytesPerBlock: 4 + QK_K + (QK_K / 16) * 2 },
  [GgmlType.IQ2_XXS]: { name: "IQ2_XXS", blockSize: QK_K, bytesPerBlock: 2 + (QK_K / 8) * 2 },
  [GgmlType.IQ2_XS]: { name: "IQ2_XS", blockSize: QK_K, bytesPerBlock: 2 + (QK_K / 8) * 2 + QK_K / 32 },
  [GgmlType.IQ3_XXS]: { name: "IQ3_XXS", blockSize: QK_K, bytesPerBlock: 2 + 3 * (QK_K / 8) },
  [GgmlType.IQ1_S]: { name: "IQ1_S", blockSize: QK_K, bytesPerBlock: 2 + QK_K / 8 + QK_K / 16 },
  [GgmlType.IQ4_NL]: { name: "IQ4_NL", blockSize: 32, bytesPerBlock: 2 + 16 },
  [GgmlType.IQ3_S]: { name: "IQ3_S", blockSize: QK_K, bytesPerBlock: 2 + 13 * (QK_K / 32) + QK_K / 64 },
  [GgmlType.IQ2_S]: { name: "IQ2_S", blockSize: QK_K, bytesPerBlock: 2 + QK_K / 4 + QK_K / 16 },
  [GgmlType.IQ4_XS]: { name: "IQ4_XS", blockSize: QK_K, bytesPerBlock: 2 + 2 + QK_K / 64 + QK_K / 2 },
  [GgmlType.I8]: { name: "I8", blockSize: 1, bytesPerBlock: 1 },
  [GgmlType.I16]: { name: "I16", blockSize: 1, bytesPerBlock: 2 },
  [GgmlType.I32]: { name: "I32", blockSize: 1, bytesPerBlock: 4 },
  [GgmlType.I64]: { name: "I64", blockSize: 1, bytesPerBlock: 8 },
  [GgmlType.F64]: { name: "F64", blockSize: 1, bytesPerBlock: 8 },
  [GgmlType.IQ1_M]: { name: "IQ1_M", blockSize: QK_K, bytesPerBlock: QK_K / 8 + QK_K / 16 + QK_K / 32 },
  [GgmlType.BF16]: { name: "BF16", blockSize: 1, bytesPerBlock: 2 },
  [GgmlType.TQ1_0]: {
    name: "TQ1_0",
    blockSize: QK_K,
    bytesPerBlock: 2 + QK_K / 64 + (QK_K - (4 * QK_K) / 64) / 5,
  },
  [GgmlType.TQ2_0]: { name: "TQ2_0", blockSize: QK_K, bytesPerBlock: 2 + QK_K / 4 },
  [GgmlType.MXFP4]: { name: "MXFP4", blockSize: 32, bytesPerBlock: 1 + 16 },
  [GgmlType.NVFP4]: { name: "NVFP4", blockSize: 64, bytesPerBlock: 4 + 32 },
  [GgmlType.Q1_0]: { name: "Q1_0", blockSize: 128, bytesPerBlock: 2 + 16 },
  [GgmlType.Q2_0]: { name: "Q2_0", blockSize: 64, bytesPerBlock: 2 + 16 },
};

/** Whether `id` is a ggml type id this module knows the layout of. */
export function isGgmlType(id: number): id is GgmlType {
  return Object.prototype.hasOwnProperty.call(TYPE_INFO, id);
}

/** Block layout and name of a ggml type. */
export function ggmlTypeInfo(type: GgmlType): GgmlTypeInfo {
  const info = TYPE_INFO[type];
  // Guards callers that bypass the type system with a raw number.
  if (info === undefined)
    throw new GgufError("UNSUPPORTED_TENSOR_TYPE", `unknown ggml type id ${String(type)}`);
  return info;
}

/** Upper-case name of a ggml type (`F16`, `Q4_K`, …). */
export function ggmlTypeName(type: GgmlType): string {
  return ggmlTypeInfo(type).name;
}

/** Number of elements of a tensor with the given dims (ne order); 1 for a 0-dim tensor. */
export function tensorElementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`invalid tensor dimension ${d}`);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw new RangeError(`tensor of dims [${dims.join(", ")}] is too large`);
  return n;
}

/**
 * Bytes of tensor data for `type` and `dims` (ne order: dims[0] is the contiguous row).
 * Throws a RangeError when the row length is not a multiple of the type's block size,
 * which ggml rejects too.
 */
export function tensorByteSize(type: GgmlType, dims: readonly number[]): number {
  const { blockSize, bytesPerBlock, name } = ggmlTypeInfo(type);
  const rowLength = dims[0] ?? 1;
  if (rowLength % blockSize !== 0) {
    throw new RangeError(
      `row length ${rowLength} of a ${name} tensor is not a multiple of its block size ${blockSize}`,
    );
  }
  return (tensorElementCount(dims) / blockSize) * bytesPerBlock;
}
