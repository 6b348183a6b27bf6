// Keeps a long-running command alive until SIGTERM or SIGINT, then shuts it down gracefully;
// a second signal asks for a forced stop.
import type { Logger } from "../log/index.js";

/** Resolves once `shutdown` has finished after the first SIGTERM/SIGINT. */
export function untilShutdownSignal(log: Logger, shutdown: (force: boolean) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping: Promise<void> | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, "second signal: aborting running work");
        void shutdown(true);
        return;
      }
      log.info({ signal }, "shutting down: finishing running work");
      stopping = shutdown(false).then(() => {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
        resolve();
      }, reject);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
