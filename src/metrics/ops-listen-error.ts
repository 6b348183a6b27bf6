// The ops server could not listen: the port is taken, or the host is not an address of this machine.
import { SaigaError } from "../errors/saiga-error.js";

/** `OPS_PORT_IN_USE` or `OPS_LISTEN_FAILED`; the message names the setting to change. */
export class OpsListenError extends SaigaError {
  override readonly name = "OpsListenError";

  constructor(host: string, port: number, cause: unknown) {
    const inUse = (cause as { code?: unknown } | null)?.code === "EADDRINUSE";
    super(
      inUse ? "OPS_PORT_IN_USE" : "OPS_LISTEN_FAILED",
      inUse
        ? `ops.port ${port} on ${host} is in use by another process: set ops.port (SAIGA_OPS_PORT) ` +
            "to a free port, 0 for a random one, or null to turn the health and metrics server off"
        : `the health and metrics server cannot listen on ${host}:${port} (${(cause as Error).message}): ` +
            "check ops.host (SAIGA_OPS_HOST) and ops.port (SAIGA_OPS_PORT)",
      { cause },
    );
  }
}
