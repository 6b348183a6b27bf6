// Reads a Bot API request's parameters: the query string plus a JSON, urlencoded or multipart body.
import type { IncomingMessage } from "node:http";
import busboy from "busboy";
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
    // busboy, not the platform's Request.formData(): undici refuses grammY's compact part headers
    for (const [name, value] of await readMultipart(contentType, body)) params[name] = value;
    // grammY sends files as `attach://<part>`: the parameter takes the part's File
    for (const [name, value] of Object.entries(params)) {
      if (
        typeof value === "string" &&
        value.startsWith("attach://") &&
        params[value.slice(9)] instanceof File
      ) {
        params[name] = params[value.slice(9)];
      }
    }
    return params;
  }
  return params;
}

/** The fields of a multipart body, files as `File` objects. */
function readMultipart(contentType: string, body: Buffer): Promise<[string, string | File][]> {
  return new Promise((resolve, reject) => {
    const fields: [string, string | File][] = [];
    const parser = busboy({ headers: { "content-type": contentType } });
    parser.on("field", (name, value) => fields.push([name, value]));
    parser.on("file", (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () =>
        fields.push([
          name,
          new File([Buffer.concat(chunks)], info.filename ?? name, { type: info.mimeType }),
        ]),
      );
    });
    parser.on("close", () => resolve(fields));
    parser.on("error", () => reject(BotApiError.badRequest("can't parse multipart request")));
    parser.end(body);
  });
}
