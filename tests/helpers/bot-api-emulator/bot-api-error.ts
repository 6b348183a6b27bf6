// The Bot API's error answer (`{ok:false, error_code, description, parameters?}`), thrown by method handlers.
import type { ResponseParameters } from "grammy/types";

/** The JSON body of a failed Bot API call. */
export interface BotApiErrorBody {
  ok: false;
  error_code: number;
  description: string;
  parameters?: ResponseParameters;
}

/** A failed call; the emulator answers it with {@link BotApiError.toBody} and HTTP status `code`. */
export class BotApiError extends Error {
  override name = "BotApiError";
  constructor(
    /** HTTP status and `error_code`, e.g. 400. */
    readonly code: number,
    /** Telegram's text, e.g. `Bad Request: message is too long`. */
    readonly description: string,
    readonly parameters?: ResponseParameters,
  ) {
    super(description);
  }

  /** A 400 with Telegram's `Bad Request: ` prefix. */
  static badRequest(detail: string): BotApiError {
    return new BotApiError(400, `Bad Request: ${detail}`);
  }

  /** The response body. */
  toBody(): BotApiErrorBody {
    return {
      ok: false,
      error_code: this.code,
      description: this.description,
      ...(this.parameters === undefined ? {} : { parameters: this.parameters }),
    };
  }
}
