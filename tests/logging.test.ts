import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/log/index.js";

const TOKEN = "7012345678:AAFakeTokenFakeTokenFakeTokenFake_x-1";

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString("utf8"));
      callback();
    },
  });
  return { stream, text: () => chunks.join("") };
}

describe("the logger", () => {
  it.each(["json", "pretty"] as const)("never writes the bot token (%s)", (format) => {
    const out = capture();
    const log = createLogger({ format, destination: out.stream, secrets: [TOKEN], level: "debug" });
    log.info({ token: TOKEN, telegram: { token: TOKEN } }, "configured");
    log.info(`calling https://api.telegram.org/bot${TOKEN}/getMe`);
    log.error(
      { err: new Error(`request to /bot${encodeURIComponent(TOKEN)}/sendMessage failed`) },
      "send failed",
    );
    log.debug({ url: `http://127.0.0.1:8081/bot${TOKEN}/getUpdates?offset=1` }, "polling");
    const text = out.text();
    expect(text).toContain("configured");
    expect(text).toContain("getMe");
    expect(text).toContain("sendMessage failed");
    expect(text).toContain("[REDACTED]");
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain("AAFakeToken");
  });

  it("also scrubs tokens it was not told about (anything shaped like a bot token)", () => {
    const out = capture();
    const log = createLogger({ format: "json", destination: out.stream });
    log.warn(`leaked bot${TOKEN}/x`);
    expect(out.text()).not.toContain("AAFakeToken");
  });

  it("writes one JSON object per line in json format", () => {
    const out = capture();
    const log = createLogger({ format: "json", destination: out.stream });
    log.info({ chat: 1 }, "hello");
    const line = JSON.parse(out.text().trim()) as { msg: string; chat: number; level: number };
    expect(line).toMatchObject({ msg: "hello", chat: 1, level: 30 });
  });
});
