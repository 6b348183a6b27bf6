// ggml's dequantize_row_* (ggml-quants.c) for the block types Saiga GGUFs ship, written as plainly
// as there, block by block: the reference the trainer's vectorized torch decoders are checked against.
import { f16ToF32 } from "../../src/gguf/index.js";

/** The block types {@link referenceDequantize} decodes. */
export type ReferenceBlockType = keyof typeof BLOCK_LAYOUTS;

/** Per type: bytes per block, values per block, and the byte offsets of its FP16 scales. */
export const BLOCK_LAYOUTS = {
  Q4_0: { bytes: 18, values: 32, halves: [0] },
  Q4_1: { bytes: 20, values: 32, halves: [0, 2] },
  Q5_0: { bytes: 22, values: 32, halves: [0] },
  Q5_1: { bytes: 24, values: 32, halves: [0, 2] },
  Q2_K: { bytes: 84, values: 256, halves: [80, 82] },
  Q3_K: { bytes: 110, values: 256, halves: [108] },
  Q4_K: { bytes: 144, values: 256, halves: [0, 2] },
  Q5_K: { bytes: 176, values: 256, halves: [0, 2] },
  Q6_K: { bytes: 210, values: 256, halves: [208] },
} as const;

type Block = (i: number) => number;
type Half = (i: number) => number;

function q4_0(at: Block, half: Half, y: number[]): void {
  const d = half(0);
  const lo: number[] = [];
  const hi: number[] = [];
  for (let j = 0; j < 16; j++) {
    lo.push(((at(2 + j) & 0x0f) - 8) * d);
    hi.push(((at(2 + j) >> 4) - 8) * d);
  }
  y.push(...lo, ...hi);
}

function q4_1(at: Block, half: Half, y: number[]): void {
  const d = half(0);
  const m = half(2);
  const lo: number[] = [];
  const hi: number[] = [];
  for (let j = 0; j < 16; j++) {
    lo.push((at(4 + j) & 0x0f) * d + m);
    hi.push((at(4 + j) >> 4) * d + m);
  }
  y.push(...lo, ...hi);
}

/** Q5_0 (withMin false) and Q5_1: the fifth bit of value j is bit j of the 32-bit qh. */
function q5(at: Block, half: Half, y: number[], withMin: boolean): void {
  const d = half(0);
  const m = withMin ? half(2) : 0;
  const h = withMin ? 4 : 2;
  const qh = (at(h) | (at(h + 1) << 8) | (at(h + 2) << 16) | (at(h + 3) << 24)) >>> 0;
  const qs = h + 4;
  const lo: number[] = [];
  const hi: number[] = [];
  for (let j = 0; j < 16; j++) {
    const xh0 = ((qh >>> j) << 4) & 0x10;
    const xh1 = (qh >>> (j + 12)) & 0x10;
    const x0 = ((at(qs + j) & 0x0f) | xh0) - (withMin ? 0 : 16);
    const x1 = ((at(qs + j) >> 4) | xh1) - (withMin ? 0 : 16);
    lo.push(x0 * d + m);
    hi.push(x1 * d + m);
  }
  y.push(...lo, ...hi);
}

function q2_K(at: Block, half: Half, y: number[]): void {
  const d = half(80);
  const min = half(82);
  let q = 16;
  let is = 0;
  for (let n = 0; n < 256; n += 128) {
    for (let shift = 0; shift < 8; shift += 2) {
      let sc = at(is++);
      for (let l = 0; l < 16; l++) y.push(d * (sc & 0xf) * ((at(q + l) >> shift) & 3) - min * (sc >> 4));
      sc = at(is++);
      for (let l = 0; l < 16; l++) y.push(d * (sc & 0xf) * ((at(q + l + 16) >> shift) & 3) - min * (sc >> 4));
    }
    q += 32;
  }
}

function q3_K(at: Block, half: Half, y: number[]): void {
  const d = half(108);
  // The 12 scale bytes as three little-endian uint32 words, unpacked to 16 6-bit scales.
  const word = (i: number): number =>
    (at(96 + 4 * i) | (at(97 + 4 * i) << 8) | (at(98 + 4 * i) << 16) | (at(99 + 4 * i) << 24)) >>> 0;
  const kmask1 = 0x03030303;
  const kmask2 = 0x0f0f0f0f;
  const [a0, a1, tmp] = [word(0), word(1), word(2)];
  const aux = [
    (a0 & kmask2) | (((tmp >>> 0) & kmask1) << 4),
    (a1 & kmask2) | (((tmp >>> 2) & kmask1) << 4),
    ((a0 >>> 4) & kmask2) | (((tmp >>> 4) & kmask1) << 4),
    ((a1 >>> 4) & kmask2) | (((tmp >>> 6) & kmask1) << 4),
  ];
  const scale = (i: number): number => (((aux[i >> 2] ?? 0) >>> (8 * (i & 3))) & 0xff) - 32;
  let q = 32;
  let m = 1;
  let is = 0;
  for (let n = 0; n < 256; n += 128) {
    for (let shift = 0; shift < 8; shift += 2) {
      let dl = d * scale(is++);
      for (let l = 0; l < 16; l++) y.push(dl * (((at(q + l) >> shift) & 3) - (at(l) & m ? 0 : 4)));
      dl = d * scale(is++);
      for (let l = 0; l < 16; l++) y.push(dl * (((at(q + l + 16) >> shift) & 3) - (at(l + 16) & m ? 0 : 4)));
      m <<= 1;
    }
    q += 32;
  }
}

/** Q4_K (withHigh false) and Q5_K. */
function q45_K(at: Block, half: Half, y: number[], withHigh: boolean): void {
  const d = half(0);
  const min = half(2);
  const s = (i: number): number => at(4 + i);
  const scaleMin = (j: number): [number, number] =>
    j < 4
      ? [s(j) & 63, s(j + 4) & 63]
      : [(s(j + 4) & 0xf) | ((s(j - 4) >> 6) << 4), (s(j + 4) >> 4) | ((s(j) >> 6) << 4)];
  let q = withHigh ? 48 : 16;
  let u1 = 1;
  let u2 = 2;
  for (let j = 0, is = 0; j < 256; j += 64, is += 2) {
    const [sc1, m1] = scaleMin(is);
    const [sc2, m2] = scaleMin(is + 1);
    const high = (l: number, u: number): number => (withHigh && (at(16 + l) & u) !== 0 ? 16 : 0);
    for (let l = 0; l < 32; l++) y.push(d * sc1 * ((at(q + l) & 0xf) + high(l, u1)) - min * m1);
    for (let l = 0; l < 32; l++) y.push(d * sc2 * ((at(q + l) >> 4) + high(l, u2)) - min * m2);
    q += 32;
    u1 <<= 2;
    u2 <<= 2;
  }
}

function q6_K(at: Block, half: Half, y: number[]): void {
  const d = half(208);
  const out = new Array<number>(256);
  for (let n = 0; n < 2; n++) {
    const ql = 64 * n;
    const qh = 128 + 32 * n;
    const sc = 192 + 8 * n;
    const s = (i: number): number => (at(sc + i) << 24) >> 24; // int8
    for (let l = 0; l < 32; l++) {
      const is = Math.floor(l / 16);
      const q1 = ((at(ql + l) & 0xf) | (((at(qh + l) >> 0) & 3) << 4)) - 32;
      const q2 = ((at(ql + l + 32) & 0xf) | (((at(qh + l) >> 2) & 3) << 4)) - 32;
      const q3 = ((at(ql + l) >> 4) | (((at(qh + l) >> 4) & 3) << 4)) - 32;
      const q4 = ((at(ql + l + 32) >> 4) | (((at(qh + l) >> 6) & 3) << 4)) - 32;
      out[128 * n + l] = d * s(is) * q1;
      out[128 * n + l + 32] = d * s(is + 2) * q2;
      out[128 * n + l + 64] = d * s(is + 4) * q3;
      out[128 * n + l + 96] = d * s(is + 6) * q4;
    }
  }
  y.push(...out);
}

/** The values of `data`, whole blocks of `type`, as ggml-quants.c decodes them. */
export function referenceDequantize(type: ReferenceBlockType, data: Uint8Array): number[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const { bytes } = BLOCK_LAYOUTS[type];
  const y: number[] = [];
  for (let o = 0; o < data.length; o += bytes) {
    const at: Block = (i) => data[o + i] ?? 0;
    const half: Half = (i) => f16ToF32(view.getUint16(o + i, true));
    switch (type) {
      case "Q4_0":
        q4_0(at, half, y);
        break;
      case "Q4_1":
        q4_1(at, half, y);
        break;
      case "Q5_0":
      case "Q5_1":
        q5(at, half, y, type === "Q5_1");
        break;
      case "Q2_K":
        q2_K(at, half, y);
        break;
      case "Q3_K":
        q3_K(at, half, y);
        break;
      case "Q4_K":
      case "Q5_K":
        q45_K(at, half, y, type === "Q5_K");
        break;
      case "Q6_K":
        q6_K(at, half, y);
        break;
    }
  }
  return y;
}
