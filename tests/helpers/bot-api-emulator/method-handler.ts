// The shape of an emulated Bot API method: parameters and context in, a result out (or a BotApiError thrown).
import type { EmulatorState } from "./emulator-state.js";
import type { RequestParams } from "./request-params.js";
import type { WebhookSender } from "./webhook-sender.js";

/** What a method handler may use. */
export interface MethodContext {
  state: EmulatorState;
  webhook: WebhookSender;
  /** Aborts when the client goes away or the emulator closes (long polls stop waiting). */
  signal: AbortSignal;
  /** setWebhook accepts http:// URLs. */
  allowHttpWebhooks: boolean;
}

/** One Bot API method; throws a BotApiError for an error answer. */
export type MethodHandler = (params: RequestParams, context: MethodContext) => unknown;

/** A result that Telegram sends with a `description` beside it (setWebhook: "Webhook was set"). */
export class DescribedResult {
  constructor(
    readonly result: unknown,
    readonly description: string,
  ) {}
}
