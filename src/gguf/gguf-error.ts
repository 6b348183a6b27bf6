// Error type for malformed, truncated or unsupported GGUF files.

/** Machine-readable reason of a {@link GgufError}. */
export type GgufErrorCode =
  "BAD_MAGIC" | "UNSUPPORTED_VERSION" | "TRUNCATED" | "INVALID" | "UNSUPPORTED_TENSOR_TYPE";

/** Raised by the GGUF reader and writer; `code` tells callers why without parsing the message. */
export class GgufError extends Error {
  readonly code: GgufErrorCode;

  constructor(code: GgufErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "GgufError";
    this.code = code;
  }
}
