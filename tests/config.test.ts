import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/index.js";
import { runSaiga } from "./helpers/run-saiga.js";

describe("loadConfig", () => {
  it("gives the documented defaults with an empty environment", () => {
    const config = loadConfig({ env: {} });
    expect(config.redis.url).toBeNull(); // 127.0.0.1:6379, or a private redis-server for `saiga start`
    expect(config.model.source).toBe("demo");
    expect(config.model.systemPrompt).toBe(
      "Ты — Сайга, русскоязычный автоматический ассистент. Ты разговариваешь с людьми и помогаешь им.",
    );
    expect(config.telegram.apiRoot).toBe("https://api.telegram.org");
  });

  it("takes the well-known variables and SAIGA_ ones, converting their text", () => {
    const config = loadConfig({
      env: {
        BOT_TOKEN: "123456:secret",
        MODEL: "/models/saiga.gguf",
        ADMIN_IDS: "11, 22,33",
        REDIS_URL: "redis://redis.internal:6380/2",
        TELEGRAM_API_ROOT: "http://127.0.0.1:8081",
        LOG_LEVEL: "debug",
        SAIGA_MODEL_CONTEXT_SIZE: "4096",
        SAIGA_GENERATION_SEED: "7",
        SAIGA_MODEL_THREADS: "3",
        SAIGA_MODEL_CHAT_FORMAT: "llama3",
        // "null" turns off a setting that may be null, whatever the kind of its default
        SAIGA_TRAINING_SCHEDULE: "null",
      },
    });
    expect(config.training.schedule).toBeNull();
    expect(config.telegram).toMatchObject({
      token: "123456:secret",
      apiRoot: "http://127.0.0.1:8081",
      adminIds: [11, 22, 33],
    });
    expect(config.model.source).toBe("/models/saiga.gguf");
    expect(config.model.contextSize).toBe(4096);
    expect(config.model.threads).toBe(3);
    expect(config.model.chatFormat).toBe("llama3");
    expect(config.generation.seed).toBe(7);
    expect(config.log.level).toBe("debug");
  });

  it("gives a known model its own sampling unless the operator set it", () => {
    expect(loadConfig({ env: { MODEL: "smollm2" } }).generation).toMatchObject({
      temperature: 0.2,
      topP: 0.9,
    });
    const own = loadConfig({ env: { MODEL: "smollm2", SAIGA_GENERATION_TEMPERATURE: "0.7" } });
    expect(own.generation).toMatchObject({ temperature: 0.7, topP: 0.9 });
    expect(loadConfig({ env: {} }).generation.temperature).toBe(0.5);
  });

  it("merges an operator's file under the environment", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "saiga-config-"));
    const file = path.join(dir, "bot.yaml");
    writeFileSync(file, "generation:\n  temperature: 0.2\n  maxTokens: 100\nmodel:\n  sequences: 8\n");
    const config = loadConfig({ env: { SAIGA_GENERATION_MAX_TOKENS: "50" }, file });
    expect(config.generation.temperature).toBe(0.2);
    expect(config.generation.maxTokens).toBe(50);
    expect(config.model.sequences).toBe(8);
    expect(config.generation.topP).toBe(0.9); // untouched defaults stay
  });

  it.each([
    [{ SAIGA_MODEL_CONTEXT_SIZE: "big" }, "model.contextSize", '"big"', "SAIGA_MODEL_CONTEXT_SIZE"],
    [{ REDIS_URL: "localhost:6379" }, "redis.url", '"localhost:6379"', "redis://"],
    [{ ADMIN_IDS: "12,bob" }, "telegram.adminIds.1", '"bob"', "Telegram user ids"],
    [{ LOG_LEVEL: "loud" }, "log.level", '"loud"', "expected one of trace"],
    [{ SAIGA_MODEL_THREADS: "0" }, "model.threads", "0", '"auto" or a whole number'],
    [{ SAIGA_GENERATION_TOP_P: "1.5" }, "generation.topP", "1.5", "(0, 1]"],
    [{ SAIGA_MODEL_CHAT_FORMAT: "chatml" }, "model.chatFormat", '"chatml"', "auto, saiga_v2, llama3"],
    [{ SAIGA_TELEGRAM_MODE: "push" }, "telegram.mode", '"push"', "polling, webhook"],
    [
      { SAIGA_TELEGRAM_WEBHOOK_URL: "bot.example.com" },
      "telegram.webhook.url",
      "bot.example.com",
      "https URL",
    ],
    [{ SAIGA_TELEGRAM_DRAFTS: "maybe" }, "telegram.drafts", '"maybe"', "true or false"],
    [{ SAIGA_LIMITS_MAX_MESSAGE_LENGTH: "0" }, "limits.maxMessageLength", "0", "≥ 1"],
    [
      { SAIGA_MODEL_CONTEX_SIZE: "4096" },
      "SAIGA_MODEL_CONTEX_SIZE",
      "unknown setting",
      "config/default.yaml",
    ],
  ])("rejects %o naming %s", (env, setting, value, expected) => {
    let error: unknown;
    try {
      loadConfig({ env });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain(setting);
    expect(message).toContain(value);
    expect(message).toContain(expected);
    expect(message).not.toContain("\n");
  });

  it("names unknown keys in a file", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "saiga-config-"));
    const file = path.join(dir, "bot.yaml");
    writeFileSync(file, "model:\n  contextSise: 100\n");
    expect(() => loadConfig({ env: {}, file })).toThrow(/model\.contextSise.*unknown setting/);
  });
});

describe("saiga with a bad setting", () => {
  it("exits with code 2 and one line naming the setting, the value and what is expected", async () => {
    const run = await runSaiga(["chat", "--once", "hi"], { SAIGA_GENERATION_TEMPERATURE: "hot" });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/generation\.temperature.*"hot".*SAIGA_GENERATION_TEMPERATURE.*expected/);
    expect(run.stdout).toBe("");
  });

  it("never prints the bot token when the token itself is the bad value", async () => {
    const run = await runSaiga(["chat", "--once", "hi"], {
      BOT_TOKEN: "123456789:AAHsecretsecretsecretsecretsecret00",
      REDIS_URL: "nonsense",
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("redis.url");
    expect(run.stderr).not.toContain("AAHsecret");
  });

  it("never prints the value of an unknown SAIGA_ variable: it may be a key", async () => {
    const run = await runSaiga(["chat", "--once", "hi"], { SAIGA_JUDGE_API_KEY: "sk-proj-secretsecret0042" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown setting SAIGA_JUDGE_API_KEY");
    expect(run.stderr).not.toContain("secretsecret0042");
  });

  it("refuses a dashboard without a long enough password, never showing the one given", async () => {
    const run = await runSaiga(["api"], {
      SAIGA_DASHBOARD_ENABLED: "true",
      SAIGA_DASHBOARD_PASSWORD: "short-pw",
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/dashboard\.password.*\[REDACTED\].*at least 12 characters/);
    expect(run.stderr).not.toContain("short-pw");
  });

  it("refuses a dashboard in `saiga start` without the HTTP server it lives on", async () => {
    const run = await runSaiga(["start"], {
      SAIGA_DASHBOARD_ENABLED: "true",
      SAIGA_DASHBOARD_PASSWORD: "a-long-enough-password",
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/api\.enabled.*dashboard\.enabled needs the HTTP server/);
    expect(run.stderr).not.toContain("a-long-enough-password");
  });

  it("exits 2 on a bad command-line number", async () => {
    const run = await runSaiga(["chat", "--once", "hi", "--temperature", "warm"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--temperature");
  });
});
