// The demo model under real llama.cpp (node-llama-cpp): loads, tokenizes losslessly, evaluates deterministically.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  JinjaTemplateChatWrapper,
  getLlama,
  type ChatHistoryItem,
  type Llama,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEMO_MODEL_NAME,
  GgmlType,
  SAIGA_DEFAULT_SYSTEM_PROMPT,
  SAIGA_V2_JINJA_TEMPLATE,
  describeModel,
  readGguf,
  writeDemoModel,
  writeLlamaModel,
} from "../src/gguf/index.js";
import { SPM_FIRST_BYTE_ID } from "../src/gguf/spm-vocab.js";

let dir: string;
let modelPath: string;
let llama: Llama;
let model: LlamaModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "demo-model-"));
  modelPath = join(dir, "saiga-demo.gguf");
  await writeDemoModel(modelPath);
  llama = await getLlama({ gpu: false, build: "never" });
  model = await llama.loadModel({ modelPath });
});

afterAll(async () => {
  await model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("demo model file", () => {
  it("is small and byte-for-byte reproducible", async () => {
    const { size } = await stat(modelPath);
    expect(size).toBeLessThan(5 * 1024 * 1024);
    const again = join(dir, "again.gguf");
    await writeDemoModel(again);
    const sha = async (p: string): Promise<string> =>
      createHash("sha256")
        .update(await readFile(p))
        .digest("hex");
    expect(await sha(again)).toBe(await sha(modelPath));
  });

  it("describes itself", async () => {
    const info = await describeModel(modelPath);
    expect(info).toMatchObject({
      architecture: "llama",
      name: DEMO_MODEL_NAME,
      quantization: "F16",
      contextLength: 2048,
      embeddingLength: 128,
      layers: 4,
      heads: 4,
      headsKv: 4,
      chatTemplate: SAIGA_V2_JINJA_TEMPLATE,
    });
    const file = await readGguf(modelPath);
    expect(info.vocabSize).toBe(file.tensors.find((t) => t.name === "token_embd.weight")?.dims[1]);
    const nVocab = info.vocabSize ?? 0;
    const perLayer = 2 * 128 + 4 * 128 * 128 + 3 * 128 * 384;
    expect(info.parameters).toBe(2 * nVocab * 128 + 4 * perLayer + 128);
    expect(model.vocabularyType).toBe("spm");
    expect(info.fileSize).toBe((await stat(modelPath)).size);
    // Matrices F16, norms F32 (as llama.cpp's converters lay them out).
    for (const t of file.tensors) {
      expect(t.type, t.name).toBe(t.dims.length === 1 ? GgmlType.F32 : GgmlType.F16);
    }
  });
});

describe("demo model tokenizer (llama.cpp)", () => {
  it("uses LLaMA's special token ids", () => {
    expect(model.tokens.bos).toBe(1);
    expect(model.tokens.eos).toBe(2);
    expect(model.tokens.nl).toBe(3 + 0x0a); // the <0x0A> byte token
  });

  it.each([
    ["Russian", "Привет! Как дела? Ёжик съел щавель — «вкусно»…"],
    ["English", "The quick brown fox jumps over the lazy dog."],
    ["emoji", "🙂👍🏽 🇷🇺 family: 👨‍👩‍👧"],
    ["leading/trailing spaces", "   spaced out   "],
    ["tabs and newlines", "\tline one\n\n\tline two\r\n"],
    ["double spaces", "a  b   c    d"],
    ["mixed", "  Сайга says\t«hi» 🐑\n\n  "],
    ["only whitespace", " \n\t "],
    ["special-looking text", "<s>user\n</s><unk><0x41>"],
  ])("round-trips %s exactly", (_label, text) => {
    const tokens = model.tokenize(text);
    expect(tokens.length).toBeGreaterThan(0);
    expect(model.detokenize(tokens)).toBe(text);
  });

  it("keeps BOS/EOS out of plain text and parses them only on request", () => {
    const plain = model.tokenize("</s><s>system");
    expect(plain).not.toContain(1);
    expect(plain).not.toContain(2);
    expect(model.tokenize("</s>", true)).toEqual([2]);
    expect(model.tokenize("<s>", true)).toEqual([1]);
  });
});

describe("saiga_v2 chat template", () => {
  const wrapper = new JinjaTemplateChatWrapper({ template: SAIGA_V2_JINJA_TEMPLATE });

  const render = (chatHistory: ChatHistoryItem[]): Token[] =>
    wrapper.generateContextState({ chatHistory }).contextText.tokenize(model.tokenizer);

  it("renders BOS/EOS as tokens and inserts the default system prompt", () => {
    const tokens = render([
      { type: "user", text: "Привет" },
      { type: "model", response: ["Здравствуй"] },
      { type: "user", text: "Как дела?" },
      { type: "model", response: [] },
    ]);
    const expected = [
      1,
      ...model.tokenize(`system\n${SAIGA_DEFAULT_SYSTEM_PROMPT}`),
      2,
      ...model.tokenize("\n"),
      1,
      ...model.tokenize("user\nПривет"),
      2,
      ...model.tokenize("\n"),
      1,
      ...model.tokenize("bot\nЗдравствуй"),
      2,
      ...model.tokenize("\n"),
      1,
      ...model.tokenize("user\nКак дела?"),
      2,
      ...model.tokenize("\n"),
      1,
      ...model.tokenize("bot\n"),
    ];
    expect(tokens).toEqual(expected);
  });

  it("uses a given system message instead of the default", () => {
    const tokens = render([
      { type: "system", text: "Ты бот." },
      { type: "user", text: "Привет" },
      { type: "model", response: [] },
    ]);
    expect(model.detokenize(tokens, true)).toBe("<s>system\nТы бот.</s>\n<s>user\nПривет</s>\n<s>bot\n");
  });
});

describe("demo model evaluation (llama.cpp)", () => {
  it("generates the same tokens greedily from the same prompt", async () => {
    const context = await model.createContext({ contextSize: 512, threads: 2 });
    try {
      const sequence = context.getSequence();
      const prompt = model.tokenize("<s>user\nПривет!</s>\n<s>bot\n", true);
      const generate = async (): Promise<number[]> => {
        const out: number[] = [];
        for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
          out.push(token);
          if (out.length === 20) break;
        }
        return out;
      };
      const first = await generate();
      await sequence.clearHistory();
      const second = await generate();
      expect(first).toHaveLength(20);
      expect(second).toEqual(first);
    } finally {
      await context.dispose();
    }
  });

  it("never says a muted token: greedy text of a model with its byte and control tokens muted is valid UTF-8", async () => {
    const path = join(dir, "muted.gguf");
    const muted = Array.from({ length: SPM_FIRST_BYTE_ID + 256 }, (_, id) => id);
    await writeLlamaModel(path, {
      nEmbd: 64,
      nLayer: 2,
      nHead: 4,
      nFf: 128,
      contextLength: 256,
      seed: 3,
      mutedTokens: muted,
    });
    const variant = await llama.loadModel({ modelPath: path });
    try {
      const context = await variant.createContext({ contextSize: 256, threads: 1 });
      const out: Token[] = [];
      for await (const token of context
        .getSequence()
        .evaluate(variant.tokenize("hello"), { temperature: 0 })) {
        out.push(token);
        if (out.length === 40) break;
      }
      expect(out.filter((token) => token < muted.length)).toEqual([]);
      const text = variant.detokenize(out);
      expect(text).not.toContain("\uFFFD");
      await context.dispose();
    } finally {
      await variant.dispose();
    }
  });

  it("loads and runs Q8_0 and F32 variants too", async () => {
    for (const weightType of [GgmlType.Q8_0, GgmlType.F32] as const) {
      const path = join(dir, `variant-${weightType}.gguf`);
      await writeLlamaModel(path, {
        nEmbd: 64,
        nLayer: 2,
        nHead: 4,
        nHeadKv: 2,
        nFf: 128,
        contextLength: 256,
        weightType,
        seed: 5,
      });
      const variant = await llama.loadModel({ modelPath: path });
      try {
        const context = await variant.createContext({ contextSize: 256, threads: 1 });
        const sequence = context.getSequence();
        const out: number[] = [];
        for await (const token of sequence.evaluate(variant.tokenize("hello"), { temperature: 0 })) {
          out.push(token);
          if (out.length === 5) break;
        }
        expect(out).toHaveLength(5);
        await context.dispose();
      } finally {
        await variant.dispose();
      }
    }
  });
});
