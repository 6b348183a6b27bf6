// A chat's state in Redis: its history (a capped list of JSON turns), the answer bookkeeping that
// turns a burst of messages into one generation, and its settings. Every change to several keys
// is one Lua script (scripts/), so gateways and engines on many machines can share a chat.
import type { RedisConnection } from "./redis-connection.js";
import type { Config } from "../config/index.js";
import type { Logger } from "../log/index.js";
import {
  chatSettingsPatchSchema,
  chatSettingsSchema,
  type ChatSettings,
  type ChatSettingsPatch,
} from "./chat-settings.js";
import { historyTurnSchema, type HistoryTurn, type StoredTurn } from "./history-turn.js";
import { parseJson } from "./parse-json.js";
import type { RedisKeys } from "./redis-keys.js";
import { appendAssistantTurn } from "./scripts/append-assistant-turn.js";
import { appendUserTurn } from "./scripts/append-user-turn.js";
import { beginAnswer } from "./scripts/begin-answer.js";
import { beginAnswerWithContext } from "./scripts/begin-answer-with-context.js";
import { clearChat } from "./scripts/clear-chat.js";
import { dropLastAnswer } from "./scripts/drop-last-answer.js";
import { replaceSettings } from "./scripts/replace-settings.js";
import { runScript, type RedisScript } from "./scripts/run-script.js";
import {
  InvalidSettingsError,
  InvalidTurnError,
  StoreError,
  describeIssues,
  valueAt,
} from "./store-errors.js";

export type { HistoryTurn, StoredTurn } from "./history-turn.js";
export type { ChatSettings, ChatSettingsPatch } from "./chat-settings.js";

/** Options of {@link ChatStore}. */
export interface ChatStoreOptions {
  /** The Redis connection (ioredis 5). The store defines its scripts on it; it never closes it. */
  redis: RedisConnection;
  /** Key builder of the configured prefix. */
  keys: RedisKeys;
  /** Turns kept per chat (`history.maxMessages`); older ones are dropped. */
  maxMessages: number;
  /** A chat untouched this long is forgotten (`history.idleTtlSeconds`). */
  idleTtlSeconds: number;
  /** Where corrupt records are reported. Default: none (they are skipped silently). */
  log?: Logger;
}

/** A user turn to append: `role` is implied (may be given as `user`), `time` defaults to now. */
export type NewUserTurn = Omit<HistoryTurn, "role" | "time"> & { role?: "user"; time?: number };

/** An assistant turn to store: `requestId` is required (it makes retries harmless), `time` defaults to now. */
export type NewAssistantTurn = Omit<HistoryTurn, "role" | "time" | "requestId"> & {
  role?: "assistant";
  requestId: string;
  time?: number;
};

/** Options of {@link ChatStore.appendAssistantTurn}. */
export interface AppendAssistantTurnOptions {
  /**
   * The answer number this turn answers (from {@link ChatStore.beginAnswer}). With it the turn is
   * placed right after the user turns it answers, the answer is marked done (`beginAnswer` then
   * reports `answered: true`), and it is not stored if the chat was cleared meanwhile.
   * Default: none (appended at the end).
   */
  answer?: number;
}

/** What {@link ChatStore.beginAnswer} returns for an answer that may be generated. */
export interface BegunAnswer {
  /** Absolute index bound: the answer covers the turns with `index < boundary`. */
  boundary: number;
  /** An assistant turn for this answer is already stored (a retry after success): do not generate again. */
  answered: boolean;
}

/** What {@link ChatStore.beginAnswerWithContext} returns: the begun answer and what its prompt is built from. */
export interface BegunAnswerContext extends BegunAnswer {
  /** The turns the answer covers (`index < boundary`), as {@link ChatStore.history} reads them. */
  turns: StoredTurn[];
  /** The chat's settings, as {@link ChatStore.getSettings} reads them. */
  settings: ChatSettings;
}

/** Read-merge-write attempts of {@link ChatStore.updateSettings} before giving up under contention. */
const SETTINGS_ATTEMPTS = 20;

/**
 * History, answer bookkeeping and settings of chats, in Redis.
 *
 * Turn indices are absolute: the n-th turn ever appended to a chat has index n-1, even after older
 * turns were trimmed. User turns are numbered into answers: {@link appendUserTurn} returns the
 * answer number the turn will be part of, {@link beginAnswer} closes that answer at a boundary,
 * and every message that arrives after it belongs to the next answer.
 */
export class ChatStore {
  private readonly redis: RedisConnection;
  private readonly keys: RedisKeys;
  private readonly maxMessages: number;
  private readonly ttlMs: number;
  private readonly log: Logger | undefined;

  constructor(options: ChatStoreOptions) {
    if (!Number.isSafeInteger(options.maxMessages) || options.maxMessages < 1) {
      throw new RangeError(`maxMessages must be a whole number ≥ 1, got ${options.maxMessages}`);
    }
    if (!Number.isSafeInteger(options.idleTtlSeconds) || options.idleTtlSeconds < 1) {
      throw new RangeError(`idleTtlSeconds must be a whole number ≥ 1, got ${options.idleTtlSeconds}`);
    }
    this.redis = options.redis;
    this.keys = options.keys;
    this.maxMessages = options.maxMessages;
    this.ttlMs = options.idleTtlSeconds * 1000;
    this.log = options.log;
  }

  /** The store with the configured history length and idle expiry (`history.*`). */
  static fromConfig(config: Config, redis: RedisConnection, keys: RedisKeys, log?: Logger): ChatStore {
    return new ChatStore({
      redis,
      keys,
      maxMessages: config.history.maxMessages,
      idleTtlSeconds: config.history.idleTtlSeconds,
      ...(log ? { log } : {}),
    });
  }

  /**
   * Appends a user turn. Atomically: pushes it, trims the history to `maxMessages`, counts it in
   * `appended` and refreshes the chat's idle TTL.
   *
   * With `options.receipt` (a Telegram message id, unique in the chat) the append is idempotent
   * for `receiptTtlSeconds`: appending the same message again changes nothing and returns the
   * first append's numbers with `duplicate: true`. That makes a replayed update harmless.
   *
   * @returns `answer`: the number of the answer this turn will be part of (enqueue the generation
   * job for it; several turns of a burst share one number), and `index`: the turn's absolute index.
   * @throws InvalidTurnError when the turn does not match the schema.
   */
  async appendUserTurn(
    chatId: string,
    turn: NewUserTurn,
    options: { receipt?: string; receiptTtlSeconds?: number } = {},
  ): Promise<{ answer: number; index: number; duplicate: boolean }> {
    const json = this.encodeTurn({ ...turn, role: "user", time: turn.time ?? Date.now() });
    const receiptTtl = options.receipt === undefined ? 0 : (options.receiptTtlSeconds ?? 86_400);
    const keys = [...this.chatKeys(chatId), this.keys.receipt(chatId, options.receipt ?? "none")];
    const result = await runScript(this.redis, appendUserTurn, keys, [
      json,
      this.maxMessages,
      this.ttlMs,
      receiptTtl,
    ]);
    const [answer, index, duplicate] = integers(result, 3, appendUserTurn);
    return { answer: answer as number, index: index as number, duplicate: duplicate === 1 };
  }

  /**
   * Begins answer number `answer`, idempotently.
   *
   * The first call while `answer` is the chat's next answer records its boundary (the turns
   * appended so far) and advances the chat to the next answer; a repeated call (a retried job)
   * returns the same boundary. Build the prompt from `history(chatId, { before: boundary })`.
   *
   * @returns null for a stale answer (a later one has begun: the job is superseded) or one that is
   * not due yet (an earlier answer has not begun).
   */
  async beginAnswer(chatId: string, answer: number): Promise<BegunAnswer | null> {
    checkAnswer(answer);
    const result = await this.run(beginAnswer, chatId, [answer, this.ttlMs]);
    if (result === null) return null;
    const [boundary, answered] = integers(result, 2, beginAnswer);
    return { boundary: boundary as number, answered: answered === 1 };
  }

  /**
   * {@link beginAnswer}, then `history(chatId, { before: boundary })` and `getSettings(chatId)`,
   * in one round trip (one script): what the engine worker does before a chat answer's first token.
   *
   * @returns null when `beginAnswer` would.
   */
  async beginAnswerWithContext(chatId: string, answer: number): Promise<BegunAnswerContext | null> {
    checkAnswer(answer);
    const result = await this.run(beginAnswerWithContext, chatId, [answer, this.ttlMs]);
    if (result === null) return null;
    const [boundary, answered, appended, settings, raws] = Array.isArray(result) ? result : [];
    if (
      ![boundary, answered, appended].every((n) => Number.isInteger(n)) ||
      !(settings === null || typeof settings === "string") ||
      !Array.isArray(raws)
    ) {
      throw new StoreError(
        "UNEXPECTED_REPLY",
        `${beginAnswerWithContext.name} returned ${JSON.stringify(result)}`,
      );
    }
    return {
      boundary: boundary as number,
      answered: answered === 1,
      turns: this.turnsOf(chatId, raws as string[], appended as number, boundary as number),
      settings: settings === null ? {} : this.decodeSettings(chatId, settings),
    };
  }

  /**
   * The chat's next answer number: the one a turn appended now would get. A regeneration (no new
   * user turn) enqueues its job for this number after {@link dropLastAnswer}.
   */
  async nextAnswer(chatId: string): Promise<number> {
    const value = await this.redis.hget(this.keys.turns(chatId), "next");
    return value === null ? 0 : Number(value);
  }

  /**
   * The chat's history, oldest first, with absolute indices.
   *
   * Corrupt records (bad JSON, a schema mismatch) are logged with `log.warn({ chatId, index })`
   * and skipped; reading never fails on them.
   *
   * @param options.before Only turns with `index < before` (an answer's boundary). Default: all.
   */
  async history(chatId: string, options: { before?: number } = {}): Promise<StoredTurn[]> {
    const result = await this.redis
      .multi()
      .lrange(this.keys.history(chatId), 0, -1)
      .hget(this.keys.turns(chatId), "appended")
      .exec();
    const raws = replyOf(result, 0) as string[];
    const appendedReply = replyOf(result, 1) as string | null;
    return this.turnsOf(chatId, raws, Number(appendedReply ?? 0) || 0, options.before);
  }

  /** Decodes the history list: `appended` (turns ever appended) gives the absolute indices. */
  private turnsOf(chatId: string, raws: string[], appended: number, before?: number): StoredTurn[] {
    const first = Math.max(appended, raws.length) - raws.length;
    const turns: StoredTurn[] = [];
    raws.forEach((raw, position) => {
      const index = first + position;
      if (before !== undefined && index >= before) return;
      const turn = this.decodeTurn(chatId, index, raw);
      if (turn) turns.push({ ...turn, index });
    });
    return turns;
  }

  /**
   * Stores a generated answer, at most once per `requestId`: a retried job that already stored
   * its answer stores nothing.
   *
   * @returns true when stored; false when an assistant turn with this `requestId` is already
   * there, or (with `options.answer`) the chat was cleared after the answer began.
   * @throws InvalidTurnError when the turn does not match the schema.
   */
  async appendAssistantTurn(
    chatId: string,
    turn: NewAssistantTurn,
    options: AppendAssistantTurnOptions = {},
  ): Promise<boolean> {
    if (options.answer !== undefined) checkAnswer(options.answer);
    const json = this.encodeTurn({ ...turn, role: "assistant", time: turn.time ?? Date.now() });
    const result = await this.run(appendAssistantTurn, chatId, [
      json,
      turn.requestId,
      this.maxMessages,
      this.ttlMs,
      options.answer === undefined ? "" : String(options.answer),
    ]);
    if (result === -1) this.log?.debug({ chatId, answer: options.answer }, "answer not stored: chat cleared");
    return result === 1;
  }

  /**
   * Takes the last answer back out of the history, for "regenerate": when the last turn is an
   * assistant turn, removes it (and any assistant turns right before it).
   *
   * @returns the removed turn (the newest one), or null when the last turn is the user's, is
   * corrupt, or the history is empty.
   */
  async dropLastAnswer(chatId: string): Promise<HistoryTurn | null> {
    const result = await this.run(dropLastAnswer, chatId, [this.ttlMs]);
    if (result === null) return null;
    const parsed = historyTurnSchema.safeParse(parseJson(String(result)));
    if (!parsed.success) {
      // The script only removes what decodes as an assistant turn; the schema may still disagree.
      this.log?.warn({ chatId }, "dropped a history turn that does not match the turn schema");
      return null;
    }
    return parsed.data;
  }

  /**
   * Forgets the chat's history and settings (`/reset`).
   *
   * The turns hash is kept on purpose: `next` keeps counting, so answer numbers (and job ids made
   * from them) are never reused while it lives, and `appended` too, so indices stay unique. An
   * answer begun before the clear is not stored when it finishes (its conversation is gone).
   *
   * @returns the number of turns deleted.
   */
  async clear(chatId: string): Promise<number> {
    return Number(await this.run(clearChat, chatId, [this.ttlMs]));
  }

  /** The chat's settings; `{}` when none are set. A corrupt record is logged and reads as `{}`. */
  async getSettings(chatId: string): Promise<ChatSettings> {
    const raw = await this.redis.get(this.keys.settings(chatId));
    return raw === null ? {} : this.decodeSettings(chatId, raw);
  }

  /**
   * Changes some settings: fields in `patch` replace the stored ones, `null` or `undefined`
   * removes one, other fields are kept. Refreshes the chat's idle TTL. A corrupt stored record is
   * replaced.
   *
   * @returns the settings after the change.
   * @throws InvalidSettingsError naming the first bad or unknown setting; nothing is written.
   */
  async updateSettings(chatId: string, patch: ChatSettingsPatch): Promise<ChatSettings> {
    const parsed = chatSettingsPatchSchema.safeParse(patch);
    if (!parsed.success) {
      const problems = describeIssues(parsed.error.issues, patch);
      const issue = parsed.error.issues[0];
      const setting =
        issue?.code === "unrecognized_keys" ? (issue.keys[0] ?? "") : (issue?.path.join(".") ?? "");
      const value =
        issue?.code === "unrecognized_keys" ? valueAt(patch, [setting]) : valueAt(patch, issue?.path ?? []);
      throw new InvalidSettingsError(setting, value, issue?.message ?? "", problems, { cause: parsed.error });
    }
    // Own keys only: `{ temperature: undefined }` must remove the field, not be ignored.
    const changes = Object.keys(patch) as (keyof ChatSettings)[];
    for (let attempt = 0; attempt < SETTINGS_ATTEMPTS; attempt++) {
      const raw = await this.redis.get(this.keys.settings(chatId));
      const merged: Record<string, unknown> = raw === null ? {} : { ...this.decodeSettings(chatId, raw) };
      for (const key of changes) {
        const value = parsed.data[key];
        if (value === null || value === undefined) delete merged[key];
        else merged[key] = value;
      }
      const settings = chatSettingsSchema.parse(merged);
      const next = Object.keys(settings).length === 0 ? "" : JSON.stringify(settings);
      const replaced = await this.run(replaceSettings, chatId, [
        raw === null ? "0" : "1",
        raw ?? "",
        next,
        this.ttlMs,
      ]);
      if (replaced === 1) return settings;
    }
    throw new StoreError(
      "SETTINGS_CONTENDED",
      `chat ${chatId}: settings changed ${SETTINGS_ATTEMPTS} times while being updated; try again`,
    );
  }

  private run(script: RedisScript, chatId: string, args: readonly (string | number)[]): Promise<unknown> {
    return runScript(this.redis, script, this.chatKeys(chatId), args);
  }

  /** The three keys every chat script takes. */
  private chatKeys(chatId: string): string[] {
    return [this.keys.history(chatId), this.keys.turns(chatId), this.keys.settings(chatId)];
  }

  private encodeTurn(turn: unknown): string {
    const parsed = historyTurnSchema.safeParse(turn);
    if (!parsed.success) {
      throw new InvalidTurnError(describeIssues(parsed.error.issues, turn), { cause: parsed.error });
    }
    return JSON.stringify(parsed.data);
  }

  private decodeTurn(chatId: string, index: number, raw: string): HistoryTurn | null {
    const parsed = historyTurnSchema.safeParse(parseJson(raw));
    if (parsed.success) return parsed.data;
    this.log?.warn({ chatId, index }, "skipping a corrupt history turn");
    return null;
  }

  private decodeSettings(chatId: string, raw: string): ChatSettings {
    const parsed = chatSettingsSchema.safeParse(parseJson(raw));
    if (parsed.success) return parsed.data;
    this.log?.warn({ chatId }, "ignoring corrupt chat settings");
    return {};
  }
}

function checkAnswer(answer: number): void {
  if (!Number.isSafeInteger(answer) || answer < 0) {
    throw new RangeError(`answer must be a whole number ≥ 0, got ${answer}`);
  }
}

/** The `count` integers a script returned, or a StoreError when it returned something else. */
function integers(result: unknown, count: number, script: RedisScript): number[] {
  if (Array.isArray(result) && result.length === count && result.every((n) => Number.isInteger(n))) {
    return result as number[];
  }
  throw new StoreError("UNEXPECTED_REPLY", `${script.name} returned ${JSON.stringify(result)}`);
}

/** The reply of command `i` of a MULTI, rethrowing its error. */
function replyOf(result: [error: Error | null, reply: unknown][] | null, i: number): unknown {
  const entry = result?.[i];
  if (!entry) throw new StoreError("UNEXPECTED_REPLY", "the transaction was aborted");
  if (entry[0]) throw entry[0];
  return entry[1];
}
