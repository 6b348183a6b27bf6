// Whether each user's conversations may feed training (`/privacy off|on`). One hash for every
// user, so that building a dataset reads all opt-outs with one HGETALL; users who never chose
// are in (the default of an open bot), and the choice outlives `/forget`.
import type { RedisConnection } from "./redis-connection.js";
import { z } from "zod";
import { parseJson } from "./parse-json.js";
import type { RedisKeys } from "./redis-keys.js";

/** Schema of one stored choice. */
export const privacyChoiceSchema = z.object({
  /** False: the user opted out; their votes and records never enter a dataset. */
  training: z.boolean(),
  /** When the choice was made (ms since the epoch). */
  time: z.number().int().min(0),
});

export type PrivacyChoice = z.infer<typeof privacyChoiceSchema>;

/** Options of {@link PrivacyChoices}. */
export interface PrivacyChoicesOptions {
  redis: RedisConnection;
  keys: RedisKeys;
}

/** Reads and writes users' privacy choices. */
export class PrivacyChoices {
  constructor(private readonly options: PrivacyChoicesOptions) {}

  /** The user's choice, or null when they never chose (then their data feeds training). */
  async of(userId: string): Promise<PrivacyChoice | null> {
    const raw = await this.options.redis.hget(this.options.keys.privacy(), userId);
    if (raw === null) return null;
    const parsed = privacyChoiceSchema.safeParse(parseJson(raw));
    // A corrupt entry counts as an opt-out: when in doubt, keep the user's data out of training.
    return parsed.success ? parsed.data : { training: false, time: 0 };
  }

  /** True unless the user opted out. */
  async trainingAllowed(userId: string): Promise<boolean> {
    return (await this.of(userId))?.training ?? true;
  }

  /** Records the user's choice. */
  async set(userId: string, training: boolean, time = Date.now()): Promise<void> {
    const choice: PrivacyChoice = { training, time };
    await this.options.redis.hset(this.options.keys.privacy(), userId, JSON.stringify(choice));
  }

  /** Ids of every user who opted out. */
  async optedOut(): Promise<Set<string>> {
    const all = await this.options.redis.hgetall(this.options.keys.privacy());
    const out = new Set<string>();
    for (const [userId, raw] of Object.entries(all)) {
      const parsed = privacyChoiceSchema.safeParse(parseJson(raw));
      if (!parsed.success || !parsed.data.training) out.add(userId);
    }
    return out;
  }
}
