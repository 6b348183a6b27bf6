// Reads a Bot API request's parameters: the query string plus a JSON, urlencoded or multipart body.
import type { IncomingMessage } from "node:http";
import { BotApiError } from "./bot-api-error.js";

/** Largest body accepted (Telegram takes uploads up to 50 MB). */
const MAX_BODY_BYTES = 50 * 1024 * 1024;

/** The call's parameters; multipart files become `File` objects. */
export async function readRequestBody(request: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BotApiError(413, "Request Entity Too Large");
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  if (body.length === 0) return params;
  const contentType = request.headers["content-type"] ?? "";
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw BotApiError.badRequest("can't parse JSON encoded request");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw BotApiError.badRequest("can't parse JSON encoded request");
    }
    return { ...params, ...(parsed as Record<string, unknown>) };
  }
  if (type === "application/x-www-form-urlencoded") {
    return { ...params, ...Object.fromEntries(new URLSearchParams(body.toString("utf8"))) };
  }
  if (type === "multipart/form-data") {
    // the platform's Request parses multipart bodies; no parser of our own
    const form = await new Request("http://emulator.invalid/", {
      method: "POST",
      headers: { "content-type": contentType },
      body,
    }).formData();
    for (const [name, value] of form) params[name] = value;
    return params;
  }
  return params;
}
