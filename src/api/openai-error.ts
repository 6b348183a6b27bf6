// Errors of the HTTP API in OpenAI's shape, `{error: {message, type, code, param}}`, with the
// status OpenAI's clients map to their error classes (the `openai` SDK: 400 BadRequestError,
// 401 AuthenticationError, 403 PermissionDeniedError, 404 NotFoundError, 429 RateLimitError,
// 5xx InternalServerError). Route code throws these; the server's error handler sends them.
import { SaigaError } from "../errors/saiga-error.js";
import type { StreamError } from "../service/protocol/stream-entry.js";

/** OpenAI's error types (the `type` field). */
export type OpenAIErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "insufficient_quota"
  | "server_error";

/** The body of an error response. */
export interface OpenAIErrorBody {
  error: { message: string; type: OpenAIErrorType; code: string | null; param: string | null };
}

/** What {@link OpenAIError} is made of. */
export interface OpenAIErrorOptions {
  status: number;
  type: OpenAIErrorType;
  /** OpenAI's machine-readable code (`context_length_exceeded`, `invalid_api_key`, …). Default: null. */
  code?: string | null;
  /** The request parameter at fault, e.g. `messages[0].content`. Default: null. */
  param?: string | null;
  /** Extra response headers (`retry-after`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An API request that is refused with an OpenAI-shaped error. */
export class OpenAIError extends SaigaError {
  override name = "OpenAIError";
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly param: string | null;
  readonly openaiCode: string | null;
  readonly headers: Record<string, string>;

  constructor(message: string, options: OpenAIErrorOptions) {
    super(`API_${options.status}`, message, { cause: options.cause });
    this.status = options.status;
    this.type = options.type;
    this.param = options.param ?? null;
    this.openaiCode = options.code ?? null;
    this.headers = options.headers ?? {};
  }

  /** The response body. */
  body(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, code: this.openaiCode, param: this.param } };
  }

  /** 400: a request the API cannot take as given. */
  static invalid(message: string, param: string | null = null, code: string | null = null): OpenAIError {
    return new OpenAIError(message, { status: 400, type: "invalid_request_error", param, code });
  }

  /** 400: a parameter this server does not implement (never silently ignored). */
  static unsupported(param: string): OpenAIError {
    return OpenAIError.invalid(
      `Unsupported parameter: '${param}' is not supported by this server (see README, "OpenAI-compatible API").`,
      param,
      "unsupported_parameter",
    );
  }

  /** 404: no model of that id is served. */
  static unknownModel(model: string): OpenAIError {
    return new OpenAIError(
      `The model '${model}' does not exist or is not served now (GET /v1/models lists the models).`,
      { status: 404, type: "invalid_request_error", param: "model", code: "model_not_found" },
    );
  }

  /** 503: no engine would answer. */
  static noEngine(): OpenAIError {
    return new OpenAIError(
      "No engine is serving right now; start one (`saiga engine` or `saiga start`) and retry.",
      { status: 503, type: "server_error", code: "engine_unavailable", headers: { "retry-after": "5" } },
    );
  }
}

/** Stream error codes (the engine's and the worker's) that are the request's fault, with OpenAI's status. */
const REQUEST_ERRORS: Record<string, { status: number; code: string; param: string | null }> = {
  INVALID_CONVERSATION: { status: 400, code: "invalid_conversation", param: "messages" },
  INVALID_RESPONSE_FORMAT: { status: 400, code: "invalid_response_format", param: "response_format" },
  ADAPTER_MISMATCH: { status: 400, code: "model_not_compatible", param: "model" },
  UNKNOWN_ADAPTER: { status: 404, code: "model_not_found", param: "model" },
};

/**
 * The API error of a generation that failed on an engine: a prompt that does not fit the
 * context is a 400 with the token counts; other request faults keep their stable code; the rest
 * is a 500.
 */
export function errorOfFailedGeneration(
  error: StreamError | undefined,
  promptParam: "messages" | "prompt",
): OpenAIError {
  if (!error) {
    return new OpenAIError("The generation failed.", { status: 500, type: "server_error" });
  }
  if (error.code === "PROMPT_TOO_LONG") {
    const { promptTokens, budget, contextSize } = error.details ?? {};
    const limit = promptParam === "messages" ? "messages" : "prompt";
    return OpenAIError.invalid(
      `This model's maximum context length is ${contextSize} tokens, of which ${budget} are left for the ` +
        `prompt after the room kept for the answer; your ${limit} need ${promptTokens} tokens. ` +
        `Shorten the ${limit} or lower max_tokens.`,
      promptParam,
      "context_length_exceeded",
    );
  }
  const known = REQUEST_ERRORS[error.code];
  if (known) {
    return new OpenAIError(error.message, {
      status: known.status,
      type: "invalid_request_error",
      code: known.code,
      param: known.param,
    });
  }
  return new OpenAIError(`The generation failed: ${error.message}`, {
    status: 500,
    type: "server_error",
    code: error.code.toLowerCase(),
  });
}
