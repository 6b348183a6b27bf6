// The token streams of one request's choices (`n`), read together as one sequence of entries
// tagged with their choice index, in the order they arrive.
import type { GenerationClient } from "../service/generation-client.js";
import type { TokenStreamEntry } from "../service/token-stream.js";

/** A stream entry of choice `index`. */
export type ChoiceEntry = TokenStreamEntry & { index: number };

type Next = { index: number; result?: IteratorResult<TokenStreamEntry, void>; error?: unknown };

/** Follows every request id until each has ended (or `signal` stops the reading). */
export async function* followChoices(
  generation: Pick<GenerationClient, "follow">,
  requestIds: readonly string[],
  signal: AbortSignal,
): AsyncGenerator<ChoiceEntry, void, void> {
  const streams = requestIds.map((id) => generation.follow(id, { signal }));
  // Settled promises only: a read abandoned by an early return must not reject unhandled.
  const next = (index: number): Promise<Next> =>
    (streams[index] as AsyncGenerator<TokenStreamEntry, void, void>).next().then(
      (result) => ({ index, result }),
      (error: unknown) => ({ index, error }),
    );
  const pending = new Map<number, Promise<Next>>(streams.map((_, index) => [index, next(index)]));
  // A blocked read notices the signal only when it returns (up to a second): stop waiting at once.
  const aborted = new Promise<Next>((resolve) => {
    if (signal.aborted) resolve({ index: -1, error: signal.reason });
    signal.addEventListener("abort", () => resolve({ index: -1, error: signal.reason }), { once: true });
  });
  try {
    while (pending.size > 0) {
      const { index, result, error } = await Promise.race([aborted, ...pending.values()]);
      if (error !== undefined) throw error;
      if (!result || result.done) {
        pending.delete(index);
        continue;
      }
      pending.set(index, next(index));
      yield { ...result.value, index };
    }
  } finally {
    // Runs each follow's own clean-up (its reader connection) once its pending read is over.
    for (const stream of streams) void stream.return().catch(() => undefined);
  }
}
