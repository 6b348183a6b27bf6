// The shape of saiga-bot's configuration: the one place that says what each setting accepts.
// config/default.yaml holds the defaults and the comments for operators; this schema validates
// the merged result, and its error messages are what an operator sees on a bad value.
import { z } from "zod";

const positiveInt = z
  .number({ invalid_type_error: "expected a whole number" })
  .int("expected a whole number");

/** A count that may also be `auto` (the engine chooses). */
const autoOrCount = (min: number) =>
  z.union([z.literal("auto"), positiveInt.min(min, `expected "auto" or a whole number ≥ ${min}`)], {
    errorMap: () => ({ message: `expected "auto" or a whole number ≥ ${min}` }),
  });

export const CHAT_FORMATS = ["auto", "saiga_v2", "llama3"] as const;
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export const GPU_BACKENDS = ["auto", "cuda", "vulkan", "metal", "cpu"] as const;

const enumOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { errorMap: () => ({ message: `expected one of ${values.join(", ")}` }) });

/** Limits of one caller of the HTTP API (a key's own, or the defaults in `api.limits`). */
const apiLimits = {
  messagesPerMinute: positiveInt.min(0, "expected a whole number ≥ 0 (0 = no limit)"),
  dailyTokens: positiveInt.min(0, "expected a whole number ≥ 0 (0 = no limit)"),
  concurrent: positiveInt.min(1, "expected a whole number ≥ 1"),
};

/** One API key of `api.keys`: its sha256 is kept, never the key itself. */
const apiKeySchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "expected 1-64 letters, digits, ., _ or -"),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "expected the key's sha256, 64 hex digits (`saiga api key NAME` prints it)"),
    messagesPerMinute: apiLimits.messagesPerMinute.optional(),
    dailyTokens: apiLimits.dailyTokens.optional(),
    concurrent: apiLimits.concurrent.optional(),
  })
  .strict();

/** Addresses only this machine reaches: an API without keys may listen there and nowhere else. */
function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export const configSchema = z
  .object({
    telegram: z
      .object({
        token: z.string(),
        apiRoot: z.string().url("expected an http(s) URL such as https://api.telegram.org"),
        adminIds: z.array(
          z
            .number({ invalid_type_error: "expected comma-separated Telegram user ids (numbers)" })
            .int("expected comma-separated Telegram user ids (numbers)"),
        ),
        mode: enumOf(["polling", "webhook"] as const),
        webhook: z
          .object({
            url: z
              .string()
              .url("expected the public https URL Telegram posts updates to")
              .regex(/^https?:\/\//, "expected the public https URL Telegram posts updates to")
              .nullable(),
            host: z.string().min(1),
            port: positiveInt.min(0, "expected a port number").max(65535, "expected a port number"),
            secretToken: z
              .string()
              .regex(/^[A-Za-z0-9_-]{0,256}$/, "expected 1-256 characters A-Z, a-z, 0-9, _ or -"),
          })
          .strict(),
        names: z.array(z.string().min(1, "expected non-empty names")),
        groupContext: z.boolean({ invalid_type_error: "expected true or false" }),
        quoteMaxChars: positiveInt.min(0, "expected a whole number of characters ≥ 0 (0 = no quotes)"),
        drafts: z.boolean({ invalid_type_error: "expected true or false" }),
        draftIntervalMs: positiveInt.min(50, "expected a whole number of milliseconds ≥ 50"),
        privateEditIntervalMs: positiveInt.min(100, "expected a whole number of milliseconds ≥ 100"),
        groupEditIntervalMs: positiveInt.min(100, "expected a whole number of milliseconds ≥ 100"),
        queueNoticeFrom: positiveInt.min(0, "expected a whole number ≥ 0 (0 = never)"),
        deliveryConcurrency: positiveInt.min(1, "expected a whole number ≥ 1"),
      })
      .strict(),
    redis: z
      .object({
        url: z
          .string()
          .regex(
            /^rediss?(\+(cluster|sentinel))?:\/\//,
            "expected a redis://, rediss://, redis+cluster:// or redis+sentinel:// URL",
          )
          .nullable(),
        prefix: z.string().regex(/^[A-Za-z0-9_-]+$/, "expected letters, digits, - or _"),
      })
      .strict(),
    history: z
      .object({
        maxMessages: positiveInt.min(2, "expected a whole number ≥ 2"),
        idleTtlSeconds: positiveInt.min(60, "expected a whole number of seconds ≥ 60"),
        recordsTtlDays: positiveInt.min(1, "expected a whole number of days ≥ 1"),
      })
      .strict(),
    limits: z
      .object({
        messagesPerMinute: positiveInt.min(0, "expected a whole number ≥ 0 (0 = no limit)"),
        dailyTokens: positiveInt.min(0, "expected a whole number ≥ 0 (0 = no limit)"),
        dedupeTtlSeconds: positiveInt.min(1, "expected a whole number of seconds ≥ 1"),
        maxMessageLength: positiveInt.min(1, "expected a whole number of characters ≥ 1"),
      })
      .strict(),
    access: z
      .object({
        policy: enumOf(["open", "allowlist", "pairing"] as const),
        users: z.array(positiveInt.min(1, "expected comma-separated Telegram user ids (positive numbers)")),
        groups: z.array(
          z
            .number({ invalid_type_error: "expected comma-separated Telegram group ids (negative numbers)" })
            .int("expected comma-separated Telegram group ids (negative numbers)")
            .max(-1, "expected comma-separated Telegram group ids (negative numbers)"),
        ),
        inviteTtlMinutes: z.number().gt(0, "expected a number of minutes > 0"),
        refusalNoticeSeconds: positiveInt.min(1, "expected a whole number of seconds ≥ 1"),
      })
      .strict(),
    queue: z
      .object({
        concurrency: positiveInt.min(1, "expected a whole number ≥ 1 or null").nullable(),
        attempts: positiveInt.min(1, "expected a whole number ≥ 1"),
        backoffMs: positiveInt.min(0, "expected a whole number of milliseconds ≥ 0"),
        lockMs: positiveInt.min(1000, "expected a whole number of milliseconds ≥ 1000"),
        streamMaxLength: positiveInt.min(100, "expected a whole number ≥ 100"),
        streamTtlSeconds: positiveInt.min(10, "expected a whole number of seconds ≥ 10"),
        routing: enumOf(["warm", "any"] as const),
      })
      .strict(),
    model: z
      .object({
        source: z.string().min(1, "expected a GGUF file path, an hf: URI, demo or smollm2"),
        dir: z.string().min(1).nullable(),
        chatFormat: enumOf(CHAT_FORMATS),
        systemPrompt: z.string(),
        contextSize: positiveInt.min(64, "expected a whole number ≥ 64"),
        sequences: positiveInt.min(1, "expected a whole number ≥ 1").max(64, "expected at most 64"),
        adapterContexts: positiveInt.min(1, "expected a whole number ≥ 1 (1 = the current adapter only)"),
        batchSize: positiveInt.min(1, "expected a whole number ≥ 1"),
        threads: autoOrCount(1),
        gpu: enumOf(GPU_BACKENDS),
        llamaBuild: enumOf(["native", "prebuilt"] as const),
        flashAttention: enumOf(["auto", "on", "off"] as const),
        gpuLayers: autoOrCount(0),
        stateCache: z
          .object({
            maxBytes: positiveInt.min(0, "expected a whole number of bytes ≥ 0 (0 = off)"),
            dir: z.string().min(1).nullable(),
          })
          .strict(),
      })
      .strict(),
    generation: z
      .object({
        temperature: z.number().min(0, "expected a number ≥ 0").max(5, "expected a number ≤ 5"),
        topP: z.number().gt(0, "expected a number in (0, 1]").max(1, "expected a number in (0, 1]"),
        topK: positiveInt.min(0, "expected a whole number ≥ 0"),
        repeatPenalty: z.number().min(1, "expected a number ≥ 1 (1 = off)"),
        maxTokens: positiveInt.min(1, "expected a whole number ≥ 1"),
        seed: positiveInt.min(0, "expected a whole number ≥ 0 or null").nullable(),
      })
      .strict(),
    training: z
      .object({
        python: z.string().min(1, "expected a Python executable with PyTorch"),
        adaptersDir: z.string().min(1),
        schedule: z.string().nullable(),
        minNewFeedback: positiveInt.min(1, "expected a whole number ≥ 1"),
        regeneratedWeight: z
          .number()
          .min(0, "expected a number in [0, 1]")
          .max(1, "expected a number in [0, 1]"),
        validationShare: z
          .number()
          .min(0, "expected a number in [0, 0.5]")
          .max(0.5, "expected a number in [0, 0.5]"),
        minAnswerChars: positiveInt.min(1, "expected a whole number ≥ 1"),
        maxAnswerChars: positiveInt.min(1, "expected a whole number ≥ 1"),
        loss: enumOf(["kto", "sft"] as const),
        loraR: positiveInt.min(1, "expected a whole number ≥ 1"),
        loraAlpha: z.number().gt(0, "expected a number > 0"),
        loraDropout: z.number().min(0, "expected a number in [0, 1)").lt(1, "expected a number in [0, 1)"),
        targets: z.array(
          enumOf(["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"] as const),
        ),
        learningRate: z.union([z.literal("auto"), z.number().gt(0)], {
          errorMap: () => ({ message: 'expected "auto" or a number > 0' }),
        }),
        epochs: autoOrCount(1),
        maxSteps: positiveInt.min(0, "expected a whole number ≥ 0 (0 = run the epochs)"),
        minSteps: positiveInt.min(0, "expected a whole number ≥ 0 (0 = one epoch)"),
        batchSize: autoOrCount(1),
        beta: z.number().gt(0, "expected a number > 0"),
        lambdaD: z.number().gt(0, "expected a number > 0"),
        lambdaU: z.number().gt(0, "expected a number > 0"),
        sftWeight: z.number().min(0, "expected a number ≥ 0 (0 = KTO alone)"),
        device: enumOf(["auto", "cpu", "cuda"] as const),
        threads: autoOrCount(1),
        timeLimitMinutes: positiveInt.min(1, "expected a whole number of minutes ≥ 1"),
        gate: z
          .object({
            maxPerplexityIncrease: z.number().min(0, "expected a number ≥ 0 (0.05 = 5%)"),
            judgeUrl: z.string().url("expected an OpenAI-compatible base URL").nullable(),
            judgeModel: z.string(),
            judgeApiKey: z.string(),
            judgePrompts: positiveInt.min(1, "expected a whole number ≥ 1"),
          })
          .strict(),
        ab: z
          .object({
            autoPromote: z
              .object({
                enabled: z.boolean({ invalid_type_error: "expected true or false" }),
                minVotes: positiveInt.min(1, "expected a whole number ≥ 1"),
                confidence: z
                  .number()
                  .gt(0.5, "expected a number in (0.5, 1)")
                  .lt(1, "expected a number in (0.5, 1)"),
              })
              .strict(),
          })
          .strict(),
      })
      .strict(),
    api: z
      .object({
        enabled: z.boolean({ invalid_type_error: "expected true or false" }),
        host: z.string().min(1, "expected an address to listen on, such as 127.0.0.1"),
        port: positiveInt.min(0, "expected a port number").max(65535, "expected a port number"),
        keys: z.array(apiKeySchema),
        limits: z.object(apiLimits).strict(),
      })
      .strict()
      .superRefine((api, context) => {
        const names = api.keys.map((key) => key.name);
        const repeated = names.find((name, i) => names.indexOf(name) !== i);
        if (repeated !== undefined) {
          context.addIssue({
            code: "custom",
            path: ["keys"],
            message: `the key name ${repeated} is used twice`,
          });
        }
        if (api.keys.length === 0 && !isLoopbackHost(api.host)) {
          context.addIssue({
            code: "custom",
            path: ["keys"],
            message: `an API listening on ${api.host} needs keys (make one with \`saiga api key NAME\`); without keys it may only listen on 127.0.0.1, ::1 or localhost`,
          });
        }
      }),
    dashboard: z
      .object({
        enabled: z.boolean({ invalid_type_error: "expected true or false" }),
        password: z.string(),
        sessionTtlHours: z
          .number({ invalid_type_error: "expected a number of hours" })
          .positive("expected hours > 0"),
        secureCookie: z.boolean({ invalid_type_error: "expected true or false" }),
        /** Where the evaluations page finds `saiga eval sbs` runs (one subfolder each); null = <dataDir>/evaluations. */
        evaluationsDir: z.string().min(1).nullable(),
      })
      .strict()
      .superRefine((dashboard, context) => {
        if (dashboard.enabled && dashboard.password.length < 12) {
          context.addIssue({
            code: "custom",
            path: ["password"],
            message:
              "the dashboard needs a password of at least 12 characters (set SAIGA_DASHBOARD_PASSWORD, e.g. from `openssl rand -base64 18`)",
          });
        }
      }),
    ops: z
      .object({
        host: z.string().min(1, "expected an address to listen on, such as 127.0.0.1"),
        port: positiveInt
          .min(0, "expected a port number (0 = a free one) or null (off)")
          .max(65535, "expected a port number (0 = a free one) or null (off)")
          .nullable(),
      })
      .strict(),
    log: z
      .object({
        level: enumOf(LOG_LEVELS),
        format: enumOf(["auto", "pretty", "json"] as const),
      })
      .strict(),
    dataDir: z.string().min(1),
  })
  .strict();

/** The validated configuration every part of saiga-bot receives. */
export type Config = z.infer<typeof configSchema>;
