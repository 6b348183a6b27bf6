// The API role: the HTTP API listening on `api.host`:`api.port` on a role's runtime, until
// closed. Used by `saiga api` and by `saiga start` when `api.enabled`. It logs "api listening"
// with its URL, so that a caller that asked for port 0 finds the real one.
import { setMaxListeners } from "node:events";
import type { FastifyInstance } from "fastify";
import type { ServiceRuntime } from "../service/service-runtime.js";
import { listenHttp } from "../metrics/listen-http.js";
import { createApiServer, type ApiServerOptions } from "./create-api-server.js";

/** A listening API. */
export interface RunningApi {
  app: FastifyInstance;
  /** e.g. `http://127.0.0.1:8000` (the real port when 0 was asked for). */
  url: string;
  /**
   * Stops listening; running requests finish first, or with `force` stop now (their generations
   * are cancelled). Idempotent; a forced call after a graceful one still forces.
   */
  close(force?: boolean): Promise<void>;
}

/** Options of {@link runApi}. */
export interface RunApiOptions {
  /**
   * Adds more routes to the app before it listens (the CLI mounts the dashboard with it; `lend`
   * gives it the chat completions for its playground). Default: none.
   */
  mount?: ApiServerOptions["mount"];
}

/**
 * Starts the API.
 * @throws {HttpListenError} the port is in use (`API_PORT_IN_USE`) or the host cannot be bound
 */
export async function runApi(runtime: ServiceRuntime, options: RunApiOptions = {}): Promise<RunningApi> {
  const { config, log } = runtime;
  const { host, port } = config.api;
  const shutdown = new AbortController();
  // Every running request listens for a forced shutdown: many at once is normal, not a leak.
  setMaxListeners(0, shutdown.signal);
  const app = createApiServer(runtime, {
    shutdown: shutdown.signal,
    ...(options.mount ? { mount: options.mount } : {}),
  });
  const url = await listenHttp(app, { host, port, section: "api" });
  log.info({ url, keys: config.api.keys.length }, "api listening");
  let closing: Promise<void> | undefined;
  return {
    app,
    url,
    close(force = false) {
      if (force) shutdown.abort();
      closing ??= app.close();
      return closing;
    },
  };
}
