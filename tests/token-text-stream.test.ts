// The UTF-8 hold-back of the token stream, on token sequences built by construction from the demo
// model's byte tokens (`<0xD0>` …): what a model samples plays no part, so this holds on any CPU.
import { describe, expect, it } from "vitest";
import type { Token } from "node-llama-cpp";
import { TokenTextStream } from "../src/engine/token-text-stream.js";
import { SPM_FIRST_BYTE_ID } from "../src/gguf/spm-vocab.js";
import { testEngine } from "./helpers/test-engine.js";

/** The demo vocabulary's byte token for each byte. */
const byteTokens = (bytes: Iterable<number>): Token[] =>
  [...bytes].map((b) => (SPM_FIRST_BYTE_ID + b) as Token);
const utf8 = (text: string) => byteTokens(Buffer.from(text, "utf8"));

/** Streams `tokens` one by one; returns every delta, the flush included. */
async function stream(tokens: readonly Token[]): Promise<string[]> {
  const { model } = await testEngine();
  const text = new TokenTextStream(model);
  const deltas = tokens.map((token) => text.push(token));
  deltas.push(text.flush());
  return deltas;
}

describe("token text stream", () => {
  it("holds back a Cyrillic letter split across two byte tokens until its second byte", async () => {
    expect(await stream(utf8("П"))).toEqual(["", "П", ""]);
  });

  it("holds back an emoji split across four byte tokens until its last byte", async () => {
    expect(await stream(utf8("😀"))).toEqual(["", "", "", "😀", ""]);
  });

  it("streams mixed text in byte tokens as whole characters that add up to the text", async () => {
    const text = "Привет, мир! 😀 Ёж — «ёлка» 🇷🇺 №1";
    const deltas = await stream(utf8(text));
    expect(deltas.join("")).toBe(text);
    expect(deltas.some((delta) => delta.includes("\uFFFD"))).toBe(false);
  });

  it("mixes byte tokens and the vocabulary's own pieces", async () => {
    const { model } = await testEngine();
    const tokens = [...model.tokenize("Да", false), ...utf8("🙂"), ...model.tokenize("нет", false)];
    expect((await stream(tokens)).join("")).toBe(model.detokenize(tokens));
  });

  it("keeps a letter whole after invalid bytes, as decoding all the bytes at once does", async () => {
    // Three stray continuation bytes, then П: four U+FFFD-ending tokens in a row used to push the
    // letter's first byte out as U+FFFD of its own.
    const bytes = [0x80, 0x80, 0x80, 0xd0, 0x9f, 0x41];
    const deltas = await stream(byteTokens(bytes));
    expect(deltas.join("")).toBe(Buffer.from(bytes).toString("utf8"));
    expect(deltas.join("")).toBe("\uFFFD\uFFFD\uFFFDПA");
  });

  it("ends an answer cut in the middle of a character before that character", async () => {
    const bytes = [...Buffer.from("Да ", "utf8"), 0xf0, 0x9f, 0x98];
    const deltas = await stream(byteTokens(bytes));
    expect(deltas.join("")).toBe("Да ");
  });

  it("agrees with decoding all the bytes at once on any byte sequence", async () => {
    // Seeded sequences of valid characters, stray continuation bytes, cut-off lead bytes and ASCII.
    let state = 12345;
    const next = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    const pieces = ["a", " ", "П", "ё", "€", "😀", "\u{1F1F7}", "\n"].map((c) => [...Buffer.from(c, "utf8")]);
    const junk = [[0x80], [0xbf], [0xd0], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xff], [0xc0, 0xaf]];
    for (let run = 0; run < 40; run++) {
      const bytes: number[] = [];
      for (let i = 0; i < 30; i++)
        bytes.push(...(next(4) === 0 ? junk[next(junk.length)]! : pieces[next(pieces.length)]!));
      const deltas = await stream(byteTokens(bytes));
      const whole = Buffer.from(bytes).toString("utf8");
      // The flush drops a final U+FFFD (a cut-off character), so compare without it.
      expect(deltas.join("")).toBe(whole.replace(/\uFFFD$/, ""));
    }
  });
});
