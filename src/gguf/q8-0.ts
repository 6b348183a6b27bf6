// Q8_0 block quantization (32 values → f16 scale + 32 int8), bit-exact with ggml's quantize_row_q8_0_ref.
import { f16ToF32, f32ToF16 } from "./f16.js";

/** Values per Q8_0 block. */
export const Q8_0_BLOCK_SIZE = 32;
/** Bytes per Q8_0 block: a little-endian f16 scale followed by 32 int8 quants. */
export const Q8_0_BLOCK_BYTES = 34;

const fround = Math.fround;

/**
 * Quantizes `src` (length a multiple of 32) into Q8_0 blocks, doing the arithmetic in float32
 * like the C reference: d = amax/127, q = roundf(x · (1/d)) with ties away from zero.
 */
export function quantizeQ8_0(
  src: Float32Array,
  out: Uint8Array = new Uint8Array((src.length / Q8_0_BLOCK_SIZE) * Q8_0_BLOCK_BYTES),
): Uint8Array {
  if (src.length % Q8_0_BLOCK_SIZE !== 0) {
    throw new RangeError(`Q8_0 needs a multiple of ${Q8_0_BLOCK_SIZE} values, got ${src.length}`);
  }
  const blocks = src.length / Q8_0_BLOCK_SIZE;
  for (let b = 0; b < blocks; b++) {
    const base = b * Q8_0_BLOCK_SIZE;
    let amax = 0;
    for (let j = 0; j < Q8_0_BLOCK_SIZE; j++) {
      const v = Math.abs(src[base + j] ?? 0);
      // Same expression as C's MAX(amax, v) so that even NaN inputs pick the same scale.
      amax = amax > v ? amax : v;
    }
    const d = fround(amax / 127);
    const id = d !== 0 ? fround(1 / d) : 0;
    const h = f32ToF16(d);
    const o = b * Q8_0_BLOCK_BYTES;
    out[o] = h & 0xff;
    out[o + 1] = h >>> 8;
    for (let j = 0; j < Q8_0_BLOCK_SIZE; j++) {
      const x0 = fround((src[base + j] ?? 0) * id);
      // roundf: half away from zero; the int8 store wraps like C's conversion does for in-range values.
      const q = x0 < 0 ? -Math.floor(-x0 + 0.5) : Math.floor(x0 + 0.5);
      out[o + 2 + j] = q & 0xff;
    }
  }
  return out;
}

/** Dequantizes Q8_0 blocks into float32 values (x = d · q). */
export function dequantizeQ8_0(data: Uint8Array): Float32Array {
  if (data.length % Q8_0_BLOCK_BYTES !== 0) {
    throw new RangeError(`Q8_0 data must be a multiple of ${Q8_0_BLOCK_BYTES} bytes, got ${data.length}`);
  }
  const blocks = data.length / Q8_0_BLOCK_BYTES;
  const out = new Float32Array(blocks * Q8_0_BLOCK_SIZE);
  for (let b = 0; b < blocks; b++) {
    const o = b * Q8_0_BLOCK_BYTES;
    const d = f16ToF32((data[o] ?? 0) | ((data[o + 1] ?? 0) << 8));
    for (let j = 0; j < Q8_0_BLOCK_SIZE; j++) {
      const q = ((data[o + 2 + j] ?? 0) << 24) >> 24;
      out[b * Q8_0_BLOCK_SIZE + j] = d * q;
    }
  }
  return out;
}
