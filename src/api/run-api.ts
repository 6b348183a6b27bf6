// The API role: the HTTP API listening on `api.host`:`api.port` on a role's runtime, until
// closed. Used by `saiga api` and by `saiga start` when `api.enabled`. It logs "api listening"
// with its URL, so that a caller that asked for port 0 finds the real one.
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { ServiceRuntime } from "../service/service-runtime.js";
import { ApiListenError } from "./api-listen-error.js";
import { createApiServer } from "./create-api-server.js";

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

/**
 * Starts the API.
 * @throws {ApiListenError} the port is in use or the host cannot be bound
 */
export async function runApi(runtime: ServiceRuntime): Promise<RunningApi> {
  const { config, log } = runtime;
  const { host, port } = config.api;
  const shutdown = new AbortController();
  const app = createApiServer(runtime, { shutdown: shutdown.signal });
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw new ApiListenError(host, port, error);
  }
  const address = app.server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
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
