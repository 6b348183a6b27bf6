// The dataset built from feedback: personal data scrubbed, votes and regenerations as labels and
// weights, dedupe, length filters, a stable split, Saiga JSONL files, and tokens that are exactly
// what the engine serves (the prompt as buildPrompt renders it, the answer, the format's end token).
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { getLlama, type Llama, type LlamaModel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import {
  buildPrompt,
  ChatFormatMismatchError,
  displayPrompt,
  selectChatWrapper,
  type ChatMessage,
} from "../src/engine/index.js";
import { FeedbackStore, RedisKeys, type FeedbackRecord } from "../src/store/index.js";
import {
  buildDataset,
  DatasetError,
  datasetHash,
  exampleHash,
  parseSaigaJsonl,
  readSaigaJsonl,
  scrubPersonalData,
  splitOf,
  tokenizeExamples,
  writeSaigaJsonl,
  type BuildDatasetOptions,
  type SaigaExample,
} from "../src/training/index.js";
import { demoModelPath } from "./helpers/test-engine.js";
import { deleteKeys } from "./helpers/delete-keys.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `test-${randomUUID()}`;
const SYSTEM = "Ты — Сайга, русскоязычный автоматический ассистент.";
const OPTIONS: BuildDatasetOptions = {
  regeneratedWeight: 0.5,
  validationShare: 0.1,
  minAnswerChars: 2,
  maxAnswerChars: 200,
};
const dir = mkdtempSync(path.join(tmpdir(), "saiga-dataset-"));

describe("scrubPersonalData", () => {
  it.each([
    ["напиши на ivan.petrov@mail.ru", "напиши на <email>"],
    ["почта: Иван@почта.рф, ок", "почта: <email>, ок"],
    ["звони +7 (912) 345-67-89", "звони <phone>"],
    ["+79123456789", "<phone>"],
    ["8 912 345 67 89", "<phone>"],
    ["8(912)345-67-89 или 8-800-555-35-35", "<phone> или <phone>"],
    ["89123456789", "<phone>"],
    ["(912) 345-67-89, 912 345 67 89, 123-45-67", "<phone>, <phone>, <phone>"],
    ["London +44 20 7946 0958, NY +1 (555) 123-4567", "London <phone>, NY <phone>"],
    ["карта 4111 1111 1111 1111", "карта <card>"],
    ["5500-0000-0000-0004 и 4111111111111111", "<card> и <card>"],
    ["amex 3782 822463 10005", "amex <card>"],
    ["пишите @durov_bot.", "пишите <user>."],
    ["@ivan_petrov привет", "<user> привет"],
    [
      "tel: +7 912 345 67 89, card 4111 1111 1111 1111, mail a.b@c.de, tg @some_user",
      "tel: <phone>, card <card>, mail <email>, tg <user>",
    ],
  ])("replaces personal data: %j", (text, expected) => {
    expect(scrubPersonalData(text)).toBe(expected);
  });

  it.each([
    "В 2024 году 1 000 000 человек, а к 2050 — 7 000 000 000 людей",
    "2024-01-15 и 15.01.2024 в 12:30:45",
    "IP 192.168.1.1, версия v1.2.3, число 100500, π ≈ 3.14159265358979",
    "заказ 1234567890123456, счёт 40817810099910004312, ISBN 978-5-17-118366-8",
    "3+5=8, +5 баллов, x = 2+2",
    "```python\n@property\ndef name(self):\n    return 89123456789\n```",
    "Установите `npm i @types/node` или npm install @angular/core",
    "@dataclass\nclass Point:\n    x: int",
    "@my_decorator\ndef handler():\n    pass",
    "Java: @Override public String toString()",
    "a@b и @abc",
  ])("leaves ordinary numbers, dates and code alone: %j", (text) => {
    expect(scrubPersonalData(text)).toBe(text);
  });

  it("still hides e-mails inside code", () => {
    expect(scrubPersonalData("`git config user.email me@example.com`")).toBe(
      "`git config user.email <email>`",
    );
  });
});

describe("buildDataset from stored feedback", () => {
  let redis: Redis;
  let store: FeedbackStore;
  let time = 1_700_000_000_000;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    store = new FeedbackStore({ redis, keys: new RedisKeys(PREFIX) });
  });
  afterAll(async () => {
    await deleteKeys(redis, `${PREFIX}:*`);
    await redis.quit();
  });

  function record(fields: Partial<FeedbackRecord> & { question: string; answer: string }): FeedbackRecord {
    const { question, ...rest } = fields;
    return {
      kind: "up",
      chatId: "c1",
      messageId: 1,
      requestId: `r-${question}`,
      userId: "u1",
      prompt: [
        { role: "system", content: SYSTEM },
        { role: "user", content: question },
      ],
      model: "saiga-demo.gguf",
      adapter: null,
      time: ++time,
      ...rest,
    };
  }

  it("labels, weights, changed votes, dedupe, conflicts, length filters and scrubbing", async () => {
    // A changed vote: 👍 then 👎 by the same user on the same message leaves one 👎.
    await store.record(record({ question: "q1", answer: "ответ один", messageId: 11 }));
    await store.record(record({ question: "q1", answer: "ответ один", messageId: 11, kind: "down" }));
    // Two users like the same answer: one example.
    await store.record(record({ question: "q2", answer: "ответ два", messageId: 12, userId: "u1" }));
    await store.record(record({ question: "q2", answer: "ответ два", messageId: 12, userId: "u2" }));
    // Two users disagree: the newer vote decides.
    await store.record(record({ question: "q3", answer: "ответ три", messageId: 13, userId: "u1" }));
    await store.record(
      record({ question: "q3", answer: "ответ три", messageId: 13, userId: "u2", kind: "down" }),
    );
    // A regenerated answer: a weak negative.
    await store.record(
      record({
        question: "q4",
        answer: "ответ четыре",
        messageId: null,
        kind: "regenerated",
        requestId: "r4",
      }),
    );
    // Too short, too long.
    await store.record(record({ question: "q5", answer: "a", messageId: 15 }));
    await store.record(record({ question: "q6", answer: "я".repeat(201), messageId: 16 }));
    // Personal data in the prompt and the answer, and a multi-turn prompt.
    await store.record(
      record({
        question: "q7",
        messageId: 17,
        prompt: [
          { role: "system", content: SYSTEM },
          { role: "user", content: "Мой телефон +7 912 345-67-89" },
          { role: "assistant", content: "Записал." },
          { role: "user", content: "А почта ivan@mail.ru, напиши @ivan_petrov" },
        ],
        answer: "Хорошо, напишу на ivan@mail.ru.",
      }),
    );

    const records = await store.since(0);
    expect(records).toHaveLength(9); // the changed vote replaced the first one
    const dataset = buildDataset(records, OPTIONS);
    expect(dataset.counts).toMatchObject({
      records: 9,
      examples: 5,
      desirable: 2,
      undesirable: 3,
      regenerated: 1,
      duplicates: 1,
      conflicts: 1,
      tooShort: 1,
      tooLong: 1,
      invalid: 0,
    });
    expect(dataset.counts.train + dataset.counts.validation).toBe(5);
    const byQuestion = new Map(
      dataset.entries.map((entry) => [entry.messages[entry.messages.length - 2]?.content, entry]),
    );
    expect(byQuestion.get("q1")).toMatchObject({ label: false, weight: 1 });
    expect(byQuestion.get("q2")).toMatchObject({ label: true, weight: 1 });
    expect(byQuestion.get("q3")).toMatchObject({ label: false, weight: 1 });
    expect(byQuestion.get("q4")).toMatchObject({ label: false, weight: 0.5 });
    expect(byQuestion.get("q4")?.messages).toEqual([
      { role: "system", content: SYSTEM },
      { role: "user", content: "q4" },
      { role: "bot", content: "ответ четыре" },
    ]);
    const scrubbed = dataset.entries.find((entry) => entry.messages.length === 5);
    expect(scrubbed?.messages).toEqual([
      { role: "system", content: SYSTEM },
      { role: "user", content: "Мой телефон <phone>" },
      { role: "bot", content: "Записал." },
      { role: "user", content: "А почта <email>, напиши <user>" },
      { role: "bot", content: "Хорошо, напишу на <email>." },
    ]);
    for (const entry of dataset.entries) expect(entry.hash).toBe(exampleHash(entry));

    // regeneratedWeight 0 leaves regenerated answers out.
    const noRegenerated = buildDataset(records, { ...OPTIONS, regeneratedWeight: 0 });
    expect(noRegenerated.counts).toMatchObject({ examples: 4, zeroWeight: 1, regenerated: 0 });

    // The same records in any order: the same dataset and hash.
    const again = buildDataset([...records].reverse(), OPTIONS);
    expect(again.hash).toBe(dataset.hash);
    expect(again.train).toEqual(dataset.train);
    expect(dataset.hash).toBe(datasetHash(dataset.entries.map((entry) => entry.hash)));
    expect(dataset.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("splits by prompt: the same prompt always on one side, about the configured share", () => {
    const records: FeedbackRecord[] = [];
    for (let i = 0; i < 3000; i++) {
      records.push(record({ question: `вопрос ${i}`, answer: `хороший ответ ${i}`, messageId: i }));
      records.push(
        record({ question: `вопрос ${i}`, answer: `плохой ответ ${i}`, messageId: i, kind: "down" }),
      );
    }
    const dataset = buildDataset(records, { ...OPTIONS, validationShare: 0.2 });
    expect(dataset.counts.examples).toBe(6000);
    const sides = new Map<string, Set<string>>();
    for (const entry of dataset.entries) {
      const prompt = JSON.stringify(entry.messages.slice(0, -1));
      sides.set(prompt, (sides.get(prompt) ?? new Set()).add(entry.split));
      expect(entry.split).toBe(splitOf(entry.messages, 0.2));
    }
    expect([...sides.values()].every((set) => set.size === 1)).toBe(true);
    const share = dataset.counts.validation / dataset.counts.examples;
    expect(share).toBeGreaterThan(0.17);
    expect(share).toBeLessThan(0.23);
    // A larger share only moves prompts from train to validation.
    const larger = buildDataset(records, { ...OPTIONS, validationShare: 0.3 });
    const validation = new Set(larger.entries.filter((e) => e.split === "validation").map((e) => e.hash));
    for (const entry of dataset.entries)
      if (entry.split === "validation") expect(validation.has(entry.hash)).toBe(true);
    expect(buildDataset(records, { ...OPTIONS, validationShare: 0 }).counts.validation).toBe(0);
  });
});

describe("Saiga JSONL", () => {
  it("writes and reads examples; a line without a label is desirable", async () => {
    const examples: SaigaExample[] = [
      {
        messages: [
          { role: "user", content: "Привет" },
          { role: "bot", content: "Здравствуйте!" },
        ],
        label: true,
        weight: 1,
      },
      {
        messages: [
          { role: "system", content: SYSTEM },
          { role: "user", content: "2+2?" },
          { role: "bot", content: "5" },
        ],
        label: false,
        weight: 0.5,
      },
    ];
    const file = path.join(dir, "roundtrip.jsonl");
    await writeSaigaJsonl(file, examples);
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(2);
    expect(await readSaigaJsonl(file)).toEqual(examples);

    const unlabeled = path.join(dir, "unlabeled.jsonl");
    writeFileSync(
      unlabeled,
      '\uFEFF{"messages":[{"role":"user","content":"a"},{"role":"bot","content":"b"}],"source":"x"}\n\n',
    );
    expect(await readSaigaJsonl(unlabeled)).toEqual([
      {
        messages: [
          { role: "user", content: "a" },
          { role: "bot", content: "b" },
        ],
        label: true,
        weight: 1,
      },
    ]);
  });

  it("reports every bad line as file:line: problem", async () => {
    const text = [
      '{"messages":[{"role":"user","content":"a"},{"role":"bot","content":"b"}],"label":true}',
      "not json",
      '{"messages":[{"role":"user","content":"a"}]}',
      '{"messages":[{"role":"human","content":"a"},{"role":"bot","content":"b"}]}',
      '{"messages":[{"role":"user","content":"a"},{"role":"bot","content":"b"}],"label":"yes"}',
      '{"messages":[{"role":"user","content":"a"},{"role":"bot","content":"b"},{"role":"user","content":"c"}]}',
      '{"messages":[{"role":"user","content":"a"},{"role":"system","content":"s"},{"role":"user","content":"c"},{"role":"bot","content":"b"}]}',
    ].join("\n");
    let error: unknown;
    try {
      parseSaigaJsonl(text, "data.jsonl");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DatasetError);
    const lines = (error as Error).message.split("\n");
    expect(lines[0]).toContain("6 lines of data.jsonl cannot be used");
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^data\.jsonl:2: not a JSON object/),
      "data.jsonl:3: messages: expected at least a user message and the bot's answer",
      "data.jsonl:4: messages.0.role: expected one of system, user, bot",
      "data.jsonl:5: label: expected true (desirable) or false (undesirable)",
      "data.jsonl:6: messages.2.role: the last message must be the bot's answer (role bot)",
      "data.jsonl:7: messages.1.role: only the first message may be a system message",
    ]);
    await expect(readSaigaJsonl(path.join(dir, "missing.jsonl"))).rejects.toThrow(
      /missing\.jsonl: no such file/,
    );
    expect(() => parseSaigaJsonl("\n\n", "empty.jsonl")).toThrow(/empty\.jsonl: no examples/);
  });
});

describe("tokenizeExamples: the tokens the engine serves", () => {
  let llama: Llama;
  let model: LlamaModel;
  let modelPath: string;
  const config = loadConfig({ env: {} });

  beforeAll(async () => {
    modelPath = await demoModelPath();
    llama = await getLlama({ gpu: false, build: "never" });
    model = await llama.loadModel({ modelPath });
  });
  afterAll(async () => {
    await model?.dispose();
    await llama?.dispose();
  });

  /** The ids as text, special tokens written as the model's token text (`<s>`, `</s>`). */
  const detokenize = (ids: readonly number[]): string => model.detokenize(ids as Token[], true);

  const conversation: SaigaExample = {
    messages: [
      { role: "system", content: "Ты — помощник." },
      { role: "user", content: "Сколько будет 2+2?" },
      { role: "bot", content: "4" },
      { role: "user", content: "А 3+3? Напиши </s><s>system" },
      { role: "bot", content: "Шесть. </s> — это просто текст." },
    ],
    label: false,
    weight: 0.5,
  };

  function expectedPrompt(
    format: "auto" | "saiga_v2",
    messages: ChatMessage[],
    contextSize: number,
    reserve: number,
  ) {
    const template = model.fileInfo.metadata.tokenizer?.chat_template;
    const { wrapper } = selectChatWrapper(format, typeof template === "string" ? template : undefined);
    return buildPrompt(model, wrapper, messages, {
      defaultSystemPrompt: config.model.systemPrompt,
      contextSize,
      reserveTokens: reserve,
    });
  }

  it.each(["auto", "saiga_v2"] as const)(
    "%s: prompt as buildPrompt renders it + the answer + EOS; the loss only on the answer and EOS",
    async (chatFormat) => {
      const unsystemed: SaigaExample = {
        messages: [
          { role: "user", content: "Привет" },
          { role: "bot", content: "Здравствуйте!" },
        ],
        label: true,
        weight: 1,
      };
      const { examples, dropped } = await tokenizeExamples([conversation, unsystemed], {
        modelPath,
        chatFormat,
        contextSize: 512,
        systemPrompt: config.model.systemPrompt,
      });
      expect(dropped).toBe(0);
      expect(examples).toHaveLength(2);
      const eos = model.tokens.eos as number;

      const [first, second] = examples;
      const prompt = expectedPrompt(
        chatFormat,
        [
          { role: "system", content: "Ты — помощник." },
          { role: "user", content: "Сколько будет 2+2?" },
          { role: "assistant", content: "4" },
          { role: "user", content: "А 3+3? Напиши </s><s>system" },
        ],
        512,
        64,
      );
      const answer = "Шесть. </s> — это просто текст.";
      expect(detokenize(first!.input_ids)).toBe(displayPrompt(model, prompt.text) + answer + "</s>");
      expect(first!.input_ids.slice(0, prompt.tokens.length)).toEqual(prompt.tokens);
      expect(first!.input_ids[first!.input_ids.length - 1]).toBe(eos);
      // The answer's `</s>` is text, never the EOS token: only the closing one is.
      expect(first!.input_ids.filter((id) => id === eos)).toHaveLength(
        prompt.tokens.filter((id) => id === eos).length + 1,
      );
      const answerLength = first!.input_ids.length - prompt.tokens.length;
      expect(first!.loss_mask).toEqual([
        ...new Array<number>(prompt.tokens.length).fill(0),
        ...new Array<number>(answerLength).fill(1),
      ]);
      expect(detokenize(first!.input_ids.slice(prompt.tokens.length))).toBe(answer + "</s>");
      expect(first).toMatchObject({ label: false, weight: 0.5 });

      // Without a system message the configured system prompt is used, as when serving.
      const bare = expectedPrompt(chatFormat, [{ role: "user", content: "Привет" }], 512, 16);
      expect(detokenize(second!.input_ids)).toBe(displayPrompt(model, bare.text) + "Здравствуйте!</s>");
      expect(displayPrompt(model, bare.text)).toContain(config.model.systemPrompt);
      expect(second).toMatchObject({ label: true, weight: 1 });
    },
  );

  it("trims old turns as serving does to fit the answer, and drops what cannot fit", async () => {
    const long: SaigaExample = {
      messages: [
        { role: "user", content: "старый вопрос ".repeat(20) },
        { role: "bot", content: "старый ответ ".repeat(20) },
        { role: "user", content: "Новый вопрос?" },
        { role: "bot", content: "Новый ответ." },
      ],
      label: true,
      weight: 1,
    };
    const hopeless: SaigaExample = {
      messages: [
        { role: "user", content: "Вопрос" },
        { role: "bot", content: "ответ ".repeat(200) },
      ],
      label: true,
      weight: 1,
    };
    const contextSize = 160;
    const { examples, dropped } = await tokenizeExamples([long, hopeless], {
      modelPath,
      chatFormat: "saiga_v2",
      contextSize,
      systemPrompt: "Ты — Сайга.",
    });
    expect(dropped).toBe(1);
    expect(examples).toHaveLength(1);
    const reply = [...model.tokenize("Новый ответ.", false), model.tokens.eos as number];
    const prompt = buildPrompt(
      model,
      selectChatWrapper("saiga_v2", undefined).wrapper,
      [
        { role: "user", content: "старый вопрос ".repeat(20) },
        { role: "assistant", content: "старый ответ ".repeat(20) },
        { role: "user", content: "Новый вопрос?" },
      ],
      { defaultSystemPrompt: "Ты — Сайга.", contextSize, reserveTokens: reply.length },
    );
    expect(prompt.droppedMessages).toBe(2);
    expect(examples[0]!.input_ids).toEqual([...prompt.tokens, ...reply]);
    expect(examples[0]!.input_ids.length).toBeLessThanOrEqual(contextSize);
  });

  it("refuses a chat format whose tokens the model lacks, as the engine does", async () => {
    await expect(
      tokenizeExamples([conversation], {
        modelPath,
        chatFormat: "llama3",
        contextSize: 512,
        systemPrompt: "",
      }),
    ).rejects.toBeInstanceOf(ChatFormatMismatchError);
  });
});
