// Builds the token prompt of a raw completion (`prompt` instead of `messages`): the text as it
// is, no chat template, with the beginning-of-text token the model's tokenizer wants, as
// node-llama-cpp's LlamaCompletion does. Nothing is trimmed: a raw prompt has no turns to drop.
import { LlamaVocabularyType, type LlamaModel, type Token } from "node-llama-cpp";
import { InvalidConversationError, PromptTooLongError } from "./engine-errors.js";

/** Options of {@link buildCompletionPrompt}. */
export interface CompletionPromptOptions {
  /** Tokens one sequence holds. */
  contextSize: number;
  /** Tokens kept free for the answer; capped at half the context, as for conversations. */
  reserveTokens: number;
}

/**
 * The tokens of `text`. Special-token text in it (`</s>`, `<|im_end|>`) stays text, as in
 * conversations (prompt-tokens.ts).
 * @throws {PromptTooLongError} when the prompt and the room for the answer do not fit the context
 */
export function buildCompletionPrompt(
  model: LlamaModel,
  text: string,
  options: CompletionPromptOptions,
): Token[] {
  const bos = beginningToken(model);
  // With a BOS in front, llama.cpp's SentencePiece tokenizers would add a space before the text;
  // node-llama-cpp's `trimLeadingSpace` keeps the text's own leading spaces instead.
  const tokens = [
    ...(bos === null ? [] : [bos]),
    ...model.tokenize(text, false, bos === null ? undefined : "trimLeadingSpace"),
  ];
  if (tokens.length === 0)
    throw new InvalidConversationError("The prompt is empty: give the text to continue.");
  const budget = options.contextSize - Math.min(options.reserveTokens, Math.floor(options.contextSize / 2));
  if (tokens.length > budget)
    throw new PromptTooLongError(tokens.length, budget, options.contextSize, "prompt");
  return tokens;
}

/** node-llama-cpp's resolveBeginningTokenToPrepend (not exported): which token starts a text. */
function beginningToken(model: LlamaModel): Token | null {
  switch (model.vocabularyType) {
    case LlamaVocabularyType.rwkv:
    case LlamaVocabularyType.ugm:
      return null;
    case LlamaVocabularyType.wpm:
      return model.tokens.bos;
    default:
      return model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
  }
}
