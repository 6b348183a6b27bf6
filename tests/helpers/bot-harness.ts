// End-to-end harness for the Telegram bot: the Bot API emulator (real HTTP), a real Redis with a
// fresh prefix, and `saiga start` / `saiga gateway` as real child processes pointed at both.
import { DeliveryQueue } from "../../src/bot/delivery/delivery-queue.js";
import { TokenStreamWriter } from "../../src/service/token-stream.js";
import { FeedbackStore } from "../../src/store/feedback-store.js";
import { GenerationRecords } from "../../src/store/generation-records.js";
import { BotApiEmulator, type BotApiEmulatorOptions, type BotMessageView } from "./bot-api-emulator/index.js";
import { PipelineClient, startNodeProcess, startWorker, type WorkerProcess } from "./pipeline-harness.js";

export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Settings of the bot processes in tests: quick streaming intervals, short answers. */
export const BOT_ENV = {
  SAIGA_TELEGRAM_DRAFT_INTERVAL_MS: "50",
  SAIGA_TELEGRAM_PRIVATE_EDIT_INTERVAL_MS: "150",
  SAIGA_TELEGRAM_GROUP_EDIT_INTERVAL_MS: "150",
  SAIGA_TELEGRAM_QUEUE_NOTICE_FROM: "0",
  // No trainer in the bot's processes, whatever Python this machine has: /train only queues a job here.
  SAIGA_TRAINING_PYTHON: "/nonexistent/python3",
};

/** One emulator, one Redis prefix, and the bot processes started against them. */
export class BotTestbed {
  readonly client: PipelineClient;
  readonly feedback: FeedbackStore;
  readonly records: GenerationRecords;
  readonly deliveries: DeliveryQueue;
  private readonly processes: WorkerProcess[] = [];

  private constructor(
    readonly emulator: BotApiEmulator,
    /** The Redis of the processes and the test's client (a Cluster's `redis+cluster://` too). */
    readonly redisUrl: string,
  ) {
    this.client = new PipelineClient(redisUrl);
    const { redis, keys } = this.client;
    this.feedback = new FeedbackStore({ redis, keys });
    this.records = new GenerationRecords({ redis, keys, ttlSeconds: 3600 });
    this.deliveries = new DeliveryQueue(redis, keys);
  }

  static async create(options: BotApiEmulatorOptions = {}, redisUrl = REDIS_URL): Promise<BotTestbed> {
    return new BotTestbed(
      await BotApiEmulator.start({ botUsername: "saiga_test_bot", ...options }),
      redisUrl,
    );
  }

  /** Environment that points a saiga process at this emulator and Redis prefix. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return { BOT_TOKEN: this.emulator.token, TELEGRAM_API_ROOT: this.emulator.apiRoot, ...BOT_ENV, ...extra };
  }

  /** Starts `saiga start` (or `gateway`, `engine`) and waits until it is ready. */
  async start(
    command: "start" | "gateway" | "engine",
    extra: Record<string, string> = {},
  ): Promise<WorkerProcess> {
    const ready = command === "engine" ? "engine worker serving" : "telegram gateway running";
    const process = await startWorker(this.redisUrl, this.client.prefix, this.env(extra), command, ready);
    this.processes.push(process);
    return process;
  }

  /**
   * Starts a bot built on the framework, `node --import tsx <script>` (a path from the project
   * root), against this emulator and Redis prefix, and waits until its log says `readyText`.
   */
  async startScript(
    script: string,
    readyText: string,
    extra: Record<string, string> = {},
  ): Promise<WorkerProcess> {
    const env = { REDIS_URL: this.redisUrl, SAIGA_REDIS_PREFIX: this.client.prefix, ...this.env(extra) };
    const process = await startNodeProcess(["--import", "tsx", script], env, readyText);
    this.processes.push(process);
    return process;
  }

  /** The bot's finished answers in a chat (messages with the 👍 👎 🔄 keyboard), oldest first. */
  answers(chatId: number): BotMessageView[] {
    return this.emulator.messagesIn(chatId).filter((m) => !m.deleted && requestIdOf(m) !== undefined);
  }

  /** Waits until the chat has `count` finished answers and returns them. */
  waitForAnswers(chatId: number, count = 1, timeoutMs = 30_000): Promise<BotMessageView[]> {
    return this.emulator.waitFor(() => {
      const answers = this.answers(chatId);
      return answers.length >= count && answers;
    }, timeoutMs);
  }

  /** Waits for a bot message in the chat whose text matches. */
  waitForText(chatId: number, pattern: RegExp, timeoutMs = 10_000): Promise<BotMessageView> {
    return this.emulator.waitFor(
      () => this.emulator.messagesIn(chatId).find((m) => !m.deleted && pattern.test(m.text)),
      timeoutMs,
    );
  }

  /** Streams a made-up answer into a chat as if an engine had written it, and asks for its delivery. */
  async deliverText(chatId: number, text: string, requestId: string): Promise<void> {
    const stream = new TokenStreamWriter(this.client.redis, this.client.keys, requestId, 4000, 600);
    stream.delta(text.slice(0, 100));
    await stream.end({ text, outcome: "answered", stats: null });
    await this.deliveries.add({
      requestId,
      chatId: String(chatId),
      answer: 0,
      chatType: "private",
      language: "ru",
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.processes.map((process) => process.stop()));
    await this.deliveries.close();
    await this.client.close();
    await this.emulator.close();
  }
}

/** The request id in an answer's buttons. */
export function requestIdOf(view: BotMessageView): string | undefined {
  const data = view.replyMarkup?.inline_keyboard.flat().find((button) => "callback_data" in button);
  const callback = data && "callback_data" in data ? data.callback_data : undefined;
  return callback?.startsWith("fb:up:") ? callback.slice("fb:up:".length) : undefined;
}

/** Resolves after `ms`: for checks that something did NOT happen. */
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls an async check until it returns a truthy value (which it resolves to), or fails after `timeoutMs`. */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(100);
  }
}
