// The HTTP API could not listen: the port is taken, or the host is not an address of this machine.
import { SaigaError } from "../errors/saiga-error.js";

/** `API_PORT_IN_USE` or `API_LISTEN_FAILED`; the message names the setting to change. */
export class ApiListenError extends SaigaError {
  override readonly name = "ApiListenError";

  constructor(host: string, port: number, cause: unknown) {
    const inUse = (cause as { code?: unknown } | null)?.code === "EADDRINUSE";
    super(
      inUse ? "API_PORT_IN_USE" : "API_LISTEN_FAILED",
      inUse
        ? `api.port ${port} on ${host} is in use by another process: set api.port (SAIGA_API_PORT) to a free port`
        : `the API cannot listen on ${host}:${port} (${(cause as Error).message}): ` +
            "check api.host (SAIGA_API_HOST) and api.port (SAIGA_API_PORT)",
      { cause },
    );
  }
}
