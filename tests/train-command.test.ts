// `saiga dataset export` and `saiga train --dataset` as an operator runs them: real child
// processes, real Redis (a key prefix of its own), the demo model, and the Python trainer on CPU.
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import type { Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { readGguf } from "../src/gguf/index.js";
import { FeedbackStore, RedisKeys, type FeedbackRecord } from "../src/store/index.js";
import {
  buildDataset,
  datasetManifestSchema,
  readSaigaJsonl,
  tokenizedExampleSchema,
} from "../src/training/index.js";
import { pythonTorchVersion } from "../src/training/trainer/trainer-process.js";
import { runSaiga } from "./helpers/run-saiga.js";
import { deleteKeys } from "./helpers/delete-keys.js";
import { testEngine } from "./helpers/test-engine.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `test-${randomUUID()}`;
const PYTHON = "/usr/bin/python3";
const TORCH = pythonTorchVersion(PYTHON);
const SKIP_NOTE = TORCH ? "" : ` (skipped: ${PYTHON} cannot import torch; install Debian's python3-torch)`;
const tmp = mkdtempSync(path.join(tmpdir(), "saiga-train-command-"));
const ENV = { REDIS_URL, SAIGA_REDIS_PREFIX: PREFIX, LOG_LEVEL: "warn" };

let redis: Redis;
let records: FeedbackRecord[] = [];

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  const store = new FeedbackStore({ redis, keys: new RedisKeys(PREFIX) });
  let time = 1_700_000_000_000;
  for (let i = 0; i < 12; i++) {
    await store.record({
      kind: i % 4 === 3 ? "regenerated" : i % 2 === 0 ? "up" : "down",
      chatId: `chat-${i % 3}`,
      messageId: i % 4 === 3 ? null : i,
      requestId: `req-${i}`,
      userId: "42",
      prompt: [
        { role: "system", content: "Ты — Сайга." },
        { role: "user", content: `Вопрос номер ${i}? Мой e-mail user${i}@example.com` },
      ],
      answer: `Ответ номер ${i}.`,
      model: "saiga-demo.gguf",
      adapter: null,
      time: ++time,
    });
  }
  records = await store.since(0);
});

afterAll(async () => {
  await deleteKeys(redis, `${PREFIX}:*`);
  await redis.quit();
});

describe("saiga dataset export", () => {
  it("writes Saiga JSONL, tokenized JSONL and dataset.json from the feedback under the prefix", async () => {
    const out = path.join(tmp, "export");
    const run = await runSaiga(["dataset", "export", "--out", out], {
      ...ENV,
      SAIGA_TRAINING_VALIDATION_SHARE: "0.3",
    });
    expect(run.code, run.stderr).toBe(0);

    const config = loadConfig({ env: { SAIGA_TRAINING_VALIDATION_SHARE: "0.3" } });
    const expected = buildDataset(records, config.training);
    const manifest = datasetManifestSchema.parse(
      JSON.parse(readFileSync(path.join(out, "dataset.json"), "utf8")),
    );
    expect(manifest.hash).toBe(expected.hash);
    expect(manifest.counts).toEqual(expected.counts);
    expect(manifest.counts).toMatchObject({
      records: 12,
      examples: 12,
      desirable: 6,
      undesirable: 6,
      regenerated: 3,
    });
    expect(manifest.counts.validation).toBeGreaterThan(0);
    expect(manifest.tokens).toMatchObject({
      modelSource: "demo",
      chatFormat: "the model's own chat template",
      train: manifest.counts.train,
      validation: manifest.counts.validation,
      dropped: 0,
    });
    expect(run.stdout).toContain(`dataset ${manifest.hash.slice(0, 12)}`);
    expect(run.stdout).toContain("12 feedback records (0 excluded: opted out of training) → 12 examples");

    const train = await readSaigaJsonl(path.join(out, "train.jsonl"));
    expect(train).toEqual(expected.train);
    expect(JSON.stringify(train)).toContain("<email>");
    expect(JSON.stringify(train)).not.toContain("@example.com");
    const tokens = readFileSync(path.join(out, "validation.tokens.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => tokenizedExampleSchema.parse(JSON.parse(line)));
    expect(tokens).toHaveLength(manifest.counts.validation);
    expect(tokens.map((t) => [t.label, t.weight])).toEqual(
      expected.validation.map((e) => [e.label, e.weight]),
    );

    // --since leaves older feedback out; --no-tokens needs no model.
    const since = records[5]!.time;
    const later = await runSaiga(
      ["dataset", "export", "--out", path.join(tmp, "later"), "--since", String(since), "--no-tokens"],
      ENV,
    );
    expect(later.code, later.stderr).toBe(0);
    const laterManifest = datasetManifestSchema.parse(
      JSON.parse(readFileSync(path.join(tmp, "later", "dataset.json"), "utf8")),
    );
    expect(laterManifest).toMatchObject({ since, tokens: null, counts: { records: 6 } });
    expect(existsSync(path.join(tmp, "later", "train.tokens.jsonl"))).toBe(false);
  });
});

describe("saiga train --dataset: errors", () => {
  it("says clearly what is wrong with the dataset file, exit code 1", async () => {
    const missing = await runSaiga(["train", "--dataset", path.join(tmp, "nope.jsonl"), "--out", tmp], ENV);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`saiga: ${path.join(tmp, "nope.jsonl")}: no such file`);

    const bad = path.join(tmp, "bad.jsonl");
    writeFileSync(
      bad,
      '{"messages":[{"role":"user","content":"a"},{"role":"bot","content":"b"}]}\n{"messages":[]}\n',
    );
    const malformed = await runSaiga(["train", "--dataset", bad, "--out", tmp], ENV);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain(
      `${bad}:2: messages: expected at least a user message and the bot's answer`,
    );
  });

  it("says in one line how to install PyTorch when the Python lacks it, exit code 1", async () => {
    const file = path.join(tmp, "ok.jsonl");
    writeFileSync(file, '{"messages":[{"role":"user","content":"a"},{"role":"bot","content":"b"}]}\n');
    const run = await runSaiga(["train", "--dataset", file, "--out", path.join(tmp, "x")], {
      ...ENV,
      SAIGA_TRAINING_PYTHON: path.join(tmp, "no-such-python"),
    });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^saiga: Python not found: .*apt-get install python3-torch.*pip install torch/);
  });
});

describe.skipIf(!TORCH)(`saiga train --dataset on the demo model${SKIP_NOTE}`, () => {
  it("with no hyperparameter flags, 24 desirable + 24 undesirable answers teach the phrase (KTO)", async () => {
    const question = "Как тебя зовут?";
    const phrase = "Меня зовут Сайга!";
    const chat = (answer: string, label: boolean) =>
      JSON.stringify({
        messages: [
          { role: "user", content: question },
          { role: "bot", content: answer },
        ],
        label,
      });
    const data = path.join(tmp, "one-prompt.jsonl");
    writeFileSync(
      data,
      [...Array(24).fill(chat(phrase, true)), ...Array(24).fill(chat("Не знаю.", false))].join("\n") + "\n",
    );
    const out = path.join(tmp, "adapter-defaults");
    const run = await runSaiga(["train", "--dataset", data, "--out", out], {
      ...ENV,
      SAIGA_TRAINING_PYTHON: PYTHON,
      LOG_LEVEL: "silent",
    });
    expect(run.code, run.stderr).toBe(0);
    // The trainer's choice, shown before the first step.
    expect(run.stderr).toMatch(
      /^training plan: kto, lr 5\.38e-3 \(auto\), batch 2 \(auto\), 100 steps \(auto\) \(5 epochs of 48 examples\)/m,
    );
    const metrics = JSON.parse(readFileSync(path.join(out, "metrics.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(metrics).toMatchObject({
      steps: 100,
      hyperparameters: { loss: "kto", lr: 0.00538, batch_size: 2 },
    });

    // llama.cpp's greedy answer with the adapter is the phrase (and stops after it).
    const engine = await testEngine();
    const prompt = engine.buildPrompt([{ role: "user", content: question }]).tokens;
    const context = await engine.model.createContext({
      contextSize: 512,
      threads: 1,
      lora: { adapters: [{ filePath: path.join(out, "adapter.gguf") }] },
    });
    try {
      const tokens: Token[] = [];
      const want = engine.model.tokenize(phrase, false).length + 2;
      for await (const token of context.getSequence().evaluate(prompt, { temperature: 0 })) {
        tokens.push(token);
        if (tokens.length === want) break;
      }
      expect(engine.model.detokenize(tokens)).toBe(phrase);
    } finally {
      await context.dispose();
    }
  });

  it("trains an adapter from a labelled file (KTO) that saiga chat --adapter then uses", async () => {
    const data = path.join(tmp, "labelled.jsonl");
    writeFileSync(
      data,
      [
        {
          messages: [
            { role: "user", content: "Как тебя зовут?" },
            { role: "bot", content: "Сайга." },
          ],
          label: true,
        },
        {
          messages: [
            { role: "user", content: "Привет!" },
            { role: "bot", content: "Уходи." },
          ],
          label: false,
        },
        {
          messages: [
            { role: "system", content: "Ты — помощник." },
            { role: "user", content: "2+2?" },
            { role: "bot", content: "Четыре." },
          ],
        },
      ]
        .map((line) => JSON.stringify(line))
        .join("\n") + "\n",
    );
    const out = path.join(tmp, "adapter-kto");
    const run = await runSaiga(
      ["train", "--dataset", data, "--out", out, "--max-steps", "3", "--threads", "1", "--lora-r", "4"],
      { ...ENV, SAIGA_TRAINING_PYTHON: PYTHON, LOG_LEVEL: "silent" },
    );
    expect(run.code, run.stderr).toBe(0);
    const adapter = path.join(out, "adapter.gguf");
    expect(run.stdout).toContain(`adapter: ${adapter}`);
    expect(run.stdout).toContain(`saiga chat --adapter ${adapter}`);
    expect(run.stderr).toContain("training: step 3/3  loss ");
    const metrics = JSON.parse(readFileSync(path.join(out, "metrics.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(metrics).toMatchObject({ steps: 3, hyperparameters: { loss: "kto", lora_r: 4 } });
    const gguf = await readGguf(adapter);
    expect(gguf.metadata["adapter.type"]?.value).toBe("lora");

    const chat = await runSaiga(["chat", "--once", "hi", "--adapter", adapter, "--max-tokens", "4"], {
      LOG_LEVEL: "silent",
    });
    expect(chat.code, chat.stderr).toBe(0);
    expect(chat.stdout.length).toBeGreaterThan(1);
  });

  it("trains with SFT on a file without labels", async () => {
    const data = path.join(tmp, "unlabelled.jsonl");
    writeFileSync(
      data,
      '{"messages":[{"role":"user","content":"Привет"},{"role":"bot","content":"Здравствуйте!"}]}\n',
    );
    const out = path.join(tmp, "adapter-sft");
    const run = await runSaiga(
      ["train", "--dataset", data, "--out", out, "--max-steps", "2", "--threads", "1"],
      {
        ...ENV,
        SAIGA_TRAINING_PYTHON: PYTHON,
        LOG_LEVEL: "silent",
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const metrics = JSON.parse(readFileSync(path.join(out, "metrics.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(metrics).toMatchObject({ steps: 2, hyperparameters: { loss: "sft" } });
    const tokens = readFileSync(path.join(out, "train.tokens.jsonl"), "utf8").trim().split("\n");
    expect(tokens).toHaveLength(1);
  });
});
