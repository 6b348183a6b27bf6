// The trainer against llama.cpp on the real model: SmolLM2-135M-Instruct (Q4_1 weights, a Q8_0
// token_embd that is also the output, 49k vocabulary, 30 layers, GQA 9/3). The trainer's --greedy
// (its llama.cpp emulation, saiga_trainer/llamacpp.py) must continue a ChatML prompt with the same
// 32 greedy tokens as node-llama-cpp, with and without a random LoRA adapter, and at every step
// agree on the logits: the gap between the two best logits (llama.cpp's from its probabilities,
// ln p1 − ln p2) within LOGIT_TOLERANCE, and llama.cpp's token the trainer's best.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getLlama, type Llama, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pythonTorchVersion, runTrainer } from "../../src/training/trainer/trainer-process.js";
import { csv, llamaGreedy, trainerGreedyArgs, type GreedyContinuation } from "../helpers/llama-greedy.js";
import { writeRandomAdapter } from "../helpers/random-lora-adapter.js";
import { smollm2Path } from "../helpers/smollm2.js";

const PYTHON = "/usr/bin/python3";
const TORCH = pythonTorchVersion(PYTHON);
const SKIP_NOTE = TORCH ? "" : ` (skipped: ${PYTHON} cannot import torch; install Debian's python3-torch)`;

const GENERATED = 32;
// The emulation replays llama.cpp's float32 operations, so the logits are the same numbers; what
// is left is llama.cpp's softmax in float32 (ln p1 − ln p2 recovers l1 − l2 to about 1e-6) and
// the trainer's rounding of its output to 5 decimals.
const LOGIT_TOLERANCE = 2e-5;
// A question with a long answer: 32 tokens without reaching <|im_end|>.
const PROMPT =
  "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n" +
  "<|im_start|>user\nExplain how plants make food from sunlight.<|im_end|>\n<|im_start|>assistant\n";

describe.skipIf(!TORCH)(`trainer forward pass vs llama.cpp on SmolLM2${SKIP_NOTE}`, () => {
  let llama: Llama;
  let modelPath: string;
  beforeAll(async () => {
    modelPath = await smollm2Path();
    llama = await getLlama({ gpu: false, build: "never" });
  });
  afterAll(async () => {
    await llama?.dispose();
  });

  it(`${GENERATED} greedy tokens and the logit margins, with and without a LoRA adapter`, async () => {
    const adapterPath = path.join(
      mkdtempSync(path.join(tmpdir(), "saiga-smollm2-parity-")),
      "random-lora.gguf",
    );
    await writeRandomAdapter(modelPath, adapterPath, { rank: 4, stdA: 0.05, stdB: 0.05 });

    const model = await llama.loadModel({ modelPath });
    let prompt: Token[];
    let base: GreedyContinuation;
    let adapted: GreedyContinuation;
    try {
      prompt = model.tokenize(PROMPT, true);
      base = await llamaGreedy(model, prompt, GENERATED, { contextSize: 256, yieldEogToken: true });
      adapted = await llamaGreedy(model, prompt, GENERATED, {
        contextSize: 256,
        yieldEogToken: true,
        adapter: adapterPath,
      });
    } finally {
      await model.dispose();
    }
    expect(base.tokens).toHaveLength(GENERATED);
    // The adapter must matter, or "with an adapter" would test nothing.
    expect(adapted.tokens).not.toEqual(base.tokens);

    const run = await runTrainer(
      trainerGreedyArgs(modelPath, adapterPath, GENERATED, [{ prompt, base, adapted }]),
      { python: PYTHON },
    );
    expect(run.code, run.stderr).toBe(0);
    const [line] = run.lines;
    expect(line?.emulation, "the trainer's --greedy runs its llama.cpp emulation").toMatch(/^llama\.cpp/);
    for (const [prefix, expected] of [
      ["", base],
      ["adapter_", adapted],
    ] as const) {
      const tokens = line?.[`${prefix}tokens`] as number[];
      const gaps = line?.[`${prefix}expect_gaps`] as number[];
      const margins = line?.[`${prefix}margins`] as number[];
      const deltas = margins.map((m, i) => Math.abs(m - (expected.margins[i] ?? NaN)));
      const where = `${prefix || "base"}: trainer ${csv(tokens)} llama.cpp ${csv(expected.tokens)}; gaps ${csv(gaps)}; margins ${csv(margins)} llama.cpp ${csv(expected.margins.map((m) => Number(m.toFixed(5))))}`;
      expect(tokens, where).toEqual(expected.tokens);
      expect(Math.max(...gaps), where).toBe(0);
      expect(Math.max(...deltas), where).toBeLessThanOrEqual(LOGIT_TOLERANCE);
    }
  }, 240_000);
});
