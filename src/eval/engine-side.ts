// The local engine as a side: the bare model or one LoRA adapter file, named per request, so an
// engine that serves something else meanwhile still answers with the side's weights.
import path from "node:path";
import type { ChatMessage, SaigaEngine } from "../engine/index.js";
import type { AnswerSampling, AnswerSide, AnswerSideInfo } from "./answer-side.js";

/** Options of {@link EngineSide}. */
export interface EngineSideOptions {
  /** The adapter file (null: the bare model). Default: null. */
  adapterPath?: string | null;
  /** What the records call the adapter (a registry version). Default: the file's name without `.gguf`. */
  adapterName?: string;
}

/** Answers with a loaded {@link SaigaEngine}, as many at once as it has sequences. */
export class EngineSide implements AnswerSide {
  readonly info: AnswerSideInfo;
  readonly concurrency: number;
  private readonly adapterPath: string | null;

  constructor(
    private readonly engine: SaigaEngine,
    options: EngineSideOptions = {},
  ) {
    this.adapterPath = options.adapterPath ?? null;
    const adapter = this.adapterPath
      ? (options.adapterName ?? path.basename(this.adapterPath, ".gguf"))
      : null;
    this.info = {
      model: path.basename(engine.info.modelPath),
      adapter,
    };
    this.concurrency = engine.info.sequences;
  }

  async answer(messages: readonly ChatMessage[], sampling: AnswerSampling, signal?: AbortSignal) {
    const { text } = await this.engine.complete(
      {
        messages,
        adapterPath: this.adapterPath,
        sampling: {
          temperature: sampling.temperature,
          ...(sampling.maxTokens !== undefined ? { maxTokens: sampling.maxTokens } : {}),
          ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
        },
      },
      signal,
    );
    return text;
  }
}
