// A stand-in engine that answers instantly with a fixed 50-token text: what remains of a
// request's latency is the pipeline itself (queue, lease, store, token stream).
import type { GenerationEvent, GenerationStats } from "../src/engine/index.js";
import type { GenerationBackend } from "../src/service/generation-backend.js";

const TOKENS = 50;

export class NullEngine implements GenerationBackend {
  readonly info = { modelPath: "null-engine", adapterPath: null };

  async *generate(): AsyncGenerator<GenerationEvent, void, void> {
    const started = performance.now();
    let text = "";
    for (let i = 0; i < TOKENS; i++) {
      const delta = `t${i} `;
      text += delta;
      yield { type: "delta", text: delta };
    }
    const stats: GenerationStats = {
      promptTokens: 0,
      reusedPromptTokens: 0,
      completionTokens: TOKENS,
      timeToFirstTokenMs: 0,
      tokensPerSecond: 0,
      totalMs: performance.now() - started,
      stopReason: "maxTokens",
      droppedMessages: 0,
    };
    yield { type: "end", text, stats };
  }
}
