// Errors the engine reports to its callers. Each has a stable `code`; messages say what to do next.
import { SaigaError } from "../errors/saiga-error.js";

/** Base class of engine errors. */
export class EngineError extends SaigaError {
  override name = "EngineError";
}

/** The model file could not be found, downloaded or loaded. */
export class ModelLoadError extends EngineError {
  override name = "ModelLoadError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("MODEL_LOAD_FAILED", message, options);
  }
}

/** A conversation the engine cannot answer as given (no user turn, wrong order, …). */
export class InvalidConversationError extends EngineError {
  override name = "InvalidConversationError";
  constructor(message: string) {
    super("INVALID_CONVERSATION", message);
  }
}

/**
 * The newest message (with the system prompt) alone does not fit the context, or a raw prompt
 * (which is never trimmed) does not.
 */
export class PromptTooLongError extends EngineError {
  override name = "PromptTooLongError";
  constructor(
    /** Tokens the smallest possible prompt (system prompt + newest user message, or the raw prompt) needs. */
    readonly promptTokens: number,
    /** Tokens available to the prompt: context size minus the room kept for the answer. */
    readonly budget: number,
    readonly contextSize: number,
    /** What was too long: a conversation's newest message (default) or a raw completion prompt. */
    kind: "message" | "prompt" = "message",
  ) {
    super(
      "PROMPT_TOO_LONG",
      (kind === "message"
        ? `The message is too long: with the system prompt it needs ${promptTokens} tokens`
        : `The prompt is too long: it needs ${promptTokens} tokens`) +
        `, but only ${budget} of this model's ${contextSize}-token context are left for the prompt. ` +
        (kind === "message"
          ? "Send a shorter message (or raise model.contextSize / lower generation.maxTokens)."
          : "Send a shorter prompt or ask for fewer answer tokens (or raise model.contextSize)."),
    );
  }
}

/** A response format the engine cannot enforce: a JSON schema it cannot compile into a grammar. */
export class InvalidResponseFormatError extends EngineError {
  override name = "InvalidResponseFormatError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("INVALID_RESPONSE_FORMAT", message, options);
  }
}

/** The chat format needs special tokens that the model's vocabulary does not have. */
export class ChatFormatMismatchError extends EngineError {
  override name = "ChatFormatMismatchError";
  constructor(format: string, missing: string) {
    super(
      "CHAT_FORMAT_MISMATCH",
      `Chat format ${format} needs the token ${missing}, which this model does not have. ` +
        `Set model.chatFormat to auto or to the format the model was trained with.`,
    );
  }
}
