// GGUF writer → reader round trips: every metadata type, F32/F16/Q8_0/raw tensors, layout and error cases.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GgmlType,
  GgufError,
  GgufValueType,
  SeededRandom,
  decodeF16,
  dequantizeQ8_0,
  encodeF16,
  f16ToF32,
  f32BitsToF16Bits,
  f32ToF16,
  gguf,
  ggmlTypeInfo,
  quantizeQ8_0,
  readGguf,
  readTensorData,
  tensorByteSize,
  writeGguf,
  type GgufValue,
} from "../src/gguf/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gguf-roundtrip-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** ggml's ggml_compute_fp32_to_fp16 ported line by line (float32 arithmetic via Math.fround). */
function ggmlFp32ToFp16(bitsIn: number): number {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const fromBits = (b: number): number => {
    u32[0] = b >>> 0;
    return f32[0] ?? 0;
  };
  const toBits = (x: number): number => {
    f32[0] = x;
    return u32[0] ?? 0;
  };
  const f = fromBits(bitsIn);
  const fr = Math.fround;
  let base = fr(fr(Math.abs(f) * 2 ** 112) * 2 ** -110);
  const w = bitsIn >>> 0;
  const shl1w = (w + w) >>> 0;
  const sign = (w & 0x80000000) >>> 0;
  let bias = (shl1w & 0xff000000) >>> 0;
  if (bias < 0x71000000) bias = 0x71000000;
  base = fr(fromBits(((bias >>> 1) + 0x07800000) >>> 0) + base);
  const bits = toBits(base);
  const expBits = (bits >>> 13) & 0x7c00;
  const mantissaBits = bits & 0xfff;
  const nonsign = expBits + mantissaBits;
  return ((sign >>> 16) | (shl1w > 0xff000000 ? 0x7e00 : nonsign)) & 0xffff;
}

describe("F16 conversion", () => {
  it("produces the known bit patterns, rounding ties to even", () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
      [65504, 0x7bff], // largest finite
      [65519, 0x7bff], // below the halfway point
      [65520, 0x7c00], // halfway to 65536: ties to even = infinity
      [1e6, 0x7c00],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [NaN, 0x7e00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -14 - 2 ** -24, 0x03ff], // largest subnormal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // tie between 0 and 2^-24: to even (0)
      [3 * 2 ** -25, 0x0002], // tie between 1 and 2 units: to even (2)
      [2 ** -25 * 1.0000001, 0x0001], // just above the tie
      [-(2 ** -24), 0x8001],
      [1e-10, 0x0000],
      [1 + 2 ** -11, 0x3c00], // tie between 1 and 1+2^-10: to even
      [1 + 3 * 2 ** -11, 0x3c02], // tie between odd and even mantissa: up to even
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie
    ];
    for (const [x, bits] of cases) {
      expect(f32ToF16(x), `f32ToF16(${x})`).toBe(bits);
    }
  });

  it("matches ggml's reference conversion bit for bit", () => {
    const rng = new SeededRandom(7);
    const special = [
      0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0x00000001, 0x33000000, 0x33000001,
    ];
    for (let e = 90; e <= 150; e++) {
      for (const m of [0, 1, 0xfff, 0x1000, 0x1fff, 0x2000, 0x3000, 0x7fffff])
        special.push(((e << 23) | m) >>> 0);
    }
    const samples = [...special];
    for (let i = 0; i < 200_000; i++) samples.push(Math.floor(rng.next() * 2 ** 32));
    for (const w of samples) {
      const got = f32BitsToF16Bits(w);
      if (got !== ggmlFp32ToFp16(w)) expect(got, `bits 0x${w.toString(16)}`).toBe(ggmlFp32ToFp16(w));
    }
  });

  it("decodes every F16 value back exactly", () => {
    for (let h = 0; h < 0x10000; h++) {
      const x = f16ToF32(h);
      if (Number.isNaN(x)) continue;
      if (f32ToF16(x) !== h) expect(f32ToF16(x), `h=0x${h.toString(16)}`).toBe(h);
    }
  });
});

describe("Q8_0 quantization", () => {
  it("uses d = amax/127 and rounds half away from zero like ggml", () => {
    const x = new Float32Array(32);
    x.set([127, 0.5, -0.5, 1.5, -2.5, 2.5, -127, 0.49]);
    const q = quantizeQ8_0(x);
    expect(q.length).toBe(34);
    expect((q[0] ?? 0) | ((q[1] ?? 0) << 8)).toBe(0x3c00); // d = 1.0
    const ints = Array.from(q.subarray(2, 10), (b) => (b << 24) >> 24);
    expect(ints).toEqual([127, 1, -1, 2, -3, 3, -127, 0]);
    expect(Array.from(dequantizeQ8_0(q).subarray(0, 8))).toEqual([127, 1, -1, 2, -3, 3, -127, 0]);
  });

  it("quantizes an all-zero block to d = 0", () => {
    const q = quantizeQ8_0(new Float32Array(64));
    expect(Array.from(q)).toEqual(new Array<number>(68).fill(0));
  });
});

describe("tensorByteSize", () => {
  it("knows the block layouts of the k-quants and friends", () => {
    const expected: [GgmlType, number, number][] = [
      [GgmlType.F32, 1, 4],
      [GgmlType.F16, 1, 2],
      [GgmlType.BF16, 1, 2],
      [GgmlType.Q4_0, 32, 18],
      [GgmlType.Q4_1, 32, 20],
      [GgmlType.Q5_0, 32, 22],
      [GgmlType.Q5_1, 32, 24],
      [GgmlType.Q8_0, 32, 34],
      [GgmlType.Q8_1, 32, 36],
      [GgmlType.Q2_K, 256, 84],
      [GgmlType.Q3_K, 256, 110],
      [GgmlType.Q4_K, 256, 144],
      [GgmlType.Q5_K, 256, 176],
      [GgmlType.Q6_K, 256, 210],
      [GgmlType.Q8_K, 256, 292],
      [GgmlType.IQ2_XXS, 256, 66],
      [GgmlType.IQ2_XS, 256, 74],
      [GgmlType.IQ3_XXS, 256, 98],
      [GgmlType.IQ1_S, 256, 50],
      [GgmlType.IQ4_NL, 32, 18],
      [GgmlType.IQ3_S, 256, 110],
      [GgmlType.IQ2_S, 256, 82],
      [GgmlType.IQ4_XS, 256, 136],
      [GgmlType.IQ1_M, 256, 56],
      [GgmlType.TQ1_0, 256, 54],
      [GgmlType.TQ2_0, 256, 66],
      [GgmlType.MXFP4, 32, 17],
    ];
    for (const [type, blockSize, bytes] of expected) {
      expect(ggmlTypeInfo(type), ggmlTypeInfo(type).name).toMatchObject({ blockSize, bytesPerBlock: bytes });
    }
    expect(tensorByteSize(GgmlType.Q4_K, [4096, 11008])).toBe((4096 / 256) * 11008 * 144);
    expect(() => tensorByteSize(GgmlType.Q8_0, [30, 2])).toThrow(/block size 32/);
  });
});

describe("writeGguf / readGguf", () => {
  const vocab = Array.from({ length: 50_000 }, (_, i) => (i % 3 === 0 ? `▁слово${i}` : `<0x${i}>🙂`));
  const metadata: Record<string, GgufValue> = {
    "general.architecture": gguf.str("llama"),
    "t.u8": gguf.u8(255),
    "t.i8": gguf.i8(-128),
    "t.u16": gguf.u16(65535),
    "t.i16": gguf.i16(-32768),
    "t.u32": gguf.u32(0xffffffff),
    "t.i32": gguf.i32(-0x80000000),
    "t.f32": gguf.f32(1e-5),
    "t.f64": gguf.f64(Math.PI),
    "t.bool.true": gguf.bool(true),
    "t.bool.false": gguf.bool(false),
    "t.str": gguf.str("Привет, мир! 🙂 \u2581 tab\tnl\n"),
    "t.str.empty": gguf.str(""),
    "t.u64": gguf.u64(2n ** 64n - 1n),
    "t.i64": gguf.i64(-(2n ** 63n)),
    "t.arr.u8": gguf.arr(GgufValueType.UINT8, [0, 1, 255]),
    "t.arr.i8": gguf.arr(GgufValueType.INT8, [-128, 127]),
    "t.arr.u16": gguf.arr(GgufValueType.UINT16, [65535]),
    "t.arr.i16": gguf.arr(GgufValueType.INT16, [-32768, 1]),
    "t.arr.u32": gguf.arr(GgufValueType.UINT32, [0, 0xffffffff]),
    "t.arr.i32": gguf.arr(GgufValueType.INT32, [-1, 2, 3]),
    "t.arr.f32": gguf.arr(GgufValueType.FLOAT32, new Float32Array([0.5, -1.25, 3e38])),
    "t.arr.f64": gguf.arr(GgufValueType.FLOAT64, [Math.E, -0]),
    "t.arr.bool": gguf.arr(GgufValueType.BOOL, [true, false, true]),
    "t.arr.u64": gguf.arr(GgufValueType.UINT64, [0n, 2n ** 64n - 1n]),
    "t.arr.i64": gguf.arr(GgufValueType.INT64, [-(2n ** 63n), 5]),
    "t.arr.empty": gguf.arr(GgufValueType.STRING, []),
    "t.arr.nested": gguf.arr(GgufValueType.ARRAY, [
      gguf.arr(GgufValueType.INT32, [1, 2]),
      gguf.arr(GgufValueType.STRING, ["a", "б"]),
    ]),
    "tokenizer.ggml.tokens": gguf.arr(GgufValueType.STRING, vocab),
  };

  it("round-trips metadata of every value type, in order", async () => {
    const path = join(dir, "meta.gguf");
    await writeGguf(path, { metadata, tensors: [] });
    const started = performance.now();
    const file = await readGguf(path);
    const elapsed = performance.now() - started;

    expect(file.version).toBe(3);
    expect(file.tensors).toEqual([]);
    expect(Object.keys(file.metadata)).toEqual(Object.keys(metadata));
    for (const [key, value] of Object.entries(metadata)) {
      if (key === "t.f32") continue;
      expect(file.metadata[key], key).toEqual(value);
    }
    expect(file.metadata["t.f32"]).toEqual({ type: GgufValueType.FLOAT32, value: Math.fround(1e-5) });
    // A 50k-entry vocabulary must not be a bottleneck (generous bound: this is a smoke check).
    expect(elapsed).toBeLessThan(2000);
  });

  it("rejects values that do not fit their type", () => {
    expect(() => gguf.u8(256)).toThrow(RangeError);
    expect(() => gguf.i32(1.5)).toThrow(RangeError);
    expect(() => gguf.u64(-1n)).toThrow(RangeError);
    expect(() => gguf.u64(2 ** 60)).toThrow(RangeError); // unsafe number: use a bigint
    expect(() => gguf.arr(GgufValueType.UINT16, [70000])).toThrow(RangeError);
  });

  it("round-trips F32 exactly, F16 and Q8_0 within their error, with aligned offsets", async () => {
    const rng = new SeededRandom(42);
    const f32 = rng.fillNormal(new Float32Array(3 * 5), 1);
    f32.set([0, -0, 65504, 1e-7, Infinity]);
    const f16 = rng.fillNormal(new Float32Array(64 * 3), 0.5);
    f16.set([65520, 2 ** -25, 3 * 2 ** -25, -Infinity, 1 + 2 ** -11]);
    const q8 = rng.fillNormal(new Float32Array(96 * 4), 0.02);
    const path = join(dir, "tensors.gguf");
    const written = await writeGguf(path, {
      metadata: { "general.architecture": gguf.str("test") },
      tensors: [
        { name: "a.f32", dims: [3, 5], type: GgmlType.F32, data: f32 },
        { name: "b.f16", dims: [64, 3], type: GgmlType.F16, data: f16 },
        { name: "c.q8_0", dims: [96, 4], type: GgmlType.Q8_0, data: q8 },
        { name: "d.1d", dims: [7], type: GgmlType.F32, data: new Float32Array(7).fill(1) },
      ],
    });
    const file = await readGguf(path);
    expect(file.tensors).toEqual(written.tensors);
    expect(file.alignment).toBe(32);
    expect(file.fileSize).toBe(written.fileSize);
    expect(file.dataOffset % 32).toBe(0);
    for (const t of file.tensors) expect(t.offset % 32, t.name).toBe(0);
    expect(file.tensors.map((t) => [t.name, t.dims, t.type, t.byteSize])).toEqual([
      ["a.f32", [3, 5], GgmlType.F32, 60],
      ["b.f16", [64, 3], GgmlType.F16, 384],
      ["c.q8_0", [96, 4], GgmlType.Q8_0, 12 * 34],
      ["d.1d", [7], GgmlType.F32, 28],
    ]);
    const [a, b, c, d] = file.tensors;
    if (!a || !b || !c || !d) throw new Error("missing tensors");

    const aData = await readTensorData(path, a);
    expect(new Float32Array(aData.buffer, aData.byteOffset, 15)).toEqual(f32);

    const bData = await readTensorData(path, b);
    const bBits = new Uint16Array(bData.buffer.slice(bData.byteOffset, bData.byteOffset + bData.length));
    expect(Array.from(bBits.subarray(0, 5))).toEqual([0x7c00, 0x0000, 0x0002, 0xfc00, 0x3c00]);
    expect(bBits).toEqual(encodeF16(f16));
    const bBack = decodeF16(bData);
    for (let i = 5; i < f16.length; i++) {
      const x = f16[i] ?? 0;
      expect(Math.abs((bBack[i] ?? 0) - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 2 ** -25);
    }

    const cData = await readTensorData(path, c);
    expect(new Uint8Array(cData)).toEqual(quantizeQ8_0(q8));
    const cBack = dequantizeQ8_0(cData);
    for (let blk = 0; blk < q8.length / 32; blk++) {
      const block = q8.subarray(blk * 32, blk * 32 + 32);
      const amax = Math.max(...Array.from(block, Math.abs));
      // Rounding to the int8 grid costs at most d/2; the f16 scale adds a relative 2^-11 on top.
      const bound = (amax / 127) * 0.5 + amax * 2 ** -10;
      for (let j = 0; j < 32; j++) {
        expect(Math.abs((cBack[blk * 32 + j] ?? 0) - (block[j] ?? 0))).toBeLessThanOrEqual(bound);
      }
    }

    // Padding between tensors is zeros.
    const bytes = await readFile(path);
    expect(bytes.subarray(a.offset + a.byteSize, b.offset).every((x) => x === 0)).toBe(true);
  });

  it("respects general.alignment and accepts chunked sources", async () => {
    const values = new SeededRandom(3).fillNormal(new Float32Array(128 * 3), 1);
    const whole = join(dir, "whole.gguf");
    const chunked = join(dir, "chunked.gguf");
    const meta = { "general.alignment": gguf.u32(64) };
    await writeGguf(whole, {
      metadata: meta,
      tensors: [
        { name: "x", dims: [1], type: GgmlType.F32, data: new Float32Array([1]) },
        { name: "q", dims: [128, 3], type: GgmlType.Q8_0, data: values },
      ],
    });
    await writeGguf(chunked, {
      metadata: meta,
      tensors: [
        { name: "x", dims: [1], type: GgmlType.F32, data: new Float32Array([1]) },
        {
          name: "q",
          dims: [128, 3],
          type: GgmlType.Q8_0,
          // Odd chunk sizes straddle Q8_0 blocks on purpose.
          data: async function* () {
            for (let i = 0; i < values.length; i += 37) yield values.slice(i, i + 37);
          },
        },
      ],
    });
    const file = await readGguf(chunked);
    expect(file.alignment).toBe(64);
    for (const t of file.tensors) expect(t.offset % 64).toBe(0);
    const sha = async (p: string): Promise<string> =>
      createHash("sha256")
        .update(await readFile(p))
        .digest("hex");
    expect(await sha(chunked)).toBe(await sha(whole));
  });

  it("stores pre-encoded blocks of any type with the right sizes", async () => {
    const q4k = randomBytes(tensorByteSize(GgmlType.Q4_K, [512, 3]));
    const q6k = randomBytes(tensorByteSize(GgmlType.Q6_K, [256, 2]));
    const path = join(dir, "raw.gguf");
    await writeGguf(path, {
      metadata: {},
      tensors: [
        { name: "q4k", dims: [512, 3], type: GgmlType.Q4_K, raw: q4k },
        {
          name: "q6k",
          dims: [256, 2],
          type: GgmlType.Q6_K,
          raw: function* () {
            yield q6k.subarray(0, 100);
            yield q6k.subarray(100);
          },
        },
      ],
    });
    const file = await readGguf(path);
    const [t4, t6] = file.tensors;
    if (!t4 || !t6) throw new Error("missing tensors");
    expect(t4.byteSize).toBe(2 * 3 * 144);
    expect(t6.byteSize).toBe(2 * 210);
    expect(await readTensorData(path, t4)).toEqual(q4k);
    expect(await readTensorData(path, t6)).toEqual(q6k);
  });

  it("refuses inconsistent tensors and leaves no file behind", async () => {
    const path = join(dir, "bad-write.gguf");
    const write = (tensor: Parameters<typeof writeGguf>[1]["tensors"][number]): Promise<unknown> =>
      writeGguf(path, { metadata: {}, tensors: [tensor] });
    await expect(
      write({ name: "t", dims: [30], type: GgmlType.Q8_0, data: new Float32Array(30) }),
    ).rejects.toMatchObject({
      code: "INVALID",
    });
    await expect(
      write({ name: "t", dims: [4, 2], type: GgmlType.F16, data: new Float32Array(7) }),
    ).rejects.toThrow(/got 7 values, dims need 8/);
    await expect(
      write({ name: "t", dims: [256], type: GgmlType.Q4_K, raw: new Uint8Array(145) }),
    ).rejects.toThrow(/more than the 144 bytes/);
    await expect(
      writeGguf(path, { metadata: { "general.alignment": gguf.u32(48) }, tensors: [] }),
    ).rejects.toMatchObject({ code: "INVALID" });
    await expect(readFile(path)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("readGguf errors", () => {
  it("reports bad magic", async () => {
    const path = join(dir, "bad-magic.gguf");
    await writeFile(path, Buffer.from("GGML and then some bytes"));
    const err = await readGguf(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GgufError);
    expect(err).toMatchObject({ code: "BAD_MAGIC" });
  });

  it("reports unsupported versions", async () => {
    const path = join(dir, "v1.gguf");
    const header = Buffer.alloc(24);
    header.write("GGUF", 0, "latin1");
    header.writeUInt32LE(1, 4);
    await writeFile(path, header);
    await expect(readGguf(path)).rejects.toMatchObject({ code: "UNSUPPORTED_VERSION" });
    header.writeUInt32LE(0x03000000, 4); // a big-endian v3 file
    await writeFile(path, header);
    await expect(readGguf(path)).rejects.toThrow(/big-endian/);
  });

  it("reports truncation in the header and in tensor data", async () => {
    const path = join(dir, "trunc.gguf");
    await writeGguf(path, {
      metadata: { "tokenizer.ggml.tokens": gguf.arr(GgufValueType.STRING, ["a", "b", "c"]) },
      tensors: [{ name: "w", dims: [1024], type: GgmlType.F32, data: new Float32Array(1024) }],
    });
    const { dataOffset, fileSize } = await readGguf(path);

    await truncate(path, fileSize - 100);
    await expect(readGguf(path)).rejects.toMatchObject({ code: "TRUNCATED" });
    await truncate(path, dataOffset - 10);
    await expect(readGguf(path)).rejects.toMatchObject({ code: "TRUNCATED" });
    await truncate(path, 30);
    await expect(readGguf(path)).rejects.toMatchObject({ code: "TRUNCATED" });
    await truncate(path, 2);
    await expect(readGguf(path)).rejects.toMatchObject({ code: "BAD_MAGIC" });
  });

  it("rejects absurd counts without allocating for them", async () => {
    const path = join(dir, "huge-count.gguf");
    const b = Buffer.alloc(64);
    b.write("GGUF", 0, "latin1");
    b.writeUInt32LE(3, 4);
    b.writeBigUInt64LE(0n, 8); // tensors
    b.writeBigUInt64LE(1n, 16); // kv pairs
    b.writeBigUInt64LE(1n, 24); // key length
    b.write("k", 32, "latin1");
    b.writeUInt32LE(GgufValueType.ARRAY, 33);
    b.writeUInt32LE(GgufValueType.STRING, 37);
    b.writeBigUInt64LE(2n ** 40n, 41); // a trillion strings in a 64-byte file
    await writeFile(path, b);
    await expect(readGguf(path)).rejects.toMatchObject({ code: "TRUNCATED" });
  });
});
