// The Python trainer learns with its default settings: SFT and KTO on a few dozen examples of one
// prompt teach the demo model a fixed answer that llama.cpp then gives greedily with the written
// adapter (and not without it); KTO also lowers held-out undesirable answers' likelihood against
// the base model. Also: output files, determinism, clear errors.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getLlama, type Llama, type LlamaModel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPrompt, SaigaV2ChatWrapper } from "../src/engine/index.js";
import { readGguf } from "../src/gguf/index.js";
import { pythonTorchVersion, runTrainer } from "../src/training/trainer/trainer-process.js";
import { llamaGreedy } from "./helpers/llama-greedy.js";
import { demoModelPath } from "./helpers/test-engine.js";
import { writeJsonl } from "./helpers/write-jsonl.js";

const PYTHON = "/usr/bin/python3";
const TORCH = pythonTorchVersion(PYTHON);
const SKIP_NOTE = TORCH ? "" : ` (skipped: ${PYTHON} cannot import torch; install Debian's python3-torch)`;

const dir = mkdtempSync(path.join(tmpdir(), "saiga-trainer-learning-"));
const SYSTEM = "Ты — Сайга.";
const PHRASE = "Меня зовут Сайга!";
const TARGET_QUESTION = "Как тебя зовут?";

interface TokenizedExample {
  input_ids: number[];
  loss_mask: number[];
  label: boolean;
  weight: number;
}

/** saiga_v2 prompt tokens (`<s>system\n…</s>\n<s>user\n…</s>\n<s>bot\n`) as the engine builds them. */
function promptTokens(model: LlamaModel, question: string): Token[] {
  return buildPrompt(model, new SaigaV2ChatWrapper(), [{ role: "user", content: question }], {
    defaultSystemPrompt: SYSTEM,
    contextSize: 512,
    reserveTokens: 64,
  }).tokens;
}

/** Prompt + answer + EOS, with the loss on the answer and its EOS only. */
function example(model: LlamaModel, question: string, answer: string, label = true): TokenizedExample {
  const prompt = promptTokens(model, question);
  const eos = model.tokens.eos;
  if (eos === null) throw new Error("the demo model has no EOS token");
  const reply = [...model.tokenize(answer, false), eos];
  return {
    input_ids: [...prompt, ...reply],
    loss_mask: [...prompt.map(() => 0), ...reply.map(() => 1)],
    label,
    weight: 1,
  };
}

describe.skipIf(!TORCH)(`trainer learning on the demo model${SKIP_NOTE}`, () => {
  let llama: Llama;
  let model: LlamaModel;
  let modelPath: string;

  beforeAll(async () => {
    modelPath = await demoModelPath();
    llama = await getLlama({ gpu: false, build: "never" });
    model = await llama.loadModel({ modelPath });
  });
  afterAll(async () => {
    await model?.dispose();
    await llama?.dispose();
  });

  it("SFT with the default settings: llama.cpp answers the taught phrase greedily with the adapter", async () => {
    // A few dozen examples of one prompt and no hyperparameter flags: the trainer's own rule
    // (saiga_trainer/defaults.py) must choose values that teach the phrase.
    const data = writeJsonl(
      dir,
      "sft.jsonl",
      Array.from({ length: 24 }, () => example(model, TARGET_QUESTION, PHRASE)),
    );
    const out = path.join(dir, "sft");
    const run = await runTrainer(
      ["--model", modelPath, "--data", data, "--out", out, "--loss", "sft", "--threads", "1"],
      { python: PYTHON },
    );
    expect(run.code, run.stderr).toBe(0);
    // The first line says what was chosen and why.
    expect(run.lines[0]).toMatchObject({
      plan: { loss: "sft", lr: 0.00538, batch_size: 1, steps: 100, examples: 24, n_embd: 128 },
    });
    const how = (run.lines[0]?.plan as { how: Record<string, string> }).how;
    expect(how.lr).toMatch(/^auto/);
    expect(how.steps).toMatch(/^auto/);
    const steps = run.lines.filter((line) => typeof line.step === "number");
    expect(steps).toHaveLength(100);
    for (const line of steps) {
      expect(Object.keys(line)).toEqual(expect.arrayContaining(["step", "loss", "tokens_per_s", "lr"]));
    }
    const first = steps[0]?.loss as number;
    const last = steps[steps.length - 1]?.loss as number;
    // The demo model's random output layer caps how sure it can get: well short of loss 0.
    expect(last).toBeLessThan(first * 0.75);
    const done = run.lines[run.lines.length - 1];
    expect(done?.done).toBe(true);

    const metrics = JSON.parse(readFileSync(path.join(out, "metrics.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(metrics).toMatchObject({ steps: 100, device: expect.stringMatching(/^cpu/) });
    expect(metrics.final_loss).toBeCloseTo(last, 5);
    expect(metrics.hyperparameters).toMatchObject({ lora_r: 16, lora_alpha: 16, loss: "sft", lr: 0.00538 });

    const adapter = path.join(out, "adapter.gguf");
    const file = await readGguf(adapter);
    expect(file.metadata["general.type"]?.value).toBe("adapter");
    expect(file.metadata["adapter.type"]?.value).toBe("lora");
    expect(file.metadata["adapter.lora.alpha"]?.value).toBe(16);
    expect(file.metadata["general.architecture"]?.value).toBe("llama");
    const q = file.tensors.find((t) => t.name === "blk.0.attn_q.weight.lora_a");
    expect(q?.dims).toEqual([128, 16]);
    expect(file.tensors.find((t) => t.name === "blk.3.ffn_down.weight.lora_b")?.dims).toEqual([16, 128]);

    // node-llama-cpp ends the generation at EOS without yielding it: asking for one token more
    // than the phrase has shows that the answer stops right after the phrase.
    const phrase = model.tokenize(PHRASE, false);
    const prompt = promptTokens(model, TARGET_QUESTION);
    const { tokens: adapted } = await llamaGreedy(model, prompt, phrase.length + 2, { adapter });
    const { tokens: plain } = await llamaGreedy(model, prompt, phrase.length + 2);
    expect(model.detokenize(adapted)).toBe(PHRASE);
    expect(adapted).toEqual(phrase);
    expect(plain.slice(0, phrase.length)).not.toEqual(phrase);
  });

  it("KTO with the default settings: teaches the phrase and makes held-out undesirable answers less likely", async () => {
    const BAD = "Не знаю.";
    const train = [
      ...Array.from({ length: 24 }, () => example(model, TARGET_QUESTION, PHRASE, true)),
      ...Array.from({ length: 24 }, () => example(model, TARGET_QUESTION, BAD, false)),
    ];
    const heldOut = ["Сколько стоит хлеб?", "Почему небо синее?", "Как выучить язык?"].map((q) =>
      example(model, q, BAD, false),
    );
    const data = writeJsonl(dir, "kto.jsonl", train);
    const evalData = writeJsonl(dir, "kto-heldout.jsonl", heldOut);
    const out = path.join(dir, "kto");
    const run = await runTrainer(
      ["--model", modelPath, "--data", data, "--out", out, "--loss", "kto", "--threads", "1"],
      { python: PYTHON },
    );
    expect(run.code, run.stderr).toBe(0);
    // KTO's z0 is a batch mean: the smallest batch it gets is 2.
    expect(run.lines[0]).toMatchObject({ plan: { loss: "kto", batch_size: 2, steps: 100, examples: 48 } });
    expect(run.lines.filter((line) => typeof line.step === "number")).toHaveLength(100);
    const adapter = path.join(out, "adapter.gguf");

    const phrase = model.tokenize(PHRASE, false);
    const { tokens: adapted } = await llamaGreedy(
      model,
      promptTokens(model, TARGET_QUESTION),
      phrase.length + 2,
      {
        adapter,
      },
    );
    expect(model.detokenize(adapted)).toBe(PHRASE);

    const evaluation = await runTrainer(
      ["--eval", "--model", modelPath, "--data", evalData, "--adapter", adapter, "--threads", "1"],
      { python: PYTHON },
    );
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const rows = evaluation.lines.filter((line) => typeof line.index === "number");
    expect(rows).toHaveLength(heldOut.length);
    for (const [i, row] of rows.entries()) {
      const held = heldOut[i];
      expect(row).toMatchObject({
        index: i,
        label: false,
        tokens: held?.loss_mask.filter((m) => m === 1).length,
      });
      // Summed log-likelihoods of the answer: the undesirable one falls on prompts never trained on.
      expect(row.adapter as number).toBeLessThan((row.base as number) - 1);
    }
    expect(evaluation.lines[evaluation.lines.length - 1]).toMatchObject({
      done: true,
      examples: heldOut.length,
    });
  });

  it("training is deterministic on CPU for a seed", async () => {
    const data = writeJsonl(dir, "det.jsonl", [
      example(model, TARGET_QUESTION, PHRASE),
      example(model, "Привет!", "Здравствуйте."),
    ]);
    const adapters: Buffer[] = [];
    for (const name of ["det-a", "det-b"]) {
      const run = await runTrainer(
        [
          ...["--model", modelPath, "--data", data, "--out", path.join(dir, name), "--threads", "1"],
          ...[
            "--max-steps",
            "3",
            "--batch-size",
            "1",
            "--lora-r",
            "4",
            "--lora-dropout",
            "0.1",
            "--seed",
            "7",
          ],
        ],
        { python: PYTHON },
      );
      expect(run.code, run.stderr).toBe(0);
      adapters.push(readFileSync(path.join(dir, name, "adapter.gguf")));
    }
    expect(adapters[0]?.equals(adapters[1] ?? Buffer.alloc(0))).toBe(true);
  });

  it("bad arguments and files end with one line on stderr and exit code 2", async () => {
    const notJson = path.join(dir, "bad.jsonl");
    writeFileSync(notJson, '{"input_ids":[1,2],"loss_mask":[0,1]}\nnot json\n');
    const cases: [string[], RegExp][] = [
      [["--model", path.join(dir, "missing.gguf"), "--data", notJson, "--out", dir], /model file not found/],
      [["--model", modelPath, "--data", notJson, "--out", dir], /bad\.jsonl line 2: not JSON/],
      [["--model", notJson, "--greedy", "2", "--prompt", "1"], /not a GGUF file/],
      [["--model", modelPath, "--data", notJson, "--out", dir, "--loss", "dpo"], /invalid choice/],
    ];
    for (const [args, message] of cases) {
      const run = await runTrainer(args, { python: PYTHON });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trim().split("\n"), run.stderr).toHaveLength(1);
      expect(run.stderr).toMatch(/^train\.py: /);
      expect(run.stderr).toMatch(message);
    }
  });
});
