// Reads the header of a GGUF (v2/v3) file — metadata and tensor infos — without loading tensor data.
import { open, type FileHandle } from "node:fs/promises";
import { GgufError } from "./gguf-error.js";
import { GGUF_SCALAR_SIZE, GgufValueType, ggufValueTypeName } from "./gguf-value-type.js";
import type { GgufArrayValue, GgufValue } from "./gguf-value.js";
import { isGgmlType, tensorByteSize, type GgmlType } from "./ggml-type.js";

/** `GGUF` read as a little-endian u32. */
export const GGUF_MAGIC = 0x46554747;
/** Alignment of tensor data when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Where a tensor lives in a GGUF file. */
export interface GgufTensorInfo {
  readonly name: string;
  /** Dimensions in ggml `ne` order: dims[0] is the contiguous row length. */
  readonly dims: readonly number[];
  readonly type: GgmlType;
  /** Absolute byte offset of the tensor data in the file. */
  readonly offset: number;
  readonly byteSize: number;
}

/** A parsed GGUF header. */
export interface GgufFile {
  readonly version: number;
  /** Metadata in file order; a null-prototype object so that any key is safe. */
  readonly metadata: Record<string, GgufValue>;
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  /** Absolute offset of the (aligned) tensor data section. */
  readonly dataOffset: number;
  readonly fileSize: number;
}

// Big enough that a LLaMA vocabulary is parsed in a handful of reads.
const CHUNK = 1 << 20;
// ggml's GGML_MAX_DIMS and GGML_MAX_NAME: llama.cpp refuses files beyond them, so do we.
const MAX_DIMS = 4;
const MAX_NAME_BYTES = 64;

/** A forward-only buffered reader over a FileHandle. */
class Cursor {
  private buf = Buffer.allocUnsafe(CHUNK);
  private start = 0;
  private end = 0;
  private filePos = 0;

  constructor(
    private readonly fh: FileHandle,
    readonly fileSize: number,
    private readonly path: string,
  ) {}

  /** Absolute file position of the next unread byte. */
  get position(): number {
    return this.filePos - (this.end - this.start);
  }

  get available(): number {
    return this.end - this.start;
  }

  /** Makes at least `n` bytes available, or throws TRUNCATED. */
  async fill(n: number, what: string): Promise<void> {
    if (this.end - this.start >= n) return;
    if (this.position + n > this.fileSize) {
      throw new GgufError(
        "TRUNCATED",
        `${this.path}: file ends at byte ${this.fileSize} while reading ${what} (${n} bytes at ${this.position})`,
      );
    }
    const left = this.end - this.start;
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
      this.buf.copy(bigger, 0, this.start, this.end);
      this.buf = bigger;
    } else {
      this.buf.copy(this.buf, 0, this.start, this.end);
    }
    this.start = 0;
    this.end = left;
    while (this.end < n) {
      const { bytesRead } = await this.fh.read(this.buf, this.end, this.buf.length - this.end, this.filePos);
      if (bytesRead === 0) {
        throw new GgufError("TRUNCATED", `${this.path}: unexpected end of file while reading ${what}`);
      }
      this.end += bytesRead;
      this.filePos += bytesRead;
    }
  }

  // The synchronous readers below assume a preceding fill().
  u8(): number {
    return this.buf[this.start++] ?? 0;
  }
  i8(): number {
    const v = this.buf.readInt8(this.start);
    this.start += 1;
    return v;
  }
  u16(): number {
    const v = this.buf.readUInt16LE(this.start);
    this.start += 2;
    return v;
  }
  i16(): number {
    const v = this.buf.readInt16LE(this.start);
    this.start += 2;
    return v;
  }
  u32(): number {
    const v = this.buf.readUInt32LE(this.start);
    this.start += 4;
    return v;
  }
  i32(): number {
    const v = this.buf.readInt32LE(this.start);
    this.start += 4;
    return v;
  }
  f32(): number {
    const v = this.buf.readFloatLE(this.start);
    this.start += 4;
    return v;
  }
  f64(): number {
    const v = this.buf.readDoubleLE(this.start);
    this.start += 8;
    return v;
  }
  u64big(): bigint {
    const v = this.buf.readBigUInt64LE(this.start);
    this.start += 8;
    return v;
  }
  i64big(): bigint {
    const v = this.buf.readBigInt64LE(this.start);
    this.start += 8;
    return v;
  }
  /** A u64 that must be a safe JS integer (counts, lengths, offsets). */
  u64(what: string): number {
    const lo = this.buf.readUInt32LE(this.start);
    const hi = this.buf.readUInt32LE(this.start + 4);
    this.start += 8;
    if (hi >= 0x200000) throw new GgufError("INVALID", `${this.path}: ${what} is too large`);
    return hi * 0x100000000 + lo;
  }
  utf8(len: number): string {
    const s = this.buf.toString("utf8", this.start, this.start + len);
    this.start += len;
    return s;
  }
}

async function readString(c: Cursor, what: string): Promise<string> {
  if (c.available < 8) await c.fill(8, what);
  const len = c.u64(`length of ${what}`);
  if (c.available < len) await c.fill(len, what);
  return c.utf8(len);
}

/** Byte width of fixed-size value types, looked up by any (possibly invalid) type id read from a file. */
const FIXED_SIZE: Partial<Record<number, number>> = GGUF_SCALAR_SIZE;

function readFixed(c: Cursor, type: number): number | bigint | boolean {
  switch (type) {
    case GgufValueType.UINT8:
      return c.u8();
    case GgufValueType.INT8:
      return c.i8();
    case GgufValueType.UINT16:
      return c.u16();
    case GgufValueType.INT16:
      return c.i16();
    case GgufValueType.UINT32:
      return c.u32();
    case GgufValueType.INT32:
      return c.i32();
    case GgufValueType.FLOAT32:
      return c.f32();
    case GgufValueType.FLOAT64:
      return c.f64();
    case GgufValueType.UINT64:
      return c.u64big();
    case GgufValueType.INT64:
      return c.i64big();
    default:
      // BOOL: gguf.cpp accepts any byte, treating non-zero as true.
      return c.u8() !== 0;
  }
}

async function readValue(c: Cursor, type: number, key: string, path: string): Promise<GgufValue> {
  if (type === GgufValueType.STRING) return { type, value: await readString(c, `value of ${key}`) };
  if (type === GgufValueType.ARRAY) return readArray(c, key, path);
  const size = FIXED_SIZE[type];
  if (size === undefined) {
    throw new GgufError("INVALID", `${path}: metadata ${key} has unknown value type ${type}`);
  }
  if (c.available < size) await c.fill(size, `value of ${key}`);
  return { type, value: readFixed(c, type) } as GgufValue;
}

async function readArray(c: Cursor, key: string, path: string): Promise<GgufArrayValue> {
  if (c.available < 12) await c.fill(12, `array header of ${key}`);
  const itemType = c.u32();
  const count = c.u64(`item count of ${key}`);
  const size = FIXED_SIZE[itemType];
  if (size !== undefined) {
    // Reject counts the file cannot hold before allocating for them.
    if (c.position + count * size > c.fileSize) {
      throw new GgufError(
        "TRUNCATED",
        `${path}: array ${key} of ${count} items runs past the end of the file`,
      );
    }
    const items: (number | bigint | boolean)[] = new Array<number | bigint | boolean>(count);
    let i = 0;
    while (i < count) {
      if (c.available < size) await c.fill(size, `array ${key}`);
      const n = Math.min(count - i, Math.floor(c.available / size));
      for (let k = 0; k < n; k++) items[i++] = readFixed(c, itemType);
    }
    return { type: GgufValueType.ARRAY, itemType, value: items } as GgufArrayValue;
  }
  if (itemType === GgufValueType.STRING) {
    // Every string takes at least its 8-byte length.
    if (c.position + count * 8 > c.fileSize) {
      throw new GgufError(
        "TRUNCATED",
        `${path}: array ${key} of ${count} strings runs past the end of the file`,
      );
    }
    const items = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      if (c.available < 8) await c.fill(8, `array ${key}`);
      const len = c.u64(`string length in ${key}`);
      if (c.available < len) await c.fill(len, `array ${key}`);
      items[i] = c.utf8(len);
    }
    return { type: GgufValueType.ARRAY, itemType, value: items };
  }
  if (itemType === GgufValueType.ARRAY) {
    if (c.position + count * 12 > c.fileSize) {
      throw new GgufError(
        "TRUNCATED",
        `${path}: array ${key} of ${count} arrays runs past the end of the file`,
      );
    }
    const items: GgufArrayValue[] = [];
    for (let i = 0; i < count; i++) items.push(await readArray(c, key, path));
    return { type: GgufValueType.ARRAY, itemType, value: items };
  }
  throw new GgufError(
    "INVALID",
    `${path}: array ${key} has unknown item type ${ggufValueTypeName(itemType)}`,
  );
}

/**
 * Parses the header of the GGUF file at `path`: metadata, tensor infos (with absolute offsets)
 * and layout. Tensor data is not read. Throws {@link GgufError} with code BAD_MAGIC,
 * UNSUPPORTED_VERSION, TRUNCATED, INVALID or UNSUPPORTED_TENSOR_TYPE.
 */
export async function readGguf(path: string): Promise<GgufFile> {
  const fh = await open(path, "r");
  try {
    const fileSize = (await fh.stat()).size;
    const c = new Cursor(fh, fileSize, path);
    if (fileSize < 4)
      throw new GgufError("BAD_MAGIC", `${path}: too short to be a GGUF file (${fileSize} bytes)`);
    await c.fill(4, "magic");
    const magic = c.u32();
    if (magic !== GGUF_MAGIC) {
      throw new GgufError(
        "BAD_MAGIC",
        `${path}: not a GGUF file (magic 0x${magic.toString(16).padStart(8, "0")})`,
      );
    }
    await c.fill(4 + 8 + 8, "header");
    const version = c.u32();
    if (version !== 2 && version !== 3) {
      const hint =
        version !== 0 && (version & 0xffff) === 0
          ? " (a big-endian file?)"
          : version === 1
            ? " (GGUF v1 is obsolete)"
            : "";
      throw new GgufError("UNSUPPORTED_VERSION", `${path}: unsupported GGUF version ${version}${hint}`);
    }
    const tensorCount = c.u64("tensor count");
    const kvCount = c.u64("metadata count");

    const metadata: Record<string, GgufValue> = Object.create(null) as Record<string, GgufValue>;
    for (let i = 0; i < kvCount; i++) {
      const key = await readString(c, `metadata key #${i}`);
      if (key in metadata) throw new GgufError("INVALID", `${path}: duplicate metadata key ${key}`);
      if (c.available < 4) await c.fill(4, `type of ${key}`);
      metadata[key] = await readValue(c, c.u32(), key, path);
    }

    const alignValue = metadata["general.alignment"];
    let alignment = GGUF_DEFAULT_ALIGNMENT;
    if (alignValue !== undefined) {
      if (alignValue.type !== GgufValueType.UINT32) {
        throw new GgufError("INVALID", `${path}: general.alignment must be UINT32`);
      }
      alignment = alignValue.value;
      if (alignment === 0 || (alignment & (alignment - 1)) !== 0) {
        throw new GgufError("INVALID", `${path}: general.alignment ${alignment} is not a power of two`);
      }
    }

    const raw: { name: string; dims: number[]; type: GgmlType; rel: number }[] = [];
    const names = new Set<string>();
    for (let i = 0; i < tensorCount; i++) {
      const name = await readString(c, `tensor name #${i}`);
      if (Buffer.byteLength(name) >= MAX_NAME_BYTES)
        throw new GgufError("INVALID", `${path}: tensor name ${name} is too long`);
      if (names.has(name)) throw new GgufError("INVALID", `${path}: duplicate tensor ${name}`);
      names.add(name);
      await c.fill(4, `tensor ${name}`);
      const nDims = c.u32();
      if (nDims > MAX_DIMS) throw new GgufError("INVALID", `${path}: tensor ${name} has ${nDims} dimensions`);
      await c.fill(nDims * 8 + 4 + 8, `tensor ${name}`);
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(c.u64(`dimension of ${name}`));
      const type = c.u32();
      if (!isGgmlType(type)) {
        throw new GgufError(
          "UNSUPPORTED_TENSOR_TYPE",
          `${path}: tensor ${name} has unknown ggml type ${type}`,
        );
      }
      const rel = c.u64(`offset of ${name}`);
      if (rel % alignment !== 0) throw new GgufError("INVALID", `${path}: tensor ${name} is not aligned`);
      raw.push({ name, dims, type, rel });
    }

    // The data section starts at the next alignment boundary after the tensor infos.
    const dataOffset = tensorCount > 0 ? Math.ceil(c.position / alignment) * alignment : c.position;
    const tensors = raw.map(({ name, dims, type, rel }): GgufTensorInfo => {
      let byteSize: number;
      try {
        byteSize = tensorByteSize(type, dims);
      } catch (err) {
        throw new GgufError("INVALID", `${path}: tensor ${name}: ${(err as Error).message}`, { cause: err });
      }
      const offset = dataOffset + rel;
      if (offset + byteSize > fileSize) {
        throw new GgufError(
          "TRUNCATED",
          `${path}: data of tensor ${name} ends at byte ${offset + byteSize}, past the end of the file (${fileSize})`,
        );
      }
      return { name, dims, type, offset, byteSize };
    });
    return { version, metadata, tensors, alignment, dataOffset, fileSize };
  } finally {
    await fh.close();
  }
}

/** Reads one tensor's raw bytes (as stored: F16 bits, Q8_0 blocks, …) into memory. */
export async function readTensorData(path: string, info: GgufTensorInfo): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const out = Buffer.allocUnsafe(info.byteSize);
    let done = 0;
    while (done < info.byteSize) {
      const { bytesRead } = await fh.read(out, done, info.byteSize - done, info.offset + done);
      if (bytesRead === 0) throw new GgufError("TRUNCATED", `${path}: file ends inside tensor ${info.name}`);
      done += bytesRead;
    }
    return out;
  } finally {
    await fh.close();
  }
}
