// A Bot API transformer that counts flood-limit answers (429) per method into
// `saiga_telegram_rate_limited_total`. Installed before auto-retry, it sits next to the raw call
// and sees every 429, also the ones auto-retry then waits out and retries.
import type { Transformer } from "grammy";
import { saigaMetrics } from "../metrics/saiga-metrics.js";

/** Counts each 429 answer of the Bot API; the answer itself passes through unchanged. */
export function countRateLimits(): Transformer {
  return async (prev, method, payload, signal) => {
    const result = await prev(method, payload, signal);
    if (!result.ok && result.error_code === 429) saigaMetrics().telegramRateLimited.inc({ method });
    return result;
  };
}
