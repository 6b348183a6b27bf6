// GGUF metadata value type ids (`enum gguf_type` in gguf.h).

/** Type id of a GGUF metadata value or array item. */
export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** A GGUF metadata value type id. */
export type GgufValueType = (typeof GgufValueType)[keyof typeof GgufValueType];

/** Value types carried as a JS `number`. */
export type GgufNumberType =
  | typeof GgufValueType.UINT8
  | typeof GgufValueType.INT8
  | typeof GgufValueType.UINT16
  | typeof GgufValueType.INT16
  | typeof GgufValueType.UINT32
  | typeof GgufValueType.INT32
  | typeof GgufValueType.FLOAT32
  | typeof GgufValueType.FLOAT64;

/** 64-bit integer value types, carried as `bigint` so that no precision is lost. */
export type GgufBigIntType = typeof GgufValueType.UINT64 | typeof GgufValueType.INT64;

/** Value types of a fixed byte width (everything but strings and arrays). */
export type GgufFixedSizeType = GgufNumberType | GgufBigIntType | typeof GgufValueType.BOOL;

/** Byte width of each fixed-size type. */
export const GGUF_SCALAR_SIZE: Readonly<Record<GgufFixedSizeType, number>> = {
  [GgufValueType.UINT8]: 1,
  [GgufValueType.INT8]: 1,
  [GgufValueType.UINT16]: 2,
  [GgufValueType.INT16]: 2,
  [GgufValueType.UINT32]: 4,
  [GgufValueType.INT32]: 4,
  [GgufValueType.FLOAT32]: 4,
  [GgufValueType.BOOL]: 1,
  [GgufValueType.UINT64]: 8,
  [GgufValueType.INT64]: 8,
  [GgufValueType.FLOAT64]: 8,
};

const NAMES: readonly string[] = Object.keys(GgufValueType);

/** Name of a value type id (`UINT32`, …) for messages. */
export function ggufValueTypeName(type: number): string {
  return NAMES[type] ?? `unknown(${type})`;
}
