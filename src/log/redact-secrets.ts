// Scrubs secrets out of text that is about to be logged. Bot tokens end up inside URLs
// (https://api.telegram.org/bot<token>/getMe) and error messages, where pino's path-based
// redaction cannot see them, so every log line also passes through this.

/** Telegram bot tokens look like `123456789:AA…` (a numeric id, a colon, 30+ url-safe characters). */
const TOKEN_PATTERN = /\d{5,}:[A-Za-z0-9_-]{30,}/g;

export const REDACTED = "[REDACTED]";

/** Returns `text` with every known secret and anything shaped like a bot token replaced. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= 4) result = result.split(secret).join(REDACTED);
    // The same secret percent-encoded, as it appears in URLs and query strings.
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && encoded.length >= 4) result = result.split(encoded).join(REDACTED);
  }
  return result.replace(TOKEN_PATTERN, REDACTED);
}
