// Failures the test orders in advance: error answers, hanging requests, and methods the "server" refuses.
import { BotApiError } from "./bot-api-error.js";

/** Answer the call with an error instead of running it. */
export interface ErrorFault {
  /** HTTP status and `error_code`: 429, 500, 502, 400, 403, … */
  code: number;
  /** For 429: seconds in `parameters.retry_after`. Default 1. */
  retryAfter?: number;
  /** Default: Telegram's text for the code (`Too Many Requests: retry after N`, `Internal Server Error`, …). */
  description?: string;
  /** How many calls in a row fail. Default 1. */
  times?: number;
}

/** Hold the request, then destroy its socket without answering. */
export interface TimeoutFault {
  /** How long the request hangs before the socket is destroyed. */
  timeoutMs: number;
  /** Run the call first, so that it takes effect although the bot sees a failure. Default false. */
  afterEffect?: boolean;
  /** How many calls in a row hang. Default 1. */
  times?: number;
}

/** A failure for {@link FaultPlan.add}. */
export type Fault = ErrorFault | TimeoutFault;

/** How a refused method answers. */
export interface Refusal {
  /** Default 400. */
  code?: number;
  /** Default `Bad Request: method not supported` (with code 404: `Not Found: method not found`). */
  description?: string;
}

const DESCRIPTIONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Per-method queues of faults, and the refused methods; method names compare case-insensitively. */
export class FaultPlan {
  private readonly queues = new Map<string, Fault[]>();
  private readonly refused = new Map<string, BotApiError>();

  /** Makes the next `fault.times` calls of `method` fail (after any faults already queued). */
  add(method: string, fault: Fault): void {
    const times = fault.times ?? 1;
    if (!Number.isSafeInteger(times) || times < 1)
      throw new RangeError(`times must be a whole number ≥ 1, got ${times}`);
    const queue = this.queues.get(method.toLowerCase()) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.queues.set(method.toLowerCase(), queue);
  }

  /** The fault for this call of `method`, if one is queued (and removes it). */
  take(method: string): Fault | undefined {
    const queue = this.queues.get(method.toLowerCase());
    const fault = queue?.shift();
    if (queue?.length === 0) this.queues.delete(method.toLowerCase());
    return fault;
  }

  /** Faults still queued for `method`. */
  remaining(method: string): number {
    return this.queues.get(method.toLowerCase())?.length ?? 0;
  }

  /** Makes every call of `method` fail with the refusal's answer until {@link FaultPlan.allow}. */
  refuse(method: string, refusal: Refusal = {}): void {
    const code = refusal.code ?? 400;
    const description =
      refusal.description ??
      (code === 404
        ? "Not Found: method not found"
        : `${DESCRIPTIONS[code] ?? "Error"}: method not supported`);
    this.refused.set(method.toLowerCase(), new BotApiError(code, description));
  }

  /** Undoes {@link FaultPlan.refuse}. */
  allow(method: string): void {
    this.refused.delete(method.toLowerCase());
  }

  /** The answer of a refused method, or undefined. */
  refusal(method: string): BotApiError | undefined {
    return this.refused.get(method.toLowerCase());
  }

  /** The error answer an {@link ErrorFault} gives. */
  static errorOf(fault: ErrorFault): BotApiError {
    if (fault.code === 429) {
      const retryAfter = fault.retryAfter ?? 1;
      return new BotApiError(429, fault.description ?? `Too Many Requests: retry after ${retryAfter}`, {
        retry_after: retryAfter,
      });
    }
    return new BotApiError(
      fault.code,
      fault.description ?? DESCRIPTIONS[fault.code] ?? `Error ${fault.code}`,
    );
  }
}
