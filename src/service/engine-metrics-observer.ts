// Turns what the engine worker reports about each generation into the process's metrics: queue
// wait, running generations, outcomes, tokens, time to first token, duration and prompt-cache reuse.
import type { SaigaMetrics } from "../metrics/saiga-metrics.js";
import type { EngineWorkerObserver } from "./engine-worker.js";

/** An observer for `runEngineWorker(runtime, { observer })` that records into `metrics`. */
export function engineMetricsObserver(metrics: SaigaMetrics): Required<EngineWorkerObserver> {
  // Request ids running now: an end without a start (skipped, failed early) changes nothing.
  const running = new Set<string>();
  const ended = (requestId: string) => {
    running.delete(requestId);
    metrics.generationsRunning.set(running.size);
  };
  return {
    started({ kind, requestId, waitedMs }) {
      running.add(requestId);
      metrics.generationsRunning.set(running.size);
      metrics.queueWaitSeconds.observe({ kind }, waitedMs / 1000);
    },
    finished({ kind, requestId, outcome, stats }) {
      ended(requestId);
      metrics.generations.inc({ outcome, kind });
      if (!stats) return;
      metrics.generatedTokens.inc({ kind }, stats.completionTokens);
      metrics.promptTokens.inc({ kind }, stats.promptTokens);
      metrics.reusedPromptTokens.inc({ kind }, stats.reusedPromptTokens);
      metrics.timeToFirstTokenSeconds.observe(stats.timeToFirstTokenMs / 1000);
      metrics.generationDurationSeconds.observe(stats.totalMs / 1000);
      // One token has no speed (the engine reports 0).
      if (stats.completionTokens > 1) metrics.tokensPerSecond.observe(stats.tokensPerSecond);
    },
    failed(error, { kind, requestId }) {
      ended(requestId);
      metrics.generations.inc({ outcome: "failed", kind });
      metrics.countError("engine", error);
    },
  };
}
