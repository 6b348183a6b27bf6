// Writes GGUF v3 files, converting float tensors (F32/F16/BF16/Q8_0) and streaming tensor data to disk.
import { open, rename, unlink } from "node:fs/promises";
import { endianness } from "node:os";
import { encodeBf16, encodeF16 } from "./f16.js";
import { GgufError } from "./gguf-error.js";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, type GgufTensorInfo } from "./gguf-reader.js";
import { GgufValueType, ggufValueTypeName } from "./gguf-value-type.js";
import { assertGgufBigInt, assertGgufNumber, type GgufArrayValue, type GgufValue } from "./gguf-value.js";
import { GgmlType, ggmlTypeName, tensorByteSize, tensorElementCount } from "./ggml-type.js";
import { Q8_0_BLOCK_BYTES, Q8_0_BLOCK_SIZE, quantizeQ8_0 } from "./q8-0.js";

/** Chunks of tensor values or bytes, produced lazily so that big tensors never sit in memory whole. */
export type ChunkSource<T> = Iterable<T> | AsyncIterable<T>;

/** Types the writer can encode from float32 values. */
export type GgufFloatTensorType =
  typeof GgmlType.F32 | typeof GgmlType.F16 | typeof GgmlType.BF16 | typeof GgmlType.Q8_0;

/** A tensor given as float32 values, encoded by the writer. */
export interface GgufFloatTensorInput {
  readonly name: string;
  /** ggml `ne` order: dims[0] is the contiguous row length. */
  readonly dims: readonly number[];
  readonly type: GgufFloatTensorType;
  /** All values, or a function producing them in chunks of any length (called once, while writing). */
  readonly data: Float32Array | (() => ChunkSource<Float32Array>);
}

/** A tensor given as already-encoded bytes of any ggml type (e.g. Q4_K blocks). */
export interface GgufRawTensorInput {
  readonly name: string;
  readonly dims: readonly number[];
  readonly type: GgmlType;
  /** All bytes, or a function producing them in chunks. */
  readonly raw: Uint8Array | (() => ChunkSource<Uint8Array>);
}

/** A tensor to write. */
export type GgufTensorInput = GgufFloatTensorInput | GgufRawTensorInput;

/** What {@link writeGguf} writes. Metadata keys are written in insertion order. */
export interface GgufWriteInput {
  readonly metadata: Readonly<Record<string, GgufValue>>;
  readonly tensors: readonly GgufTensorInput[];
}

/** Layout of the written file. */
export interface GgufWriteResult {
  readonly fileSize: number;
  readonly alignment: number;
  readonly dataOffset: number;
  readonly tensors: readonly GgufTensorInfo[];
}

// Values staged per encode+write step: 1 MiB of float32, small enough to stay in cache-friendly territory.
const STAGE_VALUES = 1 << 18;
const GGML_MAX_NAME = 64;

/** Growable little-endian byte buffer for the header. */
class HeaderBuilder {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }
  u8(v: number): void {
    this.reserve(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }
  i8(v: number): void {
    this.reserve(1);
    this.buf.writeInt8(v, this.length);
    this.length += 1;
  }
  u16(v: number): void {
    this.reserve(2);
    this.buf.writeUInt16LE(v, this.length);
    this.length += 2;
  }
  i16(v: number): void {
    this.reserve(2);
    this.buf.writeInt16LE(v, this.length);
    this.length += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }
  f32(v: number): void {
    this.reserve(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  f64(v: number): void {
    this.reserve(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }
  /** A non-negative safe integer as u64 (avoids a BigInt per vocabulary string). */
  u64(v: number): void {
    this.reserve(8);
    this.buf.writeUInt32LE(v % 0x100000000, this.length);
    this.buf.writeUInt32LE(Math.floor(v / 0x100000000), this.length + 4);
    this.length += 8;
  }
  u64big(v: bigint): void {
    this.reserve(8);
    this.buf.writeBigUInt64LE(v, this.length);
    this.length += 8;
  }
  i64big(v: bigint): void {
    this.reserve(8);
    this.buf.writeBigInt64LE(v, this.length);
    this.length += 8;
  }
  str(s: string): void {
    const n = Buffer.byteLength(s);
    this.u64(n);
    this.reserve(n);
    this.buf.write(s, this.length, "utf8");
    this.length += n;
  }
  padTo(alignment: number): void {
    const target = Math.ceil(this.length / alignment) * alignment;
    this.reserve(target - this.length);
    this.buf.fill(0, this.length, target);
    this.length = target;
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeScalar(h: HeaderBuilder, type: number, v: number | bigint | boolean, key: string): void {
  switch (type) {
    case GgufValueType.BOOL:
      if (typeof v !== "boolean") throw new GgufError("INVALID", `metadata ${key}: expected a boolean`);
      return h.u8(v ? 1 : 0);
    case GgufValueType.UINT64:
    case GgufValueType.INT64:
      if (typeof v !== "bigint") throw new GgufError("INVALID", `metadata ${key}: expected a bigint`);
      assertGgufBigInt(type, v);
      return type === GgufValueType.UINT64 ? h.u64big(v) : h.i64big(v);
  }
  if (typeof v !== "number") throw new GgufError("INVALID", `metadata ${key}: expected a number`);
  switch (type) {
    case GgufValueType.UINT8:
      assertGgufNumber(type, v);
      return h.u8(v);
    case GgufValueType.INT8:
      assertGgufNumber(type, v);
      return h.i8(v);
    case GgufValueType.UINT16:
      assertGgufNumber(type, v);
      return h.u16(v);
    case GgufValueType.INT16:
      assertGgufNumber(type, v);
      return h.i16(v);
    case GgufValueType.UINT32:
      assertGgufNumber(type, v);
      return h.u32(v);
    case GgufValueType.INT32:
      assertGgufNumber(type, v);
      return h.i32(v);
    case GgufValueType.FLOAT32:
      return h.f32(v);
    case GgufValueType.FLOAT64:
      return h.f64(v);
  }
  throw new GgufError("INVALID", `metadata ${key}: unknown value type ${type}`);
}

function writeArray(h: HeaderBuilder, value: GgufArrayValue, key: string): void {
  h.u32(value.itemType);
  h.u64(value.value.length);
  if (value.itemType === GgufValueType.STRING) {
    for (const s of value.value) h.str(s);
  } else if (value.itemType === GgufValueType.ARRAY) {
    for (const a of value.value) writeArray(h, a, key);
  } else {
    for (const v of value.value) writeScalar(h, value.itemType, v, key);
  }
}

function writeValue(h: HeaderBuilder, value: GgufValue, key: string): void {
  h.u32(value.type);
  if (value.type === GgufValueType.STRING) h.str(value.value);
  else if (value.type === GgufValueType.ARRAY) writeArray(h, value, key);
  else writeScalar(h, value.type, value.value, key);
}

function resolveAlignment(metadata: Readonly<Record<string, GgufValue>>): number {
  const v = metadata["general.alignment"];
  if (v === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (v.type !== GgufValueType.UINT32) {
    throw new GgufError("INVALID", `general.alignment must be UINT32, not ${ggufValueTypeName(v.type)}`);
  }
  if (v.value === 0 || (v.value & (v.value - 1)) !== 0) {
    throw new GgufError("INVALID", `general.alignment ${v.value} is not a power of two`);
  }
  return v.value;
}

type Sink = (bytes: Uint8Array) => Promise<void>;

async function* chunksOf<T>(source: T | (() => ChunkSource<T>)): AsyncGenerator<T> {
  if (typeof source !== "function") {
    yield source;
    return;
  }
  yield* (source as () => ChunkSource<T>)();
}

async function writeFloatTensor(t: GgufFloatTensorInput, expected: number, sink: Sink): Promise<void> {
  const stage = new Float32Array(STAGE_VALUES);
  const out16 = new Uint16Array(STAGE_VALUES);
  const outQ8 = new Uint8Array((STAGE_VALUES / Q8_0_BLOCK_SIZE) * Q8_0_BLOCK_BYTES);
  let staged = 0;
  let total = 0;

  const flush = async (): Promise<void> => {
    if (staged === 0) return;
    const values = stage.subarray(0, staged);
    switch (t.type) {
      case GgmlType.F32:
        await sink(new Uint8Array(values.buffer, 0, staged * 4));
        break;
      case GgmlType.F16:
        encodeF16(values, out16);
        await sink(new Uint8Array(out16.buffer, 0, staged * 2));
        break;
      case GgmlType.BF16:
        encodeBf16(values, out16);
        await sink(new Uint8Array(out16.buffer, 0, staged * 2));
        break;
      case GgmlType.Q8_0:
        // A tail that is not a whole block can only happen at the end; tensorByteSize rules it out.
        quantizeQ8_0(values, outQ8);
        await sink(outQ8.subarray(0, (staged / Q8_0_BLOCK_SIZE) * Q8_0_BLOCK_BYTES));
        break;
      default:
        throw new GgufError(
          "INVALID",
          `tensor ${t.name}: cannot encode float data as ${ggmlTypeName(t.type)}`,
        );
    }
    staged = 0;
  };

  for await (const chunk of chunksOf(t.data)) {
    if (!(chunk instanceof Float32Array))
      throw new GgufError("INVALID", `tensor ${t.name}: data chunks must be Float32Array`);
    total += chunk.length;
    if (total > expected)
      throw new GgufError("INVALID", `tensor ${t.name}: got more than the ${expected} values of its dims`);
    let i = 0;
    while (i < chunk.length) {
      const n = Math.min(chunk.length - i, STAGE_VALUES - staged);
      stage.set(chunk.subarray(i, i + n), staged);
      staged += n;
      i += n;
      if (staged === STAGE_VALUES) await flush();
    }
  }
  if (total !== expected)
    throw new GgufError("INVALID", `tensor ${t.name}: got ${total} values, dims need ${expected}`);
  await flush();
}

async function writeRawTensor(t: GgufRawTensorInput, expected: number, sink: Sink): Promise<void> {
  let total = 0;
  for await (const chunk of chunksOf(t.raw)) {
    if (!(chunk instanceof Uint8Array))
      throw new GgufError("INVALID", `tensor ${t.name}: raw chunks must be Uint8Array`);
    total += chunk.length;
    if (total > expected)
      throw new GgufError("INVALID", `tensor ${t.name}: got more than the ${expected} bytes of its dims`);
    await sink(chunk);
  }
  if (total !== expected)
    throw new GgufError("INVALID", `tensor ${t.name}: got ${total} bytes, dims need ${expected}`);
}

/**
 * Writes a GGUF v3 file at `path`. Tensors are laid out in the given order, each aligned to
 * `general.alignment` (default 32); data is produced and written tensor by tensor, so memory
 * stays small whatever the model size. The file appears atomically (written aside, then renamed).
 */
export async function writeGguf(path: string, input: GgufWriteInput): Promise<GgufWriteResult> {
  // Typed arrays are written as-is; GGUF is little-endian.
  if (endianness() !== "LE") throw new Error("writeGguf needs a little-endian host");
  const alignment = resolveAlignment(input.metadata);

  const h = new HeaderBuilder();
  h.u32(GGUF_MAGIC);
  h.u32(3);
  h.u64(input.tensors.length);
  const keys = Object.keys(input.metadata);
  h.u64(keys.length);
  for (const key of keys) {
    const value = input.metadata[key];
    if (value === undefined) throw new GgufError("INVALID", `metadata ${key} is undefined`);
    h.str(key);
    try {
      writeValue(h, value, key);
    } catch (err) {
      if (err instanceof GgufError) throw err;
      throw new GgufError("INVALID", `metadata ${key}: ${(err as Error).message}`, { cause: err });
    }
  }

  const names = new Set<string>();
  const layout: { rel: number; byteSize: number; elements: number }[] = [];
  let rel = 0;
  for (const t of input.tensors) {
    if (names.has(t.name)) throw new GgufError("INVALID", `duplicate tensor name ${t.name}`);
    names.add(t.name);
    if (t.name.length === 0 || Buffer.byteLength(t.name) >= GGML_MAX_NAME) {
      throw new GgufError("INVALID", `tensor name "${t.name}" must be 1..${GGML_MAX_NAME - 1} bytes`);
    }
    if (t.dims.length < 1 || t.dims.length > 4) {
      throw new GgufError("INVALID", `tensor ${t.name}: needs 1 to 4 dims, got ${t.dims.length}`);
    }
    let byteSize: number;
    let elements: number;
    try {
      elements = tensorElementCount(t.dims);
      byteSize = tensorByteSize(t.type, t.dims);
    } catch (err) {
      throw new GgufError("INVALID", `tensor ${t.name}: ${(err as Error).message}`, { cause: err });
    }
    h.str(t.name);
    h.u32(t.dims.length);
    for (const d of t.dims) h.u64(d);
    h.u32(t.type);
    h.u64(rel);
    layout.push({ rel, byteSize, elements });
    rel += Math.ceil(byteSize / alignment) * alignment;
  }
  h.padTo(alignment);
  const dataOffset = h.length;

  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
  const fh = await open(tmp, "w");
  let written = 0;
  const sink: Sink = async (bytes) => {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await fh.write(bytes, done, bytes.length - done);
      done += bytesWritten;
    }
    written += bytes.length;
  };
  const zeros = new Uint8Array(alignment);
  try {
    await sink(h.bytes());
    for (const [i, t] of input.tensors.entries()) {
      const { rel: tensorRel, byteSize, elements } = layout[i] ?? { rel: 0, byteSize: 0, elements: 0 };
      const start = written;
      if ("raw" in t) await writeRawTensor(t, byteSize, sink);
      else await writeFloatTensor(t, elements, sink);
      if (written - start !== byteSize || start !== dataOffset + tensorRel) {
        throw new GgufError(
          "INVALID",
          `tensor ${t.name}: wrote ${written - start} bytes, expected ${byteSize}`,
        );
      }
      const pad = (alignment - (written % alignment)) % alignment;
      if (pad > 0) await sink(zeros.subarray(0, pad));
    }
    await fh.close();
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }

  const tensors = input.tensors.map((t, i): GgufTensorInfo => {
    const l = layout[i] ?? { rel: 0, byteSize: 0 };
    return {
      name: t.name,
      dims: [...t.dims],
      type: t.type,
      offset: dataOffset + l.rel,
      byteSize: l.byteSize,
    };
  });
  return { fileSize: written, alignment, dataOffset, tensors };
}
