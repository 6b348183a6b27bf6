// The base of every error saiga-bot reports on purpose: a stable `code` for programs and a message
// for the person who has to act on it. The CLI prints these as one line; any other error is a bug
// and gets its stack trace. (A leaf module: it imports nothing of ours.)

/** An expected failure with a stable `code` (e.g. `PROMPT_TOO_LONG`) and a message that says what to do. */
export class SaigaError extends Error {
  override name = "SaigaError";

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
