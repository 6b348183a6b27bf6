// IEEE half (F16) and bfloat16 (BF16) conversions, bit-exact with ggml's reference conversions.

// One scratch word to reinterpret float32 bits in scalar conversions.
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/**
 * Converts float32 bits to F16 bits with round-to-nearest-even, overflow to ±inf,
 * gradual underflow into F16 subnormals and NaN → quiet NaN 0x7e00 (as ggml does).
 */
export function f32BitsToF16Bits(w: number): number {
  const sign = (w >>> 16) & 0x8000;
  const abs = w & 0x7fffffff;
  if (abs >= 0x7f800000) return sign | (abs > 0x7f800000 ? 0x7e00 : 0x7c00);
  // 65520 (halfway between 65504 and 65536) and above round to infinity.
  if (abs >= 0x477ff000) return sign | 0x7c00;
  if (abs >= 0x38800000) {
    // Normal range: rebias the exponent (127 → 15) and round the 13 dropped mantissa bits to even.
    const rounded = abs + 0xfff + ((abs >>> 13) & 1);
    return sign | ((rounded - 0x38000000) >>> 13);
  }
  // Below 2^-14: an F16 subnormal counts units of 2^-24; mantissa m with exponent e is m·2^(e-150).
  const e = abs >>> 23;
  const shift = 126 - e;
  if (shift > 24) return sign; // < 2^-25 (or an f32 subnormal): rounds to ±0
  const m = (abs & 0x7fffff) | 0x800000;
  let q = m >>> shift;
  const rem = m & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rem > half || (rem === half && (q & 1) === 1)) q += 1; // may carry into the smallest normal, which is right
  return sign | q;
}

/** Converts a number to F16 bits (via float32, as a C `float` argument would be). */
export function f32ToF16(x: number): number {
  scratchF32[0] = x;
  return f32BitsToF16Bits(scratchU32[0] ?? 0);
}

/** Converts F16 bits to the exact number they encode. */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** Encodes float32 values into F16 bits; `out` may be passed to avoid an allocation. */
export function encodeF16(src: Float32Array, out: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16Bits(bits[i] ?? 0);
  return out;
}

/** Decodes little-endian F16 data (bytes or 16-bit words) into float32 values. */
export function decodeF16(data: Uint8Array | Uint16Array): Float32Array {
  const n = data instanceof Uint16Array ? data.length : data.length >>> 1;
  const out = new Float32Array(n);
  if (data instanceof Uint16Array) {
    for (let i = 0; i < n; i++) out[i] = f16ToF32(data[i] ?? 0);
  } else {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < n; i++) out[i] = f16ToF32(view.getUint16(i * 2, true));
  }
  return out;
}

/** Converts float32 bits to BF16 bits with round-to-nearest-even; NaN stays a quiet NaN (ggml_compute_fp32_to_bf16). */
export function f32BitsToBf16Bits(w: number): number {
  if ((w & 0x7fffffff) > 0x7f800000) return ((w >>> 16) | 64) & 0xffff;
  return ((w + (0x7fff + ((w >>> 16) & 1))) >>> 16) & 0xffff;
}

/** Encodes float32 values into BF16 bits. */
export function encodeBf16(src: Float32Array, out: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToBf16Bits(bits[i] ?? 0);
  return out;
}

/** Decodes little-endian BF16 bytes into float32 values. */
export function decodeBf16(data: Uint8Array): Float32Array {
  const n = data.length >>> 1;
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, true) << 16;
  return out;
}
