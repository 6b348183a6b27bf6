// The Saiga engine: one loaded model, a context per LoRA adapter with a pool of sequences each,
// and the generation API every channel uses (terminal, queue worker, HTTP): a conversation or a
// raw prompt in, text deltas and stats out.
import { existsSync } from "node:fs";
import {
  LlamaGrammarEvaluationState,
  type ChatWrapper,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaContextSequenceRepeatPenalty,
  type LlamaGrammar,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import type { Logger } from "../log/index.js";
import { AdapterContexts, type AdapterContextInfo, type ContextSlot } from "./adapter-contexts.js";
import { buildCompletionPrompt } from "./build-completion-prompt.js";
import { buildPrompt, type BuiltPrompt } from "./build-prompt.js";
import type { ChatMessage } from "./chat-message.js";
import { selectChatWrapper, type ChatFormatName } from "./chat-formats/select-chat-wrapper.js";
import {
  ChatFormatMismatchError,
  EngineError,
  InvalidConversationError,
  ModelLoadError,
} from "./engine-errors.js";
import type { GenerationEvent, GenerationStats, StopReason } from "./generation-event.js";
import { getLlamaRuntime, type GpuSetting, type LlamaBuildSetting } from "./llama-runtime.js";
import { tokenizePrompt } from "./prompt-tokens.js";
import type { ResponseFormat } from "./response-format.js";
import { isCompleteJson, ResponseGrammars } from "./response-grammars.js";
import type { RequestSampling, SamplingOptions } from "./sampling-options.js";
import { calibrateThreads, type ThreadCalibration } from "./calibrate-threads.js";
import { SequenceStateCache, type SequenceStateCacheStats } from "./sequence-state-cache.js";
import { StopStringMatcher } from "./stop-string-matcher.js";
import { TokenTextStream } from "./token-text-stream.js";

/**
 * Tokens of the answer so far that the penalties look at: the repeat penalty, and the presence
 * and frequency penalties too. OpenAI counts a token's appearances over the whole completion;
 * here only the last 64 tokens count, as llama.cpp's `penalty_last_n` default.
 */
const REPEAT_PENALTY_WINDOW = 64;

/** The `model.flashAttention` setting. */
export type FlashAttentionSetting = "auto" | "on" | "off";

/** Options of {@link SaigaEngine.create}. */
export interface SaigaEngineOptions {
  /** Local GGUF file (see resolveModelPath for `demo` and `hf:` sources). */
  modelPath: string;
  /** Chat format. Default: `auto`. */
  chatFormat?: ChatFormatName;
  /** System prompt when a conversation has none. Default: none (empty system message). */
  systemPrompt?: string;
  /** Tokens per sequence. Default: 2048. */
  contextSize?: number;
  /** Concurrent generations (sequences of the context). Default: 1. */
  sequences?: number;
  /** Tokens per evaluation batch. Default: 512. */
  batchSize?: number;
  /**
   * CPU threads: a number, `auto` (the fastest of 1..physical cores, measured once per model and
   * machine, see calibrate-threads.ts) or `llama-default` (node-llama-cpp's own choice, which
   * oversubscribes small machines; kept for benchmarks). Default: `auto`.
   */
  threads?: number | "auto" | "llama-default";
  /** JSON file caching the `auto` thread measurement. Default: none (measure at every start). */
  threadCalibrationCache?: string;
  /** GPU backend. Default: `auto`. */
  gpu?: GpuSetting;
  /** Flash attention: `auto` (off on the CPU, node-llama-cpp's choice on a GPU), `on` or `off`. Default: `auto`. */
  flashAttention?: FlashAttentionSetting;
  /** Which llama.cpp binaries run the CPU work (see LlamaBuildSetting). Default: `native`. */
  llamaBuild?: LlamaBuildSetting;
  /** Layers to offload to the GPU. Default: `auto`. */
  gpuLayers?: number | "auto";
  /** Default sampling for requests that do not set their own. */
  sampling: SamplingOptions;
  /**
   * Reuse the KV cache of the prompt prefix a sequence already holds (a chat's next turn only
   * evaluates its new tokens). Off only to measure what it saves. Default: true.
   */
  reusePrefix?: boolean;
  /**
   * Saved KV states of chats whose sequence was taken by another prompt, restored when the chat
   * comes back (sequence-state-cache.ts): `maxBytes` of files (0 = off) under `dir` (null: the
   * system's temp folder; a tmpfs such as /dev/shm keeps them in RAM). Default: off.
   */
  stateCache?: { maxBytes: number; dir?: string | null };
  /** A GGUF LoRA adapter applied to the context. Default: none. */
  adapterPath?: string;
  /**
   * Contexts on the loaded weights, one per adapter answering at once: the current one plus
   * others that requests name (`GenerateRequest.adapterPath`). Each costs its own KV cache.
   * Over the limit, the least recently used idle one is freed; when all are busy, a request for
   * another adapter waits. Default: 3.
   */
  adapterContexts?: number;
  log?: Logger;
  /** Aborts loading. */
  signal?: AbortSignal;
}

/** One generation request: a conversation (chat template applied) or a raw prompt. */
export interface GenerateRequest {
  /** The conversation; it must end with a user message. A missing system message gets the default one. */
  messages?: readonly ChatMessage[];
  /** A raw prompt, tokenized as text (no chat template), for plain completions. Instead of `messages`. */
  prompt?: string;
  /** Overrides of the engine's default sampling. */
  sampling?: RequestSampling;
  /** Strings that end the answer; the text returned stops before them. */
  stop?: readonly string[];
  /** Constrain the answer to JSON (or a JSON schema). Default: free text. */
  responseFormat?: ResponseFormat;
  /**
   * The LoRA adapter file this answer uses (null: the bare model). Default: the engine's current
   * one (setAdapter). Each adapter gets its own context on the same loaded weights.
   */
  adapterPath?: string | null;
}

/** What the engine runs on, for start-up reports and `--json` output. */
export interface EngineInfo {
  modelPath: string;
  /** `cuda`, `vulkan`, `metal` or `cpu`. */
  gpu: string;
  /** llama.cpp's binaries: `native` (built on this machine at install) or `prebuilt` (from npm). */
  binary: "native" | "prebuilt";
  gpuLayers: number;
  threads: number;
  /** How `threads` was chosen, with the measured tokens/s per thread count for `auto`. */
  threadChoice: { setting: string; measured?: ThreadCalibration["measured"] };
  contextSize: number;
  sequences: number;
  chatFormat: string;
  adapterPath: string | null;
}

/** A request turned into what decoding needs. */
interface PreparedRequest {
  tokens: Token[];
  /** Single tokens that end the answer (the chat format's end of turn). */
  stopTokens: Set<Token>;
  droppedMessages: number;
  sampling: RequestSampling & SamplingOptions;
  grammar?: LlamaGrammar;
}

/** A loaded model serving generations. Create with {@link SaigaEngine.create}; `close()` when done. */
export class SaigaEngine {
  private readonly contexts: AdapterContexts;
  private readonly grammars: ResponseGrammars;
  private readonly stateCache: SequenceStateCache;
  private readonly closeController = new AbortController();
  private readonly active = new Set<Promise<unknown>>();
  private swapping: Promise<void> = Promise.resolve();
  private closing?: Promise<void>;

  private constructor(
    readonly model: LlamaModel,
    context: LlamaContext,
    readonly chatWrapper: ChatWrapper,
    readonly info: EngineInfo,
    private readonly options: SaigaEngineOptions,
  ) {
    this.contexts = new AdapterContexts(context, info.adapterPath, {
      create: (adapterPath) => createSlotContext(model, options, info.threads, adapterPath),
      limit: options.adapterContexts ?? 3,
      log: options.log,
    });
    this.grammars = new ResponseGrammars(model.llama);
    this.stateCache = new SequenceStateCache({
      maxBytes: options.reusePrefix === false ? 0 : (options.stateCache?.maxBytes ?? 0),
      dir: options.stateCache?.dir,
      log: options.log,
    });
  }

  /**
   * Switches to another LoRA adapter (null: the bare model) without dropping a conversation: new
   * generations start on a context with the adapter (a new one, or the one requests naming it
   * already use); running ones finish on the old context, which is freed after them. Swaps are
   * applied one at a time, in call order. Each adapter version needs its own file name
   * (node-llama-cpp caches adapters by path).
   */
  setAdapter(adapterPath: string | null): Promise<void> {
    const swap = this.swapping.then(async () => {
      if (this.closing) throw new EngineError("ENGINE_CLOSED", "The engine is closed.");
      await this.contexts.setCurrent(adapterPath);
      this.info.adapterPath = adapterPath;
    });
    this.swapping = swap.catch(() => undefined);
    return swap;
  }

  /** The contexts that exist now, one per adapter (for health reports and benchmarks). */
  adapterContexts(): AdapterContextInfo[] {
    return this.contexts.describe();
  }

  /** Size and hit counts of the saved KV states (benchmarks and tests read them). */
  stateCacheStats(): SequenceStateCacheStats {
    return this.stateCache.stats();
  }

  /** Loads the model and creates the context. */
  static async create(options: SaigaEngineOptions): Promise<SaigaEngine> {
    if (options.adapterPath && !existsSync(options.adapterPath)) {
      throw new ModelLoadError(
        `Adapter file not found: ${options.adapterPath}. Give the path of a GGUF LoRA adapter.`,
      );
    }
    const llama = await getLlamaRuntime(options.gpu ?? "auto", options.log, options.llamaBuild);
    let model: LlamaModel;
    try {
      model = await llama.loadModel({
        modelPath: options.modelPath,
        gpuLayers: options.gpuLayers ?? "auto",
        loadSignal: options.signal,
      });
    } catch (error) {
      throw new ModelLoadError(`Could not load ${options.modelPath}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      const template = model.fileInfo.metadata.tokenizer?.chat_template;
      const format = options.chatFormat ?? "auto";
      const selected = selectChatWrapper(format, typeof template === "string" ? template : undefined);
      if (format === "llama3")
        requireSpecialTokens(model, "llama3", ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]);
      const threadSetting = options.threads ?? "auto";
      const calibration =
        threadSetting === "auto"
          ? await calibrateThreads(model, {
              cacheFile: options.threadCalibrationCache,
              log: options.log,
              signal: options.signal,
            })
          : undefined;
      const threads = calibration?.threads ?? (typeof threadSetting === "number" ? threadSetting : undefined);
      const contextSize = options.contextSize ?? 2048;
      const sequences = options.sequences ?? 1;
      const context = await createSlotContext(
        model,
        { ...options, contextSize, sequences },
        threads,
        options.adapterPath ?? null,
      );
      const info: EngineInfo = {
        modelPath: options.modelPath,
        gpu: llama.gpu === false ? "cpu" : llama.gpu,
        binary: llama.buildType === "localBuild" ? "native" : "prebuilt",
        gpuLayers: model.gpuLayers,
        threads: context.idealThreads,
        threadChoice: { setting: String(threadSetting), measured: calibration?.measured },
        contextSize: context.contextSize,
        sequences,
        chatFormat: selected.description,
        adapterPath: options.adapterPath ?? null,
      };
      options.log?.info(info, "engine ready");
      return new SaigaEngine(model, context, selected.wrapper, info, options);
    } catch (error) {
      await model.dispose();
      if (error instanceof EngineError) throw error;
      throw new ModelLoadError(
        `Could not create a context for ${options.modelPath}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  /** Renders a conversation exactly as {@link generate} would (trimmed to the context). */
  buildPrompt(messages: readonly ChatMessage[], maxTokens = this.options.sampling.maxTokens): BuiltPrompt {
    return buildPrompt(this.model, this.chatWrapper, messages, {
      defaultSystemPrompt: this.options.systemPrompt ?? "",
      contextSize: this.info.contextSize,
      reserveTokens: maxTokens,
    });
  }

  /**
   * Answers the conversation (or continues the raw prompt): yields `delta` events as text is
   * generated and one final `end` event with the whole text and the statistics. Aborting
   * `signal` ends the answer early with stop reason `aborted` (the text so far is still returned).
   * @throws {PromptTooLongError} when the newest message (or the raw prompt) alone does not fit the context
   * @throws {InvalidConversationError} for neither or both of `messages` and `prompt`
   * @throws {InvalidResponseFormatError} for a JSON schema the grammar cannot enforce
   * @throws {ModelLoadError} when the request's adapter file is missing or cannot be applied
   */
  async *generate(
    request: GenerateRequest,
    signal?: AbortSignal,
  ): AsyncGenerator<GenerationEvent, void, void> {
    if (this.closing) throw new EngineError("ENGINE_CLOSED", "The engine is closed.");
    let finish = () => {};
    const finished = new Promise<void>((resolve) => (finish = resolve));
    this.active.add(finished);
    const abort = AbortSignal.any([this.closeController.signal, ...(signal ? [signal] : [])]);
    try {
      yield* this.run(request, abort);
    } finally {
      this.active.delete(finished);
      finish();
    }
  }

  private async *run(
    request: GenerateRequest,
    signal: AbortSignal,
  ): AsyncGenerator<GenerationEvent, void, void> {
    const started = performance.now();
    const prepared = await this.prepare(request);
    const slot = await this.contexts.acquire(request.adapterPath, signal);
    try {
      const sequence = await slot.pool.acquire(prepared.tokens, signal);
      try {
        yield* this.decode(sequence, slot, prepared, request.stop ?? [], signal, started);
      } finally {
        slot.pool.release(sequence);
      }
    } finally {
      await this.contexts.release(slot);
    }
  }

  /** The prompt's tokens, the stop tokens, the merged sampling and the grammar of a request. */
  private async prepare(request: GenerateRequest): Promise<PreparedRequest> {
    if ((request.messages === undefined) === (request.prompt === undefined)) {
      throw new InvalidConversationError(
        "Give either messages (a conversation to answer) or prompt (raw text to continue), not both or neither.",
      );
    }
    const sampling = { ...this.options.sampling, ...request.sampling };
    const grammar = await this.grammars.grammarFor(request.responseFormat);
    if (request.prompt !== undefined) {
      const tokens = buildCompletionPrompt(this.model, request.prompt, {
        contextSize: this.info.contextSize,
        reserveTokens: sampling.maxTokens,
      });
      return { tokens, stopTokens: new Set(), droppedMessages: 0, sampling, grammar };
    }
    const prompt = this.buildPrompt(request.messages ?? [], sampling.maxTokens);
    const stopTokens = new Set(
      prompt.stopTriggers
        .map((trigger) => tokenizePrompt(this.model, trigger))
        .flatMap((t) => (t.length === 1 ? t : [])),
    );
    return { tokens: prompt.tokens, stopTokens, droppedMessages: prompt.droppedMessages, sampling, grammar };
  }

  /** Evaluates the prompt on `sequence` and streams the answer, then its `end` event. */
  private async *decode(
    sequence: LlamaContextSequence,
    slot: ContextSlot,
    prepared: PreparedRequest,
    stop: readonly string[],
    signal: AbortSignal,
    started: number,
  ): AsyncGenerator<GenerationEvent, void, void> {
    const { tokens: promptTokens, sampling, grammar } = prepared;
    // Save what this sequence holds before it is erased for another chat, or load this chat's
    // saved state when that holds more of the prompt; reuse below counts restored tokens too.
    await this.stateCache.prepare(sequence, promptTokens);
    // Keep the longest prefix of the prompt that the sequence already evaluated; at least one
    // token must be evaluated again to get the logits of the next one.
    const reused =
      this.options.reusePrefix === false
        ? 0
        : Math.min(sequence.compareContextTokens(promptTokens).firstDifferentIndex, promptTokens.length - 1);
    if (reused < sequence.nextTokenIndex) {
      await sequence.eraseContextTokenRanges([{ start: reused, end: sequence.nextTokenIndex }]);
    }
    const recent: Token[] = []; // the answer's tokens, for the penalties
    const text = new TokenTextStream(this.model);
    const stops = new StopStringMatcher(stop);
    let generated = ""; // everything decoded, stop strings included: what the grammar sees
    let answer = "";
    let completionTokens = 0;
    let firstTokenAt: number | undefined;
    let stopReason: StopReason = "eos";
    const evaluation = sequence.evaluate(promptTokens.slice(reused), {
      temperature: sampling.temperature,
      topK: sampling.topK,
      topP: sampling.topP,
      seed: sampling.seed ?? undefined,
      // The sampler accepts each sampled token into this state itself (node-llama-cpp's
      // AddonSampler), as LlamaCompletion relies on.
      grammarEvaluationState: grammar
        ? new LlamaGrammarEvaluationState({ model: this.model, grammar })
        : undefined,
      repeatPenalty: penaltiesOf(sampling, recent),
    });
    for await (const token of evaluation) {
      if (signal.aborted) {
        stopReason = "aborted";
        break;
      }
      if (prepared.stopTokens.has(token)) break;
      firstTokenAt ??= performance.now();
      completionTokens++;
      recent.push(token);
      const piece = text.push(token);
      if (piece) {
        generated += piece;
        const match = stops.push(piece);
        if (match.text) {
          answer += match.text;
          yield { type: "delta", text: match.text };
        }
        if (match.stopped) {
          stopReason = "stop";
          break;
        }
        if (grammar && isCompleteJson(generated)) break;
      }
      if (completionTokens >= sampling.maxTokens) {
        stopReason = "maxTokens";
        break;
      }
      if (sequence.nextTokenIndex + 1 >= sequence.contextSize) {
        stopReason = "contextFull";
        break;
      }
    }
    if (stopReason !== "stop") {
      const match = stops.push(text.flush());
      if (match.stopped) stopReason = "stop";
      const tail = match.text + stops.flush();
      if (tail) {
        answer += tail;
        yield { type: "delta", text: tail };
      }
    }
    const ended = performance.now();
    const stats: GenerationStats = {
      promptTokens: promptTokens.length,
      reusedPromptTokens: reused,
      completionTokens,
      timeToFirstTokenMs: round((firstTokenAt ?? ended) - started),
      tokensPerSecond:
        completionTokens > 1 && firstTokenAt !== undefined
          ? round(((completionTokens - 1) * 1000) / (ended - firstTokenAt))
          : 0,
      totalMs: round(ended - started),
      stopReason,
      droppedMessages: prepared.droppedMessages,
    };
    yield { type: "end", text: answer, stats, adapterPath: slot.adapterPath };
  }

  /** Collects a whole answer (for callers that do not stream). */
  async complete(
    request: GenerateRequest,
    signal?: AbortSignal,
  ): Promise<{ text: string; stats: GenerationStats; adapterPath: string | null }> {
    for await (const event of this.generate(request, signal)) {
      if (event.type === "end")
        return { text: event.text, stats: event.stats, adapterPath: event.adapterPath ?? null };
    }
    throw new EngineError("GENERATION_INCOMPLETE", "The generation ended without a result.");
  }

  /** Stops running generations (they end as `aborted`), then frees the contexts and the model. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closeController.abort(new EngineError("ENGINE_CLOSED", "The engine is closed."));
      await Promise.allSettled([...this.active, this.swapping]);
      await this.contexts.close();
      await this.stateCache.close();
      await this.model.dispose();
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * llama.cpp's penalties sampler over the answer's own tokens, as node-llama-cpp's LlamaChat does
 * (punishing the prompt's would push a real model off the words of the question, "the capital of
 * France is …"): logit / repeatPenalty, then logit -= count × frequencyPenalty + (count > 0) ×
 * presencePenalty, which is OpenAI's formula. Undefined when all three are off.
 */
function penaltiesOf(
  sampling: RequestSampling & SamplingOptions,
  answerTokens: readonly Token[],
): LlamaContextSequenceRepeatPenalty | undefined {
  const presencePenalty = sampling.presencePenalty ?? 0;
  const frequencyPenalty = sampling.frequencyPenalty ?? 0;
  if (sampling.repeatPenalty <= 1 && presencePenalty === 0 && frequencyPenalty === 0) return undefined;
  return {
    penalty: sampling.repeatPenalty,
    presencePenalty,
    frequencyPenalty,
    maxPunishTokens: REPEAT_PENALTY_WINDOW,
    punishTokens: () => answerTokens.slice(-REPEAT_PENALTY_WINDOW),
  };
}

/** The context of one slot: the engine's size, sequences and threads, with `adapterPath` applied. */
function createSlotContext(
  model: LlamaModel,
  options: SaigaEngineOptions,
  threads: number | undefined,
  adapterPath: string | null,
): Promise<LlamaContext> {
  return model.createContext({
    contextSize: options.contextSize ?? 2048,
    sequences: options.sequences ?? 1,
    batchSize: options.batchSize ?? 512,
    threads,
    flashAttention: flashAttentionOf(model, options.flashAttention ?? "auto"),
    lora: adapterPath ? { adapters: [{ filePath: adapterPath }] } : undefined,
    createSignal: options.signal,
  });
}

/**
 * `auto` is off when the model runs on the CPU: llama.cpp's CPU flash attention recomputes exp()
 * over the whole KV of each sequence, and evaluated prompts 16 at a time 1.2–1.5× slower per
 * batch, growing with the history (docs/BENCHMARKS.md, "Where the time went"); on a GPU it is
 * node-llama-cpp's `auto`.
 */
function flashAttentionOf(model: LlamaModel, setting: FlashAttentionSetting): boolean | "auto" {
  if (setting === "on") return true;
  if (setting === "off") return false;
  return model.llama.gpu === false || model.gpuLayers === 0 ? false : "auto";
}

function requireSpecialTokens(model: LlamaModel, format: string, texts: readonly string[]): void {
  for (const text of texts) {
    const tokens = model.tokenize(text, true);
    if (tokens.length !== 1 || !model.isSpecialToken(tokens[0]))
      throw new ChatFormatMismatchError(format, text);
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
