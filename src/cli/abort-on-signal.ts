// A long batch command (eval answers, eval sbs, data self-instruct) stops on SIGINT or SIGTERM
// through an AbortSignal: work in flight is dropped, what was finished stays on disk, and the
// command reports how to go on instead of dying mid-write.
/** Runs `work` with a signal that aborts on the first SIGINT or SIGTERM; the handlers go when it ends. */
export async function abortOnSignal<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    return await work(controller.signal);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
