// Builds the token prompt for a conversation: default system prompt, chat format, and trimming
// of old turns so that the prompt plus the room kept for the answer fit the context.
import type { ChatWrapper, LlamaModel, LlamaText, Token } from "node-llama-cpp";
import type { ChatMessage } from "./chat-message.js";
import { toChatHistory } from "./chat-formats/to-chat-history.js";
import { InvalidConversationError, PromptTooLongError } from "./engine-errors.js";
import { tokenizePrompt } from "./prompt-tokens.js";

/** Options of {@link buildPrompt}. */
export interface BuildPromptOptions {
  /** System prompt used when the conversation has no system message. */
  defaultSystemPrompt: string;
  /** Tokens one sequence holds. */
  contextSize: number;
  /** Tokens kept free for the answer; capped at half the context so that history always has room. */
  reserveTokens: number;
}

/** A prompt ready to evaluate. */
export interface BuiltPrompt {
  /** The rendered prompt (special tokens as such). */
  text: LlamaText;
  tokens: Token[];
  /** The messages that made it in, system prompt first. */
  messages: ChatMessage[];
  /** How many old messages were left out to fit the context. */
  droppedMessages: number;
  /** Texts that end the answer, as the chat format defines them. */
  stopTriggers: LlamaText[];
}

/**
 * Renders `conversation` (which must end with a user message) with `wrapper`. When it does not
 * fit, the oldest turns go first; the system prompt and the newest user message always stay.
 * @throws {PromptTooLongError} when the system prompt and the newest user message alone do not fit
 */
export function buildPrompt(
  model: LlamaModel,
  wrapper: ChatWrapper,
  conversation: readonly ChatMessage[],
  options: BuildPromptOptions,
): BuiltPrompt {
  const last = conversation[conversation.length - 1];
  if (!last || last.role !== "user") {
    throw new InvalidConversationError(
      "The conversation must end with a user message for the model to answer.",
    );
  }
  const [system, history] = splitSystem(conversation, options.defaultSystemPrompt);
  const budget = options.contextSize - Math.min(options.reserveTokens, Math.floor(options.contextSize / 2));

  // Drop whole turns from the front: a turn starts at a user message.
  let start = 0;
  for (;;) {
    const messages = [system, ...history.slice(start)];
    // An empty model turn at the end asks the wrapper for the generation prompt (`<s>bot\n`),
    // as node-llama-cpp's own chat code does.
    const chatHistory = [...toChatHistory(messages), { type: "model" as const, response: [] }];
    const state = wrapper.generateContextState({ chatHistory });
    const tokens = tokenizePrompt(model, state.contextText);
    if (tokens.length <= budget) {
      return {
        text: state.contextText,
        tokens,
        messages,
        droppedMessages: start,
        stopTriggers: state.stopGenerationTriggers,
      };
    }
    if (start >= history.length - 1) throw new PromptTooLongError(tokens.length, budget, options.contextSize);
    start++;
    while (start < history.length - 1 && history[start]?.role !== "user") start++;
  }
}

function splitSystem(
  conversation: readonly ChatMessage[],
  defaultSystemPrompt: string,
): [ChatMessage, ChatMessage[]] {
  const [first, ...rest] = conversation;
  if (first?.role === "system") return [first, checkNoSystem(rest)];
  return [{ role: "system", content: defaultSystemPrompt }, checkNoSystem(conversation)];
}

function checkNoSystem(messages: readonly ChatMessage[]): ChatMessage[] {
  if (messages.some((message) => message.role === "system")) {
    throw new InvalidConversationError("Only the first message of a conversation may be a system message.");
  }
  return [...messages];
}
