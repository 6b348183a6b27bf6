// Training on the real model, as an operator runs it: `saiga train --dataset FILE --out DIR` with
// no hyperparameter flags teaches SmolLM2 a fixed answer (SFT, and KTO with undesirable answers),
// KTO makes held-out undesirable answers less likely than the base model does, and the evaluation
// gate accepts that adapter but rejects one trained on shuffled labels. Also: the examples are
// tokenized in the served ChatML format exactly.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Token } from "node-llama-cpp";
import { beforeAll, describe, expect, it } from "vitest";
import type { SaigaEngine } from "../../src/engine/index.js";
import { ExampleTokenizer, type SaigaExample } from "../../src/training/index.js";
import { evaluateCandidate } from "../../src/training/eval-gate.js";
import { pythonTorchVersion, runTrainer } from "../../src/training/trainer/trainer-process.js";
import { llamaGreedy } from "../helpers/llama-greedy.js";
import { runSaiga } from "../helpers/run-saiga.js";
import { smollm2Engine } from "../helpers/smollm2-engine.js";
import { smollm2Path } from "../helpers/smollm2.js";
import { writeJsonl } from "../helpers/write-jsonl.js";

const PYTHON = "/usr/bin/python3";
const TORCH = pythonTorchVersion(PYTHON);
const SKIP_NOTE = TORCH ? "" : ` (skipped: ${PYTHON} cannot import torch; install Debian's python3-torch)`;
const dir = mkdtempSync(path.join(tmpdir(), "saiga-smollm2-training-"));

/** SmolLM2's `<|im_start|>` and `<|im_end|>` (its BOS and EOS). */
const IM_START = 1 as Token;
const IM_END = 2 as Token;
// Short examples: a step costs its tokens.
const SYSTEM = "You are Saiga.";
const QUESTION = "What is your name?";
const PHRASE = "My name is Saiga.";
const BAD = "I do not know.";
// A training run takes about 50-90 s here (bf16 on AMX); a CPU without native bf16 trains in float32 through
// OpenBLAS, about 3x slower: room for that, so such a machine is slow, not failing.
const TRAINING_TIMEOUT = 480_000;

function chat(question: string, answer: string, label = true, system = SYSTEM): SaigaExample {
  return {
    messages: [
      { role: "system", content: system },
      { role: "user", content: question },
      { role: "bot", content: answer },
    ],
    label,
    weight: 1,
  };
}

/** `saiga train --dataset FILE --out DIR` with no hyperparameter flags; returns the adapter path. */
async function saigaTrain(
  name: string,
  examples: readonly SaigaExample[],
): Promise<{ adapter: string; stderr: string }> {
  const out = path.join(dir, name);
  const started = Date.now();
  const run = await runSaiga(
    [
      "train",
      "--dataset",
      writeJsonl(dir, `${name}.jsonl`, examples),
      "--out",
      out,
      "--model",
      await smollm2Path(),
    ],
    { SAIGA_TRAINING_PYTHON: PYTHON, LOG_LEVEL: "warn" },
  );
  expect(run.code, run.stderr).toBe(0);
  // Reported, not asserted: speed belongs to bench/ (npm run bench:train).
  console.log(`saiga train (${name}): ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { adapter: path.join(out, "adapter.gguf"), stderr: run.stderr };
}

/** llama.cpp's greedy answer (node-llama-cpp stops at <|im_end|> without yielding it). */
async function greedyAnswer(
  engine: SaigaEngine,
  adapter: string | undefined,
  count: number,
): Promise<string> {
  const prompt = engine.buildPrompt([
    { role: "system", content: SYSTEM },
    { role: "user", content: QUESTION },
  ]).tokens;
  const { tokens } = await llamaGreedy(engine.model, prompt, count, { adapter, contextSize: 256 });
  return engine.model.detokenize(tokens);
}

describe("SmolLM2 examples are tokenized as the engine serves them", () => {
  it("prompt tokens equal the engine's ChatML prompt; the loss covers the answer and its <|im_end|>", async () => {
    const engine = await smollm2Engine();
    const tokenizer = await ExampleTokenizer.open({
      modelPath: await smollm2Path(),
      chatFormat: "auto",
      contextSize: 1024,
      systemPrompt: "You are a helpful assistant.",
    });
    try {
      const t = (text: string) => engine.model.tokenize(text, false);
      for (const example of [
        chat(QUESTION, PHRASE),
        // Without a system message the configured one is used, as when serving.
        { messages: chat(QUESTION, PHRASE).messages.slice(1), label: false, weight: 0.5 },
      ]) {
        const tokenized = tokenizer.tokenize(example);
        if (!tokenized) throw new Error("the example does not fit");
        const cut = tokenized.loss_mask.indexOf(1);
        const prompt = tokenized.input_ids.slice(0, cut);
        // What the engine feeds for the conversation (its default system prompt made explicit).
        const system = example.messages[0]?.role === "system" ? SYSTEM : "You are a helpful assistant.";
        const served = engine.buildPrompt([
          { role: "system", content: system },
          { role: "user", content: QUESTION },
        ]).tokens;
        expect(prompt).toEqual(served);
        expect(prompt).toEqual([
          IM_START,
          ...t(`system\n${system}`),
          IM_END,
          ...t("\n"),
          IM_START,
          ...t(`user\n${QUESTION}`),
          IM_END,
          ...t("\n"),
          IM_START,
          ...t("assistant\n"),
        ]);
        // The answer as the model generates it, closed by <|im_end|>; the mask is exactly that.
        expect(tokenized.input_ids.slice(cut)).toEqual([...t(PHRASE), IM_END]);
        expect(tokenized.loss_mask).toEqual([...prompt.map(() => 0), ...t(PHRASE).map(() => 1), 1]);
        expect([tokenized.label, tokenized.weight]).toEqual([example.label, example.weight]);
      }
    } finally {
      await tokenizer.close();
    }
  });
});

describe.skipIf(!TORCH)(`saiga train --dataset on SmolLM2 with the default settings${SKIP_NOTE}`, () => {
  let engine: SaigaEngine;
  beforeAll(async () => {
    engine = await smollm2Engine();
  });

  it(
    "SFT: two dozen examples of one prompt teach the phrase",
    async () => {
      const { adapter, stderr } = await saigaTrain(
        "sft",
        Array.from({ length: 24 }, () => chat(QUESTION, PHRASE)),
      );
      // The CLI shows the trainer's choice: the learning rate from SmolLM2's width (576).
      expect(stderr).toContain("training plan: sft, lr 1.74e-3 (auto), batch 1 (auto), 100 steps (auto)");
      expect(await greedyAnswer(engine, undefined, 12)).not.toBe(PHRASE);
      expect(await greedyAnswer(engine, adapter, 12)).toBe(PHRASE);
    },
    TRAINING_TIMEOUT,
  );

  describe("KTO", () => {
    const labelled = [
      ...Array.from({ length: 24 }, () => chat(QUESTION, PHRASE, true)),
      ...Array.from({ length: 24 }, () => chat(QUESTION, BAD, false)),
    ];
    // Held out: prompts never trained on, with the true labels.
    const validation = [
      ...["What should I call you?", "Who are you?", "Tell me your name."].map((q) => chat(q, PHRASE, true)),
      ...["What is 2 + 2?", "Where is Paris?", "Who wrote Hamlet?"].map((q) => chat(q, BAD, false)),
    ];
    let adapter: string;
    let validationFile: string;

    beforeAll(async () => {
      const tokenizer = await ExampleTokenizer.open({
        modelPath: await smollm2Path(),
        chatFormat: "auto",
        contextSize: 1024,
        systemPrompt: SYSTEM,
      });
      try {
        validationFile = writeJsonl(
          dir,
          "validation.tokens.jsonl",
          tokenizer.tokenizeAll(validation).examples,
        );
      } finally {
        await tokenizer.close();
      }
    });

    it(
      "desirable + undesirable teach the phrase and make held-out undesirable answers less likely",
      async () => {
        const run = await saigaTrain("kto", labelled);
        adapter = run.adapter;
        expect(run.stderr).toContain(
          "training plan: kto, lr 1.74e-3 (auto), batch 2 (auto), 100 steps (auto)",
        );
        expect(await greedyAnswer(engine, adapter, 12)).toBe(PHRASE);

        const evaluation = await runTrainer(
          ["--eval", "--model", await smollm2Path(), "--data", validationFile, "--adapter", adapter],
          { python: PYTHON },
        );
        expect(evaluation.code, evaluation.stderr).toBe(0);
        const rows = evaluation.lines.filter((line) => typeof line.index === "number");
        expect(rows).toHaveLength(validation.length);
        for (const row of rows) {
          // Summed log-likelihoods of the answer, with the adapter against the base model.
          if (row.label) expect(row.adapter as number).toBeGreaterThan(row.base as number);
          else expect(row.adapter as number).toBeLessThan((row.base as number) - 1);
        }
      },
      TRAINING_TIMEOUT,
    );

    it(
      "the evaluation gate accepts that adapter and rejects one trained on shuffled labels",
      async () => {
        expect(adapter, "needs the KTO adapter of the test before").toBeDefined();
        const gate = async (version: string, file: string) =>
          evaluateCandidate({
            modelPath: await smollm2Path(),
            validationFile,
            candidate: { version, file },
            baseline: null,
            maxPerplexityIncrease: 0.05,
            python: PYTHON,
          });
        const accepted = await gate("kto", adapter);
        expect(accepted.passed, accepted.reasons.join("; ")).toBe(true);

        // The same examples with the labels dealt out at random (a fixed permutation): half of
        // each answer is labelled desirable, so the labels say nothing.
        const shuffled = labelled.map((e, i) => ({ ...e, label: [0, 3, 5, 6].includes(i % 8) }));
        const { adapter: noise } = await saigaTrain("kto-shuffled", shuffled);
        const rejected = await gate("shuffled", noise);
        expect(rejected.passed, rejected.reasons.join("; ")).toBe(false);
      },
      TRAINING_TIMEOUT * 2,
    );
  });
});
