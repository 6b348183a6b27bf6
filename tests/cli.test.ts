// The saiga command as a user runs it: a real child process, real llama.cpp on the demo model.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readGguf } from "../src/gguf/index.js";
import { createRedis } from "../src/store/redis-connection.js";
import { BotApiEmulator } from "./helpers/bot-api-emulator/index.js";
import { deleteKeys } from "./helpers/delete-keys.js";
import { PROJECT_ROOT, runSaiga, TEST_DATA_DIR } from "./helpers/run-saiga.js";

const tmp = mkdtempSync(path.join(tmpdir(), "saiga-cli-"));

function messagesFile(messages: unknown): string {
  const file = path.join(tmp, `messages-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(messages));
  return file;
}

interface OnceResult {
  text: string;
  stats: { completionTokens: number; promptTokens: number; stopReason: string; tokensPerSecond: number };
  engine: { threads: number; gpu: string; chatFormat: string };
}

describe("saiga chat --once", () => {
  it("answers with JSON that has the text and the stats, the same for the same seed", async () => {
    const args = [
      "chat",
      "--once",
      "Привет, как дела?",
      "--json",
      "--seed",
      "11",
      "--temperature",
      "0.9",
      "--max-tokens",
      "12",
    ];
    const first = await runSaiga(args, { LOG_LEVEL: "warn" });
    const second = await runSaiga(args, { LOG_LEVEL: "warn" });
    expect(first.code, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout) as OnceResult;
    const b = JSON.parse(second.stdout) as OnceResult;
    expect(a.text).toBe(b.text);
    expect(["eos", "maxTokens"]).toContain(a.stats.stopReason);
    expect(a.stats.completionTokens).toBeLessThanOrEqual(12);
    expect(a.engine).toMatchObject({ gpu: "cpu", chatFormat: "the model's own chat template" });
    expect(first.stderr).toContain("gibberish by construction");
  });

  it("streams plain text without --json: the same answer, and a closing newline", async () => {
    const args = ["chat", "--once", "hi", "--max-tokens", "8", "--temperature", "0"];
    const run = await runSaiga(args, { LOG_LEVEL: "silent" });
    const json = await runSaiga([...args, "--json"], { LOG_LEVEL: "silent" });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${(JSON.parse(json.stdout) as OnceResult).text}\n`);
  });

  it("says clearly when the message does not fit the context, exit code 1", async () => {
    const run = await runSaiga(["chat", "--once", "б".repeat(3000)], {
      LOG_LEVEL: "silent",
      SAIGA_MODEL_CONTEXT_SIZE: "512",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^saiga: The message is too long: .* Send a shorter message/);
  });

  it("says clearly when the model file does not exist", async () => {
    const run = await runSaiga(["chat", "--once", "hi"], { MODEL: "/nowhere/model.gguf" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Model file not found: /nowhere/model.gguf");
  });
});

describe("saiga chat (interactive)", () => {
  it("streams answers, handles /system and /reset, and Ctrl-C stops an answer but not the program", async () => {
    const child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, "bin/saiga.js"), "chat", "--max-tokens", "1500"],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, SAIGA_DATA_DIR: TEST_DATA_DIR, LOG_LEVEL: "silent", MODEL: "demo" },
      },
    );
    let stdout = "";
    const waitFor = (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (pattern.test(stdout)) {
            child.stdout.off("data", check);
            resolve();
          }
        };
        child.stdout.on("data", check);
        check();
      });
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));

    child.stdin.write("/system Ты — тестовый бот.\n");
    await waitFor(/system prompt set/);
    child.stdin.write("Напиши длинный рассказ\n");
    await waitFor(/set; conversation forgotten\)\n.+/s); // the answer started streaming
    child.kill("SIGINT");
    await waitFor(/\[stopped\]\n/);
    child.stdin.write("/reset\n");
    await waitFor(/conversation forgotten\)\n$/);
    child.stdin.end("/exit\n");
    expect(await exited).toBe(0);
  });
});

describe("saiga prompt", () => {
  it("prints exactly what the model sees, with <s> and </s>", async () => {
    const file = messagesFile([
      { role: "system", content: "Ты — Сайга." },
      { role: "user", content: "Привет" },
      { role: "assistant", content: "Здравствуй" },
      { role: "user", content: "Как дела? </s>" },
    ]);
    const run = await runSaiga(["prompt", "--format", "saiga_v2", "--messages", file], {
      LOG_LEVEL: "silent",
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(
      "<s>system\nТы — Сайга.</s>\n<s>user\nПривет</s>\n<s>bot\nЗдравствуй</s>\n<s>user\nКак дела? </s></s>\n<s>bot\n",
    );
  });

  it("prints token ids with --tokens, the typed </s> as bytes", async () => {
    const file = messagesFile([{ role: "user", content: "</s>" }]);
    const run = await runSaiga(["prompt", "--messages", file, "--tokens"], { LOG_LEVEL: "silent" });
    const tokens = JSON.parse(run.stdout) as number[];
    expect(tokens.filter((id) => id === 2)).toHaveLength(2); // two messages end with EOS; the typed one is text
    expect(tokens.filter((id) => id === 1)).toHaveLength(3); // system, user, bot
  });

  it("rejects a malformed messages file with a clear message", async () => {
    const file = messagesFile([{ role: "human", content: "hi" }]);
    const run = await runSaiga(["prompt", "--messages", file], { LOG_LEVEL: "silent" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/expected an array of \{role.*at 0\.role/);
  });
});

describe("saiga model", () => {
  it("make-demo writes a loadable GGUF and info describes it", async () => {
    const out = path.join(tmp, "demo.gguf");
    const made = await runSaiga(["model", "make-demo", "--out", out]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout.trim()).toBe(out);
    const file = await readGguf(out);
    expect(file.fileSize).toBeLessThan(5 * 1024 * 1024);

    const info = await runSaiga(["model", "info", out]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/architecture\s+llama/);
    expect(info.stdout).toMatch(/quantization\s+\S*F16/);
    expect(info.stdout).toMatch(/context length\s+2048/);
    expect(info.stdout).toContain("gibberish by construction");
    expect(info.stdout).toContain("bos_token + 'bot\\n'");
  });

  it("info fails clearly on a file that is not GGUF", async () => {
    const file = path.join(tmp, "not-a-model.gguf");
    writeFileSync(file, "hello world, not a model");
    const run = await runSaiga(["model", "info", file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^saiga: .*not a GGUF file/i);
    expect(run.stderr).not.toContain("    at "); // a message, not a stack trace
  });
});

describe("usage errors", () => {
  it("end with exit code 2 in nested subcommands too", async () => {
    for (const args of [
      ["model", "fetch", "nope"],
      ["adapters", "list", "--bogus"],
    ]) {
      const run = await runSaiga(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(/^error: /);
    }
  });
});

describe("saiga gateway", () => {
  it("refuses to start without a bot token, saying where to get one", async () => {
    const run = await runSaiga(["gateway"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/telegram\.token.*@BotFather.*BOT_TOKEN/);
  });

  it("says plainly when the Bot API refuses the token", async () => {
    const emulator = await BotApiEmulator.start();
    try {
      const run = await runSaiga(["gateway"], {
        BOT_TOKEN: "123456789:AAwrongwrongwrongwrongwrongwrongwrong",
        TELEGRAM_API_ROOT: emulator.apiRoot,
        REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
        SAIGA_REDIS_PREFIX: `cli-gateway-${process.pid}`,
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/refused the bot token \(401 Unauthorized\): check BOT_TOKEN/);
      expect(run.stderr).not.toContain("AAwrongwrong");
    } finally {
      await emulator.close();
    }
  });
});

describe("saiga adapters", () => {
  const env = {
    REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
    SAIGA_REDIS_PREFIX: `cli-adapters-${process.pid}`,
    LOG_LEVEL: "silent",
  };

  it("lists an empty registry, refuses an unknown version, and has nothing to roll back", async () => {
    const list = await runSaiga(["adapters", "list"], env);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toBe("no adapters yet: the bare model serves\n");
    const activate = await runSaiga(["adapters", "activate", "v-none"], env);
    expect(activate.code).toBe(1);
    expect(activate.stderr).toBe("saiga: no adapter version v-none (see: saiga adapters list)\n");
    const rollback = await runSaiga(["adapters", "rollback"], env);
    expect(rollback.stdout).toBe("nothing to roll back to\n");
  });

  afterAll(async () => {
    const redis = createRedis(env.REDIS_URL, { role: "client" });
    await deleteKeys(redis, `*cli-*-${process.pid}*`);
    await redis.quit();
  });
});

describe("saiga --help", () => {
  it.each([
    [[]],
    [["start"]],
    [["engine"]],
    [["gateway"]],
    [["trainer"]],
    [["train"]],
    [["adapters", "list"]],
    [["adapters", "activate"]],
    [["adapters", "rollback"]],
    [["dataset", "export"]],
    [["chat"]],
    [["prompt"]],
    [["model"]],
    [["model", "make-demo"]],
    [["model", "info"]],
    [["api"]],
    [["api", "key"]],
  ])("documents %j", async (command) => {
    const run = await runSaiga([...command, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: saiga/);
    expect(run.stdout).toContain("Options:");
  });

  it("lists every command at the top level", async () => {
    const run = await runSaiga(["--help"]);
    for (const command of [
      "start",
      "engine",
      "gateway",
      "trainer",
      "train",
      "adapters",
      "dataset",
      "chat",
      "prompt",
      "model",
      "api",
    ])
      expect(run.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
  });
});
