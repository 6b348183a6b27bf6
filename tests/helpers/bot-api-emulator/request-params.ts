// Typed reads of one call's parameters, which arrive as JSON values or, from forms, as strings.
import { BotApiError } from "./bot-api-error.js";

/** The parameters of one Bot API call, read the way Telegram reads them (`"5"` is a number, `"true"` a boolean). */
export class RequestParams {
  constructor(readonly raw: Readonly<Record<string, unknown>>) {}

  /** True when the parameter is present and not null. */
  has(name: string): boolean {
    return this.raw[name] !== undefined && this.raw[name] !== null;
  }

  /** A string parameter; numbers are accepted as their text. */
  optionalString(name: string): string | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    throw BotApiError.badRequest(`field "${name}" must be of type String`);
  }

  /** A required string parameter; missing is a 400 `<name> is empty`. */
  string(name: string): string {
    const value = this.optionalString(name);
    if (value === undefined) throw BotApiError.badRequest(`${name} is empty`);
    return value;
  }

  /** An integer parameter; numeric strings count. */
  optionalInt(name: string): number | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null || value === "") return undefined;
    const number = typeof value === "string" ? Number(value) : value;
    if (typeof number !== "number" || !Number.isSafeInteger(number)) {
      throw BotApiError.badRequest(`field "${name}" must be of type Integer`);
    }
    return number;
  }

  /** A required integer parameter. */
  int(name: string): number {
    const value = this.optionalInt(name);
    if (value === undefined) throw BotApiError.badRequest(`${name} is empty`);
    return value;
  }

  /** A number that may have a fraction (e.g. `timeout`). */
  optionalNumber(name: string): number | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null || value === "") return undefined;
    const number = typeof value === "string" ? Number(value) : value;
    if (typeof number !== "number" || !Number.isFinite(number)) {
      throw BotApiError.badRequest(`field "${name}" must be of type Float`);
    }
    return number;
  }

  /** A Boolean parameter: true, "true" or 1; anything else (or nothing) is false. */
  bool(name: string): boolean {
    const value = this.raw[name];
    return value === true || value === "true" || value === "True" || value === 1 || value === "1";
  }

  /** An object or array parameter; forms send these as JSON text. The shape is the caller's to check. */
  json<T>(name: string): T | undefined {
    let value = this.raw[name];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value === "string") {
      try {
        value = JSON.parse(value) as unknown;
      } catch {
        throw BotApiError.badRequest(`can't parse ${name} JSON object`);
      }
    }
    if (typeof value !== "object" || value === null) {
      throw BotApiError.badRequest(`can't parse ${name} JSON object`);
    }
    return value as T;
  }

  /** `chat_id`: a number, or `@username` of a public chat. */
  chatId(name = "chat_id"): number | string {
    const value = this.raw[name];
    if (typeof value === "string" && value.startsWith("@")) return value;
    const id = this.optionalInt(name);
    if (id === undefined) throw BotApiError.badRequest("chat_id is empty");
    return id;
  }
}
