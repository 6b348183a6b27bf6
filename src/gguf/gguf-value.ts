// Typed GGUF metadata values: the shapes the reader returns and the writer takes, plus `gguf.*` constructors.
import { GgufValueType, type GgufBigIntType, type GgufNumberType } from "./gguf-value-type.js";

/** A value of one of the `number`-carrying types; FLOAT32 values are what survives float32 rounding. */
export interface GgufNumberValue {
  readonly type: GgufNumberType;
  readonly value: number;
}

/** A UINT64 / INT64 value. */
export interface GgufBigIntValue {
  readonly type: GgufBigIntType;
  readonly value: bigint;
}

/** A BOOL value. */
export interface GgufBoolValue {
  readonly type: typeof GgufValueType.BOOL;
  readonly value: boolean;
}

/** A UTF-8 STRING value. */
export interface GgufStringValue {
  readonly type: typeof GgufValueType.STRING;
  readonly value: string;
}

interface ArrayOf<T extends GgufValueType, V> {
  readonly type: typeof GgufValueType.ARRAY;
  readonly itemType: T;
  readonly value: readonly V[];
}

/** An ARRAY value: items share one type; arrays of arrays nest. */
export type GgufArrayValue =
  | ArrayOf<GgufNumberType, number>
  | ArrayOf<GgufBigIntType, bigint>
  | ArrayOf<typeof GgufValueType.BOOL, boolean>
  | ArrayOf<typeof GgufValueType.STRING, string>
  | ArrayOf<typeof GgufValueType.ARRAY, GgufArrayValue>;

/** Any GGUF metadata value, tagged with its on-disk type. */
export type GgufValue = GgufNumberValue | GgufBigIntValue | GgufBoolValue | GgufStringValue | GgufArrayValue;

/** A GGUF value with its type tag dropped. */
export type GgufPlainValue = number | bigint | boolean | string | readonly GgufPlainValue[];

const INT_RANGES: Partial<Record<GgufNumberType, readonly [number, number]>> = {
  [GgufValueType.UINT8]: [0, 0xff],
  [GgufValueType.INT8]: [-0x80, 0x7f],
  [GgufValueType.UINT16]: [0, 0xffff],
  [GgufValueType.INT16]: [-0x8000, 0x7fff],
  [GgufValueType.UINT32]: [0, 0xffffffff],
  [GgufValueType.INT32]: [-0x80000000, 0x7fffffff],
};

/** Throws a RangeError when `value` does not fit `type` (integers must be whole and in range). */
export function assertGgufNumber(type: GgufNumberType, value: number): void {
  const range = INT_RANGES[type];
  if (range === undefined) {
    if (typeof value !== "number") throw new RangeError(`expected a number, got ${typeof value}`);
    return;
  }
  if (!Number.isInteger(value) || value < range[0] || value > range[1]) {
    throw new RangeError(`${value} does not fit GGUF type ${type} [${range[0]}, ${range[1]}]`);
  }
}

/** Throws a RangeError when `value` does not fit UINT64 / INT64. */
export function assertGgufBigInt(type: GgufBigIntType, value: bigint): void {
  const ok =
    type === GgufValueType.UINT64 ? BigInt.asUintN(64, value) === value : BigInt.asIntN(64, value) === value;
  if (!ok) throw new RangeError(`${value} does not fit GGUF type ${type}`);
}

function num(type: GgufNumberType, value: number): GgufNumberValue {
  assertGgufNumber(type, value);
  return { type, value };
}

function big(type: GgufBigIntType, value: bigint | number): GgufBigIntValue {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new RangeError(`${value} is not a safe integer; pass a bigint`);
  }
  const v = BigInt(value);
  assertGgufBigInt(type, v);
  return { type, value: v };
}

function arr(itemType: GgufNumberType, values: ArrayLike<number>): GgufArrayValue;
function arr(itemType: GgufBigIntType, values: ArrayLike<bigint | number>): GgufArrayValue;
function arr(itemType: typeof GgufValueType.BOOL, values: ArrayLike<boolean>): GgufArrayValue;
function arr(itemType: typeof GgufValueType.STRING, values: ArrayLike<string>): GgufArrayValue;
function arr(itemType: typeof GgufValueType.ARRAY, values: ArrayLike<GgufArrayValue>): GgufArrayValue;
function arr(
  itemType: GgufValueType,
  values: ArrayLike<number | bigint | boolean | string | GgufArrayValue>,
): GgufArrayValue {
  const items = Array.from(values);
  switch (itemType) {
    case GgufValueType.BOOL:
    case GgufValueType.STRING:
    case GgufValueType.ARRAY: {
      const expected =
        itemType === GgufValueType.BOOL ? "boolean" : itemType === GgufValueType.STRING ? "string" : "object";
      for (const v of items) {
        if (typeof v !== expected) throw new RangeError(`array item ${String(v)} is not a ${expected}`);
      }
      return { type: GgufValueType.ARRAY, itemType, value: items } as GgufArrayValue;
    }
    case GgufValueType.UINT64:
    case GgufValueType.INT64:
      return {
        type: GgufValueType.ARRAY,
        itemType,
        value: items.map((v) => big(itemType, v as bigint | number).value),
      };
    default:
      for (const v of items) assertGgufNumber(itemType, v as number);
      return { type: GgufValueType.ARRAY, itemType, value: items as number[] };
  }
}

/**
 * Constructors for typed metadata values, validating ranges up front:
 * `gguf.u32(5)`, `gguf.f32(1e-5)`, `gguf.str("x")`, `gguf.arr(GgufValueType.STRING, ["a"])`.
 */
export const gguf = {
  u8: (v: number): GgufNumberValue => num(GgufValueType.UINT8, v),
  i8: (v: number): GgufNumberValue => num(GgufValueType.INT8, v),
  u16: (v: number): GgufNumberValue => num(GgufValueType.UINT16, v),
  i16: (v: number): GgufNumberValue => num(GgufValueType.INT16, v),
  u32: (v: number): GgufNumberValue => num(GgufValueType.UINT32, v),
  i32: (v: number): GgufNumberValue => num(GgufValueType.INT32, v),
  u64: (v: bigint | number): GgufBigIntValue => big(GgufValueType.UINT64, v),
  i64: (v: bigint | number): GgufBigIntValue => big(GgufValueType.INT64, v),
  f32: (v: number): GgufNumberValue => num(GgufValueType.FLOAT32, v),
  f64: (v: number): GgufNumberValue => num(GgufValueType.FLOAT64, v),
  bool: (v: boolean): GgufBoolValue => ({ type: GgufValueType.BOOL, value: v }),
  str: (v: string): GgufStringValue => ({ type: GgufValueType.STRING, value: v }),
  arr,
} as const;

/** Drops the type tags: numbers, bigints, booleans, strings and (nested) arrays of them. */
export function ggufValueToJs(value: GgufValue): GgufPlainValue {
  if (value.type !== GgufValueType.ARRAY) return value.value;
  if (value.itemType !== GgufValueType.ARRAY) return value.value;
  return value.value.map(ggufValueToJs);
}
