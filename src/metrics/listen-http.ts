// Starting a Fastify app on a configured address, for every HTTP server saiga runs (the API, the
// ops server): a port in use or a host that cannot be bound is one clear line naming the setting.
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { SaigaError } from "../errors/saiga-error.js";

/** Where a server listens, and which settings say so. */
export interface ListenSettings {
  host: string;
  port: number;
  /** The config section: `api` (api.host, api.port) or `ops`. */
  section: "api" | "ops";
  /** Said after "set <section>.port to a free port" when the port is in use. */
  portHint?: string;
}

/** `<SECTION>_PORT_IN_USE` or `<SECTION>_LISTEN_FAILED`; the message names the setting to change. */
export class HttpListenError extends SaigaError {
  override readonly name = "HttpListenError";

  constructor({ host, port, section, portHint }: ListenSettings, cause: unknown) {
    const inUse = (cause as { code?: unknown } | null)?.code === "EADDRINUSE";
    const env = `SAIGA_${section.toUpperCase()}`;
    super(
      `${section.toUpperCase()}_${inUse ? "PORT_IN_USE" : "LISTEN_FAILED"}`,
      inUse
        ? `${section}.port ${port} on ${host} is in use by another process: set ${section}.port (${env}_PORT) ` +
            `to a free port${portHint ? `, ${portHint}` : ""}`
        : `cannot listen on ${host}:${port} (${(cause as Error).message}): ` +
            `check ${section}.host (${env}_HOST) and ${section}.port (${env}_PORT)`,
      { cause },
    );
  }
}

/**
 * Listens and returns the server's URL (with the real port when 0 was asked for). A failure
 * closes the app.
 * @throws {HttpListenError}
 */
export async function listenHttp(app: FastifyInstance, settings: ListenSettings): Promise<string> {
  try {
    await app.listen({ host: settings.host, port: settings.port });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw new HttpListenError(settings, error);
  }
  const address = app.server.address() as AddressInfo;
  return `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
}
