// Webhook mode: POSTs each pending update to the bot's URL, in order, retrying until it answers 2xx.
import http from "node:http";
import https from "node:https";
import type { Update, WebhookInfo } from "grammy/types";
import type { UpdateQueue } from "./update-queue.js";

/** A webhook as setWebhook set it. */
export interface WebhookConfig {
  url: string;
  secretToken?: string;
  maxConnections: number;
}

/** Options of {@link WebhookSender}. */
export interface WebhookSenderOptions {
  /** Pause before posting an update again after a failed attempt. */
  retryMs: number;
  /** How long to wait for the bot's answer. */
  timeoutMs: number;
  /** A 2xx answer with a JSON body that names a `method` is a call the bot made in its webhook reply. */
  onReply(method: string, params: Record<string, unknown>): Promise<void>;
  /** After every delivery attempt (for waiters). */
  onAttempt(): void;
}

interface Attempt {
  ok: boolean;
  error?: string;
  body?: string;
}

/** Delivers updates to the webhook one at a time (Telegram's `max_connections` 1), in update order. */
export class WebhookSender {
  private config: WebhookConfig | undefined;
  private lastError: { date: number; message: string } | undefined;
  private generation = 0;
  private closed = false;
  private wake: (() => void) | undefined;
  private request: http.ClientRequest | undefined;

  constructor(
    private readonly queue: UpdateQueue,
    private readonly options: WebhookSenderOptions,
  ) {}

  /** The webhook in force, if any. */
  get current(): WebhookConfig | undefined {
    return this.config;
  }

  /** Starts (or redirects) delivery. */
  set(config: WebhookConfig): void {
    this.config = config;
    this.lastError = undefined;
    const generation = ++this.generation;
    this.wake?.();
    void this.loop(generation);
  }

  /** Stops delivery; pending updates stay for getUpdates. */
  clear(): void {
    this.config = undefined;
    this.generation++;
    this.wake?.();
  }

  /** getWebhookInfo's result. */
  info(): WebhookInfo {
    const config = this.config;
    if (config === undefined) {
      return { url: "", has_custom_certificate: false, pending_update_count: this.queue.size };
    }
    return {
      url: config.url,
      has_custom_certificate: false,
      pending_update_count: this.queue.size,
      ip_address: "127.0.0.1",
      max_connections: config.maxConnections,
      ...(this.queue.allowedUpdates.length > 0
        ? { allowed_updates: [...this.queue.allowedUpdates] as WebhookInfo["allowed_updates"] }
        : {}),
      ...(this.lastError === undefined
        ? {}
        : { last_error_date: this.lastError.date, last_error_message: this.lastError.message }),
    };
  }

  /** Stops for good, abandoning a delivery in flight. */
  close(): void {
    this.closed = true;
    this.clear();
    this.request?.destroy();
  }

  private async loop(generation: number): Promise<void> {
    while (!this.closed && generation === this.generation && this.config !== undefined) {
      const update = this.queue.first();
      if (update === undefined) {
        await this.sleep(undefined);
        continue;
      }
      const attempt = await this.post(this.config, update);
      if (attempt.ok) {
        // delivered: confirmed even if the webhook changed meanwhile
        this.queue.confirm(update.update_id + 1);
        const reply = parseReply(attempt.body);
        if (reply !== undefined && !this.closed) await this.options.onReply(reply.method, reply.params);
      } else {
        this.lastError = { date: Math.floor(Date.now() / 1000), message: attempt.error ?? "unknown error" };
      }
      this.options.onAttempt();
      if (!attempt.ok) await this.sleep(this.options.retryMs);
    }
  }

  /** Waits for a new update (or `ms`), waking early on set/clear/close. */
  private sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        unsubscribe();
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      const unsubscribe = ms === undefined ? this.queue.onPush(done) : () => true;
      this.wake = done;
    });
  }

  private post(config: WebhookConfig, update: Update): Promise<Attempt> {
    const body = Buffer.from(JSON.stringify(update));
    const headers: http.OutgoingHttpHeaders = {
      "content-type": "application/json",
      "content-length": body.length,
      connection: "close",
    };
    if (config.secretToken !== undefined) headers["x-telegram-bot-api-secret-token"] = config.secretToken;
    const transport = config.url.startsWith("https:") ? https : http;
    return new Promise<Attempt>((resolve) => {
      const request = transport.request(config.url, { method: "POST", headers, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", () => resolve({ ok: false, error: "Connection reset by peer" }));
        response.on("end", () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300)
            resolve({ ok: true, body: Buffer.concat(chunks).toString("utf8") });
          else
            resolve({
              ok: false,
              error: `Wrong response from the webhook: ${status} ${response.statusMessage ?? ""}`,
            });
        });
      });
      this.request = request;
      request.setTimeout(this.options.timeoutMs, () => request.destroy(new Error("Read timeout expired")));
      request.on("error", (error: NodeJS.ErrnoException) => {
        const message =
          error.code === "ECONNREFUSED" ? "Connection refused" : error.message || "Connection reset by peer";
        resolve({ ok: false, error: message });
      });
      request.on("close", () => {
        if (this.request === request) this.request = undefined;
      });
      request.end(body);
    });
  }
}

/** A webhook reply: the bot answered the update with a method call in the response body. */
function parseReply(
  body: string | undefined,
): { method: string; params: Record<string, unknown> } | undefined {
  if (body === undefined || body.trim() === "") return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    const { method, ...params } = parsed as Record<string, unknown>;
    return typeof method === "string" ? { method, params } : undefined;
  } catch {
    return undefined;
  }
}
