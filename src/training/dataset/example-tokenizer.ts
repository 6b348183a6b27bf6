// Tokenizes examples exactly as the engine serves them: the same chat format (chosen as the engine
// chooses it), the same tokenizer, the same prompt building and trimming (buildPrompt). The prompt
// is what the model saw before answering; the answer follows as the model would have generated it,
// closed by the format's own stop token (EOS `</s>` for saiga_v2, `<|eot_id|>` for llama3, taken
// from the format's stop triggers). The loss mask covers the answer and that token only.
import type { ChatWrapper, LlamaModel, Token } from "node-llama-cpp";
import type { Config } from "../../config/index.js";
import {
  buildPrompt,
  ChatFormatMismatchError,
  ModelLoadError,
  PromptTooLongError,
  selectChatWrapper,
  tokenizePrompt,
  type ChatMessage,
} from "../../engine/index.js";
import { getLlamaRuntime, type GpuSetting } from "../../engine/llama-runtime.js";
import type { Logger } from "../../log/index.js";
import type { SaigaExample } from "./saiga-example.js";
import type { TokenizedExample } from "./tokenized-example.js";

/** Options of {@link ExampleTokenizer.open} and {@link tokenizeExamples}. */
export interface TokenizeOptions {
  /** Local GGUF file of the served model (resolveModelPath turns MODEL into one). */
  modelPath: string;
  /** `model.chatFormat`. */
  chatFormat: Config["model"]["chatFormat"];
  /** `model.contextSize`: prompt + answer must fit it; longer histories are trimmed as when serving. */
  contextSize: number;
  /** `model.systemPrompt`: used for examples without a system message, as the engine does. */
  systemPrompt: string;
  /**
   * The llama.cpp runtime to load the vocabulary with (no weights are loaded, so any will do). In a
   * process that also serves, pass its `model.gpu` so that both share one runtime. Default: `cpu`.
   */
  gpu?: GpuSetting;
  log?: Logger;
}

/** The tokenized examples and what could not be tokenized. */
export interface TokenizedExamples {
  examples: TokenizedExample[];
  /** Examples left out because the user message and the answer alone do not fit the context. */
  dropped: number;
}

/** A loaded tokenizer (the model's vocabulary only); {@link close} it when done. */
export class ExampleTokenizer {
  private constructor(
    readonly model: LlamaModel,
    readonly wrapper: ChatWrapper,
    /** How the chat format was chosen (`saiga_v2`, `llama3`, `the model's own chat template`). */
    readonly chatFormat: string,
    /** The token that closes an answer. */
    readonly endTokens: readonly Token[],
    private readonly options: TokenizeOptions,
  ) {}

  /**
   * Loads the model's vocabulary (no weights, no context) and picks the chat format.
   * @throws {ModelLoadError} when the model cannot be loaded
   * @throws {ChatFormatMismatchError} when the configured format needs tokens the model lacks
   */
  static async open(options: TokenizeOptions): Promise<ExampleTokenizer> {
    const llama = await getLlamaRuntime(options.gpu ?? "cpu", options.log);
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: options.modelPath, vocabOnly: true, gpuLayers: 0 });
    } catch (error) {
      throw new ModelLoadError(`Could not load ${options.modelPath}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      const template = model.fileInfo.metadata.tokenizer?.chat_template;
      const selected = selectChatWrapper(
        options.chatFormat,
        typeof template === "string" ? template : undefined,
      );
      if (options.chatFormat === "llama3")
        for (const text of ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]) {
          const tokens = model.tokenize(text, true);
          if (tokens.length !== 1 || !model.isSpecialToken(tokens[0]))
            throw new ChatFormatMismatchError("llama3", text);
        }
      const endTokens = answerEndTokens(model, selected.wrapper);
      return new ExampleTokenizer(model, selected.wrapper, selected.description, endTokens, options);
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  /**
   * Tokenizes one example: the prompt as buildPrompt renders it (old turns trimmed so that the
   * answer fits), then the answer and the end token.
   * @returns null when even the newest user message and the answer do not fit the context
   */
  tokenize(example: SaigaExample): TokenizedExample | null {
    const { model, options } = this;
    const answer = example.messages[example.messages.length - 1];
    if (!answer || answer.role !== "bot") throw new Error("an example must end with the bot's answer");
    const conversation: ChatMessage[] = example.messages.slice(0, -1).map((message) => ({
      role: message.role === "bot" ? "assistant" : message.role,
      content: message.content,
    }));
    // The answer's tokens as the model generates them after the prompt: no leading space added.
    const reply = [...model.tokenize(answer.content, false, "trimLeadingSpace"), ...this.endTokens];
    let prompt: Token[];
    try {
      prompt = buildPrompt(model, this.wrapper, conversation, {
        defaultSystemPrompt: options.systemPrompt,
        contextSize: options.contextSize,
        reserveTokens: reply.length,
      }).tokens;
    } catch (error) {
      if (error instanceof PromptTooLongError) return null;
      throw error;
    }
    if (prompt.length + reply.length > options.contextSize) return null;
    return {
      input_ids: [...prompt, ...reply],
      loss_mask: [...prompt.map(() => 0 as const), ...reply.map(() => 1 as const)],
      label: example.label,
      weight: example.weight,
    };
  }

  /** Tokenizes many examples; those that do not fit are counted and left out. */
  tokenizeAll(examples: Iterable<SaigaExample>): TokenizedExamples {
    const out: TokenizedExample[] = [];
    let dropped = 0;
    for (const example of examples) {
      const tokenized = this.tokenize(example);
      if (tokenized) out.push(tokenized);
      else dropped++;
    }
    return { examples: out, dropped };
  }

  /** Frees the model. */
  async close(): Promise<void> {
    await this.model.dispose();
  }
}

/** Loads the model's vocabulary, tokenizes `examples` (see {@link ExampleTokenizer.tokenize}) and closes it. */
export async function tokenizeExamples(
  examples: Iterable<SaigaExample>,
  options: TokenizeOptions,
): Promise<TokenizedExamples> {
  const tokenizer = await ExampleTokenizer.open(options);
  try {
    return tokenizer.tokenizeAll(examples);
  } finally {
    await tokenizer.close();
  }
}

/**
 * The token that ends an answer: the first stop trigger of the format that is a single special
 * token (saiga_v2: EOS; llama3: `<|eot_id|>`; a GGUF template: what node-llama-cpp found in it),
 * else the first stop trigger that tokenizes at all.
 */
function answerEndTokens(model: LlamaModel, wrapper: ChatWrapper): Token[] {
  const { stopGenerationTriggers } = wrapper.generateContextState({
    chatHistory: [
      { type: "user", text: "" },
      { type: "model", response: [] },
    ],
  });
  const candidates = stopGenerationTriggers.map((trigger) => {
    try {
      return tokenizePrompt(model, trigger);
    } catch {
      return []; // a special token this model does not have
    }
  });
  const single = candidates.find((tokens) => tokens.length === 1 && model.isSpecialToken(tokens[0]));
  const found = single ?? candidates.find((tokens) => tokens.length > 0);
  if (!found) throw new ChatFormatMismatchError(wrapper.wrapperName, "a token that ends the answer");
  return found;
}
