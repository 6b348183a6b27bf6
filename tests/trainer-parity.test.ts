// The Python trainer's GGUF reader against our TypeScript GGUF module, and its forward pass against
// llama.cpp (node-llama-cpp): greedy continuations of the same prompt tokens, with and without a
// LoRA adapter, for models whose weights are every quant type Saiga GGUFs ship (F32, F16, BF16,
// Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K: seeded normal values or random valid
// blocks) and for a head size other than n_embd / n_head. The trainer's --greedy runs its llama.cpp
// emulation (saiga_trainer/llamacpp.py: activation quantization, F16 KV cache and attention,
// ggml's kernels' float32 order), so the continuations must be equal token for token and
// llama.cpp's token the trainer's best logit at every step; BF16 products, not replayed bit for
// bit, within a stated tolerance.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getLlama, type Llama, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPrompt, SaigaV2ChatWrapper } from "../src/engine/index.js";
import {
  decodeBf16,
  decodeF16,
  DEMO_MODEL_OPTIONS,
  dequantizeQ8_0,
  f32ToF16,
  gguf,
  GgmlType,
  GgufValueType,
  readGguf,
  readTensorData,
  SeededRandom,
  SpmTokenType,
  buildSpmVocab,
  writeGguf,
  writeLlamaModel,
} from "../src/gguf/index.js";
import type { LlamaModelOptions, SpmVocab } from "../src/gguf/index.js";
import { pythonTorchVersion, runTrainer } from "../src/training/trainer/trainer-process.js";
import {
  BLOCK_LAYOUTS,
  referenceDequantize,
  type ReferenceBlockType,
} from "./helpers/ggml-reference-dequantize.js";
import { csv, llamaGreedy, trainerGreedyArgs, type GreedyContinuation } from "./helpers/llama-greedy.js";
import { writeRandomAdapter } from "./helpers/random-lora-adapter.js";

const PYTHON = "/usr/bin/python3";
const TORCH = pythonTorchVersion(PYTHON);
const SKIP_NOTE = TORCH ? "" : ` (skipped: ${PYTHON} cannot import torch; install Debian's python3-torch)`;

const dir = mkdtempSync(path.join(tmpdir(), "saiga-trainer-parity-"));
const GENERATED = 16;
// The emulation computes llama.cpp's float32 logits themselves; what is left is llama.cpp's float32
// softmax (ln p1 − ln p2 gives back l1 − l2 to about 1e-6) and the trainer's 5-decimal rounding.
const LOGIT_TOLERANCE = 2e-5;

interface Variant {
  /** The file name part and what the test title says. */
  readonly name: string;
  readonly title: string;
  readonly options: LlamaModelOptions;
  /**
   * For a type the emulation does not replay bit for bit: how far its logits may be from
   * llama.cpp's. Greedy tokens must then agree wherever the top two are further apart than this
   * (teacher-forced along llama.cpp's path, its token is never more than this below the best).
   */
  readonly approximate?: number;
}

/** The default SPM vocabulary with `pieces` appended (plain pieces, scored below the rest). */
function extendedVocab(pieces: readonly string[]): SpmVocab {
  const vocab = buildSpmVocab();
  const last = vocab.scores.at(-1) ?? 0;
  return {
    tokens: [...vocab.tokens, ...pieces],
    scores: [...vocab.scores, ...pieces.map((_, i) => last - 1 - i)],
    tokenTypes: [...vocab.tokenTypes, ...pieces.map(() => SpmTokenType.NORMAL)],
  };
}

const VARIANTS: Variant[] = [
  { name: "F32", title: "F32", options: { ...DEMO_MODEL_OPTIONS, weightType: GgmlType.F32 } },
  { name: "F16", title: "F16", options: { ...DEMO_MODEL_OPTIONS, weightType: GgmlType.F16 } },
  { name: "Q8_0", title: "Q8_0", options: { ...DEMO_MODEL_OPTIONS, weightType: GgmlType.Q8_0 } },
  // ggml multiplies BF16 with BF16 dot instructions whose order the emulation does not replay:
  // observed here up to 2.2e-3 apart.
  {
    name: "BF16",
    title: "BF16 (approximate)",
    options: { ...DEMO_MODEL_OPTIONS, weightType: GgmlType.BF16 },
    approximate: 5e-3,
  },
  {
    name: "K",
    title: "Q4_K/Q5_K/Q6_K/Q4_0/BF16",
    // K-quant rows are 256 values; grouped-query attention and non-default RoPE base / RMS eps too.
    options: {
      ...DEMO_MODEL_OPTIONS,
      nEmbd: 256,
      nFf: 512,
      nHeadKv: 2,
      ropeFreqBase: 500000,
      rmsNormEps: 1e-6,
      weightType: GgmlType.Q4_K,
      weightTypes: {
        output: GgmlType.Q6_K,
        ffn_down: GgmlType.Q6_K,
        attn_v: GgmlType.Q5_K,
        ffn_up: GgmlType.Q4_0,
        token_embd: GgmlType.BF16,
      },
    },
  },
  {
    name: "repack",
    // Rows in multiples of 8 but not of 32: CPU_REPACK's Q4_K and Q4_0 gemv/gemm where the AMX
    // buffer would otherwise take them, and ggml_vec_dot_f16 with a leftover (520 = 8·64 + 8).
    title: "Q4_K/Q4_0 repacked and F16 rows of 520",
    options: {
      ...DEMO_MODEL_OPTIONS,
      nEmbd: 256,
      nFf: 520,
      nHeadKv: 2,
      vocab: extendedVocab(["ab", "ba", "аб", "ба", "ав", "ва", "аг", "га"]),
      weightType: GgmlType.Q4_K,
      weightTypes: { ffn_up: GgmlType.Q4_0, ffn_down: GgmlType.F16 },
    },
  },
  {
    name: "Q4_1",
    // SmolLM2's mix (Q4_1 with a Q8_0 token_embd); one KV head of 16 values, so that K and V take
    // the vec_dot kernels where AMX takes the other products (it needs rows in multiples of 32).
    title: "Q4_1/Q8_0",
    options: {
      ...DEMO_MODEL_OPTIONS,
      nHead: 8,
      nHeadKv: 1,
      weightType: GgmlType.Q4_1,
      weightTypes: { token_embd: GgmlType.Q8_0 },
    },
  },
  {
    name: "Q5",
    title: "Q5_0/Q5_1",
    options: {
      ...DEMO_MODEL_OPTIONS,
      weightType: GgmlType.Q5_0,
      weightTypes: {
        attn_v: GgmlType.Q5_1,
        ffn_gate: GgmlType.Q5_1,
        ffn_up: GgmlType.Q5_1,
        output: GgmlType.Q5_1,
      },
    },
  },
  {
    name: "Q2_Q3",
    // Q2_K weights are repacked on AVX-512 machines when their rows come in eights; the output's
    // 460 rows (four tokens past the 456 of the default vocabulary) take ggml_vec_dot_q2_K_q8_K.
    title: "Q2_K/Q3_K",
    options: {
      ...DEMO_MODEL_OPTIONS,
      nEmbd: 256,
      nFf: 512,
      nHeadKv: 2,
      vocab: extendedVocab(["ab", "ba", "аб", "ба"]),
      weightType: GgmlType.Q3_K,
      weightTypes: {
        attn_q: GgmlType.Q2_K,
        ffn_gate: GgmlType.Q2_K,
        ffn_down: GgmlType.Q2_K,
        output: GgmlType.Q2_K,
      },
    },
  },
  {
    name: "head",
    // attention.key_length ≠ n_embd / n_head, as Mistral-Nemo (saiga_nemo_12b): 4 heads of 48.
    title: "Q8_0 (heads of 48 values in a 128-wide model)",
    options: { ...DEMO_MODEL_OPTIONS, nHeadKv: 2, headDim: 48, weightType: GgmlType.Q8_0 },
  },
];

describe.skipIf(!TORCH)(`trainer forward pass vs llama.cpp greedy decoding${SKIP_NOTE}`, () => {
  let llama: Llama;
  beforeAll(async () => {
    llama = await getLlama({ gpu: false, build: "never" });
  });
  afterAll(async () => {
    await llama?.dispose();
  });

  for (const variant of VARIANTS) {
    it(`${variant.title} weights, with and without an adapter`, async () => {
      const modelPath = path.join(dir, `parity-${variant.name}.gguf`);
      const adapterPath = path.join(dir, `parity-${variant.name}-lora.gguf`);
      await writeLlamaModel(modelPath, variant.options);
      await writeRandomAdapter(modelPath, adapterPath);

      const model = await llama.loadModel({ modelPath });
      const prompts: Token[][] = [];
      const base: GreedyContinuation[] = [];
      const adapted: GreedyContinuation[] = [];
      try {
        const wrapper = new SaigaV2ChatWrapper();
        for (const question of ["Что такое сайга?", "Расскажи о степи."]) {
          const built = buildPrompt(model, wrapper, [{ role: "user", content: question }], {
            defaultSystemPrompt: "Ты — Сайга.",
            contextSize: 256,
            reserveTokens: GENERATED,
          });
          prompts.push(built.tokens);
          base.push(await llamaGreedy(model, built.tokens, GENERATED, { contextSize: 256 }));
          adapted.push(
            await llamaGreedy(model, built.tokens, GENERATED, { contextSize: 256, adapter: adapterPath }),
          );
        }
      } finally {
        await model.dispose();
      }
      // The adapter must matter, or "with an adapter" would test nothing.
      expect(adapted.map((c) => c.tokens)).not.toEqual(base.map((c) => c.tokens));

      const cases = prompts.map((prompt, i) => ({
        prompt,
        base: base[i] as GreedyContinuation,
        adapted: adapted[i] as GreedyContinuation,
      }));
      const args = trainerGreedyArgs(modelPath, adapterPath, GENERATED, cases);
      const run = await runTrainer(args, { python: PYTHON });
      expect(run.code, run.stderr).toBe(0);
      expect(run.lines).toHaveLength(prompts.length);

      for (const [i, line] of run.lines.entries()) {
        expect(line.emulation, "the trainer's --greedy runs its llama.cpp emulation").toMatch(/^llama\.cpp/);
        for (const [prefix, expected] of [
          ["", base[i]],
          ["adapter_", adapted[i]],
        ] as const) {
          const tokens = line[`${prefix}tokens`] as number[];
          const gaps = line[`${prefix}expect_gaps`] as number[];
          const margins = line[`${prefix}margins`] as number[];
          const want = expected?.margins ?? [];
          // On failure: both continuations, then, teacher-forced along llama.cpp's path, how far
          // its token is below the trainer's best logit (gaps), and both engines' top-2 margins.
          const where = `${variant.name} prompt ${i} ${prefix || "base"}: trainer ${csv(tokens)} llama.cpp ${csv(expected?.tokens ?? [])}; gaps ${csv(gaps)}; margins ${csv(margins)} llama.cpp ${csv(want.map((m) => Number(m.toFixed(5))))}`;
          const deltas = margins.map((m, step) => Math.abs(m - (want[step] ?? NaN)));
          if (variant.approximate === undefined) {
            expect(tokens, where).toEqual(expected?.tokens);
            expect(Math.max(...gaps), where).toBe(0);
            expect(Math.max(...deltas), where).toBeLessThanOrEqual(LOGIT_TOLERANCE);
          } else {
            expect(Math.max(...gaps), where).toBeLessThanOrEqual(variant.approximate);
            // The margins are compared only while both engines follow the same path.
            const agreed = tokens.findIndex((token, step) => token !== expected?.tokens[step]);
            const same = agreed === -1 ? deltas : deltas.slice(0, agreed);
            expect(Math.max(...same), where).toBeLessThanOrEqual(variant.approximate);
          }
        }
      }
    });
  }
});

describe.skipIf(!TORCH)(`trainer GGUF reader${SKIP_NOTE}`, () => {
  it("reads every metadata value type, any alignment, GGUF v2 and v3, and float/Q8_0 tensors", async () => {
    const file = path.join(dir, "all-types.gguf");
    const values = new SeededRandom(3).fillNormal(new Float32Array(2 * 64), 1);
    const metadata = {
      "general.alignment": [gguf.u32(64), 64],
      u8: [gguf.u8(200), 200],
      i8: [gguf.i8(-100), -100],
      u16: [gguf.u16(60000), 60000],
      i16: [gguf.i16(-30000), -30000],
      u32: [gguf.u32(4000000000), 4000000000],
      i32: [gguf.i32(-2000000000), -2000000000],
      f32: [gguf.f32(0.5), 0.5],
      bool: [gguf.bool(true), true],
      str: [gguf.str("Сайга ✓"), "Сайга ✓"],
      u64: [gguf.u64(2n ** 53n - 1n), 2 ** 53 - 1],
      i64: [gguf.i64(-(2n ** 40n)), -(2 ** 40)],
      f64: [gguf.f64(Math.PI), Math.PI],
      ints: [gguf.arr(GgufValueType.INT16, [1, -2, 3]), [1, -2, 3]],
      floats: [gguf.arr(GgufValueType.FLOAT64, [0.25, -1.5]), [0.25, -1.5]],
      flags: [gguf.arr(GgufValueType.BOOL, [true, false]), [true, false]],
      words: [gguf.arr(GgufValueType.STRING, ["а", "", "b"]), ["а", "", "b"]],
      nested: [
        gguf.arr(GgufValueType.ARRAY, [
          gguf.arr(GgufValueType.UINT8, [1, 2]),
          gguf.arr(GgufValueType.STRING, ["x"]),
        ]),
        [[1, 2], ["x"]],
      ],
    } as const;
    const types = ["F32", "F16", "BF16", "Q8_0"] as const;
    await writeGguf(file, {
      metadata: Object.fromEntries(Object.entries(metadata).map(([key, [value]]) => [key, value])),
      tensors: types.map((type) => ({
        name: `t.${type}`,
        dims: [64, 2],
        type: GgmlType[type],
        data: values,
      })),
    });
    // Version 2 has the same layout as version 3 (for little-endian files).
    const v2 = path.join(dir, "all-types-v2.gguf");
    const bytes = readFileSync(file);
    bytes.writeUInt32LE(2, 4);
    writeFileSync(v2, bytes);

    // What our TypeScript GGUF module decodes from the same bytes.
    const expected: Record<string, number[]> = {};
    for (const tensor of (await readGguf(file)).tensors) {
      const raw = await readTensorData(file, tensor);
      const decoders: Record<string, () => Float32Array> = {
        "t.F32": () => new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4),
        "t.F16": () => decodeF16(raw),
        "t.BF16": () => decodeBf16(raw),
        "t.Q8_0": () => dequantizeQ8_0(raw),
      };
      expected[tensor.name] = Array.from(decoders[tensor.name]?.() ?? []);
    }

    for (const [target, version] of [
      [file, 3],
      [v2, 2],
    ] as const) {
      const args = [
        "--inspect",
        "--model",
        target,
        ...Object.keys(expected).flatMap((name) => ["--tensor", name]),
      ];
      const run = await runTrainer(args, { python: PYTHON });
      expect(run.code, run.stderr).toBe(0);
      const out = run.lines[0] as {
        version: number;
        alignment: number;
        metadata: Record<string, unknown>;
        tensors: { name: string; dims: number[]; type: string }[];
        values: Record<string, number[]>;
      };
      expect(out.version).toBe(version);
      expect(out.alignment).toBe(64);
      expect(out.metadata).toEqual(
        Object.fromEntries(Object.entries(metadata).map(([key, [, js]]) => [key, js])),
      );
      expect(out.tensors.map((t) => [t.name, t.dims, t.type])).toEqual(
        types.map((type) => [`t.${type}`, [64, 2], type]),
      );
      for (const [name, want] of Object.entries(expected)) {
        const got = out.values[name] ?? [];
        expect(got).toHaveLength(want.length);
        got.forEach((v, i) => expect(v, `${name}[${i}]`).toBeCloseTo(want[i] ?? NaN, 6));
      }
    }
  });
});

describe.skipIf(!TORCH)(`trainer dequantization${SKIP_NOTE}`, () => {
  it("decodes random blocks of every quant type as ggml-quants.c does", async () => {
    const file = path.join(dir, "quant-blocks.gguf");
    const random = new SeededRandom(11);
    const raw: Record<string, Uint8Array> = {};
    const types = Object.keys(BLOCK_LAYOUTS) as ReferenceBlockType[];
    const tensors = types.map((type) => {
      const { bytes: blockBytes, values, halves } = BLOCK_LAYOUTS[type];
      const blocks = 512 / values;
      const bytes = new Uint8Array(blocks * blockBytes).map(() => Math.floor(random.next() * 256));
      const view = new DataView(bytes.buffer);
      // Random bytes everywhere but the FP16 scales, which get small positive values (a random
      // half could be an infinity or a NaN).
      for (let b = 0; b < blocks; b++) {
        for (const at of halves)
          view.setUint16(b * blockBytes + at, f32ToF16(0.001 + random.next() * 0.01), true);
      }
      raw[`t.${type}`] = bytes;
      return { name: `t.${type}`, dims: [256, 2], type: GgmlType[type], raw: bytes };
    });
    await writeGguf(file, { metadata: { "general.architecture": gguf.str("llama") }, tensors });
    const run = await runTrainer(
      ["--inspect", "--model", file, ...tensors.flatMap((t) => ["--tensor", t.name])],
      {
        python: PYTHON,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const values = (run.lines[0] as { values: Record<string, number[]> }).values;
    for (const type of types) {
      const want = referenceDequantize(type, raw[`t.${type}`] ?? new Uint8Array());
      const got = values[`t.${type}`] ?? [];
      expect(got).toHaveLength(512);
      got.forEach((v, i) => expect(v, `${type}[${i}]`).toBeCloseTo(want[i] ?? NaN, 5));
    }
  });

  it("refuses a tensor of a type it cannot decode with one line naming the type and the tensor", async () => {
    const file = path.join(dir, "iq-block.gguf");
    // IQ2_XXS (i-quants need their lookup grids; Saiga GGUFs do not ship them): 66 bytes a block.
    const tensors = [
      { name: "blk.0.ffn_down.weight", dims: [256, 1], type: GgmlType.IQ2_XXS, raw: new Uint8Array(66) },
    ];
    await writeGguf(file, { metadata: { "general.architecture": gguf.str("llama") }, tensors });
    const run = await runTrainer(["--inspect", "--model", file, "--tensor", "blk.0.ffn_down.weight"], {
      python: PYTHON,
    });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split("\n");
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(
      /blk\.0\.ffn_down\.weight is IQ2_XXS, which the trainer cannot read \(supported: .*Q2_K/,
    );
  });
});
