// The health and metrics server every serving role runs (`ops.host`:`ops.port`): a small Fastify
// app with `GET /health` and `GET /metrics`. It logs "ops server listening" with its URL, so a
// caller that asked for port 0 finds the real one.
import Fastify from "fastify";
import type { Logger } from "../log/index.js";
import { listenHttp } from "./listen-http.js";
import { registerOpsRoutes, type OpsRoutesOptions } from "./register-ops-routes.js";

/** Options of {@link startOpsServer}. */
export interface OpsServerOptions extends OpsRoutesOptions {
  /** `ops.host`. Default in the configuration: 127.0.0.1. */
  host: string;
  /** `ops.port`; 0 picks a free port. Default in the configuration: 9464. */
  port: number;
  log: Logger;
}

/** A listening ops server. */
export interface OpsServer {
  /** e.g. `http://127.0.0.1:9464` (the real port when 0 was asked for). */
  url: string;
  /** Stops listening. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts listening.
 * @throws {HttpListenError} the port is in use (`OPS_PORT_IN_USE`) or the host cannot be bound.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { host, port, log } = options;
  const app = Fastify({ logger: false });
  registerOpsRoutes(app, options);
  const url = await listenHttp(app, {
    host,
    port,
    section: "ops",
    portHint: "0 for a random one, or null to turn the health and metrics server off",
  });
  log.info({ url }, "ops server listening");
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= app.close();
      return closing;
    },
  };
}
