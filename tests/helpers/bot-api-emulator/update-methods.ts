// How the bot receives updates: getUpdates (long polling) and the webhook methods.
import { BotApiError } from "./bot-api-error.js";
import { DescribedResult, type MethodHandler } from "./method-handler.js";

const WEBHOOK_CONFLICT =
  "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";

const getUpdates: MethodHandler = async (params, { state, webhook, signal }) => {
  if (webhook.current !== undefined) throw new BotApiError(409, WEBHOOK_CONFLICT);
  const limit = Math.min(100, Math.max(1, params.optionalInt("limit") ?? 100));
  const timeoutSeconds = Math.max(0, params.optionalNumber("timeout") ?? 0);
  const allowed = params.json<string[]>("allowed_updates");
  if (Array.isArray(allowed)) state.updates.setAllowedUpdates(allowed);
  return state.updates.take(params.optionalInt("offset"), limit, timeoutSeconds * 1000, signal);
};

const setWebhook: MethodHandler = (params, { state, webhook, allowHttpWebhooks }) => {
  const url = params.optionalString("url") ?? "";
  if (params.bool("drop_pending_updates")) state.updates.dropAll();
  const allowed = params.json<string[]>("allowed_updates");
  if (Array.isArray(allowed)) state.updates.setAllowedUpdates(allowed);
  if (url === "") {
    const had = webhook.current !== undefined;
    webhook.clear();
    return new DescribedResult(true, had ? "Webhook was deleted" : "Webhook is already deleted");
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw BotApiError.badRequest("bad webhook: Failed to resolve host: Name or service not known");
  }
  const httpOk = parsed.protocol === "https:" || (parsed.protocol === "http:" && allowHttpWebhooks);
  if (!httpOk) throw BotApiError.badRequest("bad webhook: An HTTPS URL must be provided for webhook");
  const secretToken = params.optionalString("secret_token");
  if (secretToken !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secretToken)) {
    throw BotApiError.badRequest("secret token contains unallowed characters");
  }
  const maxConnections = params.optionalInt("max_connections") ?? 40;
  if (maxConnections < 1 || maxConnections > 100)
    throw BotApiError.badRequest("bad webhook: invalid max_connections");
  const current = webhook.current;
  const same =
    current?.url === url && current.secretToken === secretToken && current.maxConnections === maxConnections;
  if (same) return new DescribedResult(true, "Webhook is already set");
  webhook.set({ url, maxConnections, ...(secretToken === undefined ? {} : { secretToken }) });
  return new DescribedResult(true, "Webhook was set");
};

const deleteWebhook: MethodHandler = (params, { state, webhook }) => {
  if (params.bool("drop_pending_updates")) state.updates.dropAll();
  const had = webhook.current !== undefined;
  webhook.clear();
  return new DescribedResult(true, had ? "Webhook was deleted" : "Webhook is already deleted");
};

const getWebhookInfo: MethodHandler = (_params, { webhook }) => webhook.info();

/** Handlers by method name. */
export const updateMethods: Record<string, MethodHandler> = {
  getUpdates,
  setWebhook,
  deleteWebhook,
  getWebhookInfo,
};
