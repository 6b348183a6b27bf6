// Who is calling the HTTP API: the configuration keeps each key's name and sha256 (never the key),
// a request's `Authorization: Bearer <key>` is hashed and looked up. Each key has its limits
// (its own or `api.limits`); its counters live in the limits store under the user id
// `api:<name>`, next to the Telegram users'.
import { createHash, randomBytes } from "node:crypto";
import type { Config } from "../config/index.js";
import { OpenAIError } from "./openai-error.js";

/** The limits of one caller. */
export interface CallerLimitSettings {
  /** Requests per minute (0 = no limit). */
  messagesPerMinute: number;
  /** Tokens per UTC day (0 = no limit). */
  dailyTokens: number;
  /** Requests running at once in this API process. */
  concurrent: number;
}

/** An authenticated caller. */
export interface ApiCaller {
  /** The key's name from `api.keys` (`anonymous` when the API runs without keys). */
  name: string;
  /** Its id in the limits store and in generation jobs: `api:<name>`. */
  userId: string;
  limits: CallerLimitSettings;
}

/** Prefix of the keys `saiga api key` makes (recognizable in a leaked file). */
const KEY_PREFIX = "sk-saiga-";

/** A new random key (256 bits). */
export function newApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString("base64url");
}

/** What `api.keys` stores for a key: its sha256 in hex. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** The configured keys, by hash. */
export class ApiKeys {
  private readonly byHash = new Map<string, ApiCaller>();
  private readonly anonymous: ApiCaller | null;

  constructor(api: Config["api"]) {
    for (const key of api.keys) {
      this.byHash.set(key.sha256, {
        name: key.name,
        userId: `api:${key.name}`,
        limits: {
          messagesPerMinute: key.messagesPerMinute ?? api.limits.messagesPerMinute,
          dailyTokens: key.dailyTokens ?? api.limits.dailyTokens,
          concurrent: key.concurrent ?? api.limits.concurrent,
        },
      });
    }
    // The configuration allows no keys only on a loopback address (config-schema.ts).
    this.anonymous =
      api.keys.length === 0
        ? { name: "anonymous", userId: "api:anonymous", limits: { ...api.limits } }
        : null;
  }

  /** Whether requests need a key. */
  get required(): boolean {
    return this.anonymous === null;
  }

  /**
   * The caller of a request from its `Authorization` header.
   * @throws {OpenAIError} 401 for a missing or unknown key
   */
  authenticate(authorization: string | undefined): ApiCaller {
    if (this.anonymous) return this.anonymous;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match) {
      throw new OpenAIError(
        "You didn't provide an API key. Send it in the Authorization header: `Authorization: Bearer YOUR_KEY`.",
        { status: 401, type: "invalid_request_error", code: "missing_api_key" },
      );
    }
    const caller = this.byHash.get(hashApiKey(match[1] as string));
    if (!caller) {
      throw new OpenAIError(
        "Incorrect API key provided. Ask the operator for a key (`saiga api key NAME`).",
        {
          status: 401,
          type: "invalid_request_error",
          code: "invalid_api_key",
        },
      );
    }
    return caller;
  }
}
