// One call the bot made to the emulator, as the test reads it back from `emulator.sent`.
import type { BotApiErrorBody } from "./bot-api-error.js";

/** A Bot API call: what was asked and what the emulator answered. Entries are filled in as calls finish. */
export interface SentCall {
  /** The method's canonical name (`sendMessage`), or the name as called when the emulator does not know it. */
  method: string;
  /** The parameters as received (form values are strings; uploaded files are `File` objects). */
  params: Readonly<Record<string, unknown>>;
  /** When the call arrived (ms since the epoch). */
  time: number;
  /** True or false once answered; undefined while running (a long poll) and for a call never answered. */
  ok?: boolean;
  /** The `result` of a successful call, or of a call that took effect before its connection was dropped. */
  result?: unknown;
  /** The error answer of a failed call. */
  error?: BotApiErrorBody;
  /** Set when the emulator failed the call on purpose. */
  injected?: "fault" | "timeout" | "rate-limit" | "refused";
  /** The connection ended without an answer: a timeout fault, the client gave up, or the emulator closed. */
  dropped?: boolean;
  /** The bot made the call in its answer to a webhook request. */
  viaWebhookReply?: boolean;
  /** From arrival to answer. */
  durationMs?: number;
}
