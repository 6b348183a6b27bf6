// Webhook mode: Telegram posts updates to telegram.webhook.url; this HTTP server (behind TLS)
// hands them to grammY's webhookCallback, which checks the secret token. An update is answered
// 200 only after it was handled, so a failure before the handlers ran (500: the dedupe check in
// Redis) makes Telegram deliver it again; a handler's own error was logged by the bot's error
// boundary and counts as handled (200). Any number of gateways can serve the same URL behind a
// load balancer.
import http from "node:http";
import { BotError, webhookCallback, type Bot, type Context } from "grammy";
import type { Config } from "../../config/index.js";
import { ConfigError } from "../../config/index.js";
import type { Logger } from "../../log/index.js";
import { ALLOWED_UPDATES } from "./allowed-updates.js";

/** A running webhook server. */
export interface WebhookServer {
  /** Where it listens (the port is the real one when 0 was configured). */
  address: { host: string; port: number };
  close(): Promise<void>;
}

/** Starts the server and registers the webhook with Telegram. */
export async function startWebhookServer<C extends Context>(
  bot: Bot<C>,
  webhook: Config["telegram"]["webhook"],
  log: Logger,
): Promise<WebhookServer> {
  if (webhook.url === null) {
    throw new ConfigError(
      "telegram.webhook.url",
      null,
      "the public https URL, required when telegram.mode is webhook",
      "configuration",
    );
  }
  await bot.init();
  if (!webhook.secretToken) {
    log.warn("telegram.webhook.secretToken is empty: anyone who finds the URL can post updates; set one");
  }
  const path = new URL(webhook.url).pathname;
  const handle = webhookCallback(bot, "http", {
    ...(webhook.secretToken ? { secretToken: webhook.secretToken } : {}),
    // Handlers only enqueue; a slow Redis should not make Telegram give up on the request.
    timeoutMilliseconds: 50_000,
  });
  const server = http.createServer((request, response) => {
    if (request.method !== "POST" || request.url?.split("?")[0] !== path) {
      response.writeHead(404).end();
      return;
    }
    handle(request, response).catch((error: unknown) => {
      const [err, updateId] = error instanceof BotError ? [error.error, error.ctx.update.update_id] : [error];
      log.error({ err, updateId }, "update not handled; Telegram will deliver it again");
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(webhook.port, webhook.host, resolve);
  });
  const bound = server.address() as { address: string; port: number };
  await bot.api.setWebhook(webhook.url, {
    allowed_updates: [...ALLOWED_UPDATES],
    ...(webhook.secretToken ? { secret_token: webhook.secretToken } : {}),
  });
  log.info({ url: webhook.url, port: bound.port }, "webhook registered");
  let closing: Promise<void> | undefined;
  return {
    address: { host: bound.address, port: bound.port },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
