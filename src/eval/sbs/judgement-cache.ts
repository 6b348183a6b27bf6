// Judgements kept on disk (JSON Lines, appended as they come), keyed by a hash of the judge model
// and the exact prompt: a rerun, or a run resumed after a kill, asks the judge nothing it has
// already answered. Without a file the cache lives in memory for one run.
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { appendJsonLine, readFinishedLines, repairCutOffLine } from "../../files/json-lines.js";
import type { EndpointMessage } from "../openai-endpoint.js";
import type { Verdict } from "./parse-verdict.js";

const cachedJudgementSchema = z.object({
  key: z.string(),
  explanation: z.string(),
  scoreA: z.number(),
  scoreB: z.number(),
  /** The judge's reply as it came. */
  reply: z.string(),
});
type CachedJudgement = z.infer<typeof cachedJudgementSchema>;

/** The cache key of asking `model` the `messages`. */
export function judgementKey(model: string, messages: readonly EndpointMessage[]): string {
  return createHash("sha256")
    .update(JSON.stringify([model, messages]))
    .digest("hex");
}

export class JudgementCache {
  private constructor(
    private readonly file: string | null,
    private readonly entries: Map<string, CachedJudgement>,
  ) {}

  /** Opens the cache in `file` (created on the first judgement), or an in-memory one for null. */
  static async open(file: string | null): Promise<JudgementCache> {
    const entries = new Map<string, CachedJudgement>();
    if (file) {
      await mkdir(path.dirname(file), { recursive: true });
      await repairCutOffLine(file);
      for (const entry of await readFinishedLines(file, cachedJudgementSchema)) entries.set(entry.key, entry);
    }
    return new JudgementCache(file, entries);
  }

  /** Judgements held. */
  get size(): number {
    return this.entries.size;
  }

  get(key: string): Verdict | undefined {
    const entry = this.entries.get(key);
    return entry && { explanation: entry.explanation, scoreA: entry.scoreA, scoreB: entry.scoreB };
  }

  /** Keeps a parsed verdict (unparsed replies are not kept: a rerun asks again). */
  async put(key: string, verdict: Verdict, reply: string): Promise<void> {
    const entry = { key, ...verdict, reply };
    this.entries.set(key, entry);
    if (this.file) await appendJsonLine(this.file, entry);
  }
}
