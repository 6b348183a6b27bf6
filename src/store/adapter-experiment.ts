// The online A/B of adapters (/ab): at most one experiment at a time, in which a share of chats,
// chosen stably by a hash of the chat id (and the experiment's id), is answered by a candidate
// version and the rest by the active adapter. Which version wrote each answer is in its
// generation record and in the feedback about it; the statistics are read from there.
import { createHash, randomBytes } from "node:crypto";
import type { RedisConnection } from "./redis-connection.js";
import { z } from "zod";
import type { Logger } from "../log/index.js";
import { adapterManifestSchema } from "./adapter-manifest.js";
import type { FeedbackRecord } from "./feedback-store.js";
import { parseJson } from "./parse-json.js";
import type { RedisKeys } from "./redis-keys.js";

/** Schema of the running experiment (stored as JSON). */
export const adapterExperimentSchema = z.object({
  /** Random per experiment: a new experiment reshuffles which chats get the candidate. */
  id: z.string().min(1),
  /** The candidate version. */
  version: adapterManifestSchema.shape.version,
  /** Share of chats the candidate answers, in (0, 1]. */
  share: z.number().gt(0).max(1),
  /** The active version when it started (null: the bare model), shown by /ab. */
  activeAtStart: z.string().nullable(),
  startedAt: z.number().int().min(0),
  /** Who started it (a Telegram user id). */
  startedBy: z.string(),
});
export type AdapterExperiment = z.infer<typeof adapterExperimentSchema>;

/** Which side of the experiment a chat is on. */
export type ExperimentArm = "candidate" | "active";

/** The chat's side: the first 32 bits of sha256(`<experiment id>:<chat id>`) below the share. */
export function experimentArmOf(
  experiment: Pick<AdapterExperiment, "id" | "share">,
  chatId: string,
): ExperimentArm {
  const hash = createHash("sha256").update(`${experiment.id}:${chatId}`).digest();
  return hash.readUInt32BE(0) / 2 ** 32 < experiment.share ? "candidate" : "active";
}

/** Feedback on one version since the experiment started. */
export interface VersionTally {
  /** The version; null for the bare model. */
  version: string | null;
  up: number;
  down: number;
  regenerated: number;
}

/**
 * Feedback records per version that wrote the answer, in order of first appearance. `votes` of a
 * tally are up + down; its 🔄 rate is regenerated / (up + down + regenerated).
 */
export function tallyByVersion(records: readonly FeedbackRecord[], since: number): VersionTally[] {
  const tallies = new Map<string | null, VersionTally>();
  for (const record of records) {
    if (record.time < since) continue;
    let tally = tallies.get(record.adapter);
    if (!tally) {
      tally = { version: record.adapter, up: 0, down: 0, regenerated: 0 };
      tallies.set(record.adapter, tally);
    }
    tally[record.kind]++;
  }
  return [...tallies.values()];
}

/** Options of {@link AdapterExperimentStore}. */
export interface AdapterExperimentStoreOptions {
  redis: RedisConnection;
  keys: RedisKeys;
  log?: Logger;
}

/** The running experiment in Redis. */
export class AdapterExperimentStore {
  constructor(private readonly options: AdapterExperimentStoreOptions) {}

  /** Starts an experiment, replacing a running one. */
  async start(
    experiment: Omit<AdapterExperiment, "id" | "startedAt">,
    now = Date.now(),
  ): Promise<AdapterExperiment> {
    const started = adapterExperimentSchema.parse({
      ...experiment,
      id: randomBytes(4).toString("hex"),
      startedAt: now,
    });
    await this.options.redis.set(this.key(), JSON.stringify(started));
    return started;
  }

  /** The running experiment, or null. A corrupt record is logged and reads as none. */
  async current(): Promise<AdapterExperiment | null> {
    const raw = await this.options.redis.get(this.key());
    return raw === null ? null : this.decode(raw);
  }

  /**
   * Ends the running experiment (only the one with `id` when given), atomically, so that of two
   * processes ending the same experiment only one gets it back.
   * @returns the experiment that ended, or null when none (or another) was running
   */
  async stop(id?: string): Promise<AdapterExperiment | null> {
    const { redis } = this.options;
    if (id === undefined) {
      const raw = await redis.getdel(this.key());
      return raw === null ? null : this.decode(raw);
    }
    const raw = await redis.get(this.key());
    const current = raw === null ? null : this.decode(raw);
    if (!current || current.id !== id) return null;
    // Deleting only the very value read: a newer experiment started meanwhile stays.
    const deleted = await redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
      1,
      this.key(),
      raw as string,
    );
    return deleted === 1 ? current : null;
  }

  private key(): string {
    return this.options.keys.adapters("experiment");
  }

  private decode(raw: string): AdapterExperiment | null {
    const parsed = adapterExperimentSchema.safeParse(parseJson(raw));
    if (parsed.success) return parsed.data;
    this.options.log?.warn("ignoring a corrupt adapter experiment record");
    return null;
  }
}
