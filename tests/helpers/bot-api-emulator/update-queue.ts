// The bot's pending updates and getUpdates' long polling: offsets confirm, one poll at a time.
import type { Update } from "grammy/types";
import { BotApiError } from "./bot-api-error.js";

/** An update before the queue numbers it. */
export type NewUpdate = Omit<Update, "update_id">;

/** Telegram leaves these out unless `allowed_updates` names them. */
const OPT_IN_TYPES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

/** What Telegram answers the older of two concurrent getUpdates calls. */
export const GET_UPDATES_CONFLICT =
  "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";

interface Poll {
  limit: number;
  finish(updates: Update[]): void;
  fail(error: BotApiError): void;
}

/** Updates waiting for the bot, numbered in order, dropped once a getUpdates offset (or the webhook) confirms them. */
export class UpdateQueue {
  private pending: Update[] = [];
  private nextUpdateId: number;
  private allowed: readonly string[] = [];
  private poll: Poll | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(firstUpdateId: number) {
    this.nextUpdateId = firstUpdateId;
  }

  /** Updates not confirmed yet. */
  get size(): number {
    return this.pending.length;
  }

  /** The `allowed_updates` in force; empty means Telegram's default. */
  get allowedUpdates(): readonly string[] {
    return this.allowed;
  }

  /** Sets `allowed_updates` (an empty list restores the default: all but the opt-in types). */
  setAllowedUpdates(types: readonly string[]): void {
    this.allowed = [...types];
  }

  /** Whether updates of this type are stored at all, under the current `allowed_updates`. */
  accepts(type: string): boolean {
    return this.allowed.length === 0 ? !OPT_IN_TYPES.has(type) : this.allowed.includes(type);
  }

  /** Numbers and stores an update; returns undefined when `allowed_updates` excludes its type (as Telegram does). */
  push(update: NewUpdate): Update | undefined {
    const type = Object.keys(update)[0] ?? "";
    if (!this.accepts(type)) return undefined;
    const numbered = { update_id: this.nextUpdateId++, ...update } as Update;
    this.pending.push(numbered);
    if (this.poll !== undefined) this.poll.finish(this.pending.slice(0, this.poll.limit));
    for (const listener of this.listeners) listener();
    return numbered;
  }

  /** The oldest pending update. */
  first(): Update | undefined {
    return this.pending[0];
  }

  /** Drops updates below `offset`; a negative offset keeps only the last `-offset` updates. */
  confirm(offset: number): void {
    if (offset < 0) this.pending = this.pending.slice(offset);
    else this.pending = this.pending.filter((u) => u.update_id >= offset);
  }

  /** Forgets every pending update (`drop_pending_updates`). */
  dropAll(): void {
    this.pending = [];
  }

  /** Calls `listener` after each new update; returns the unsubscribe function. */
  onPush(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * getUpdates: confirms by `offset`, answers at once when updates are pending or `timeoutMs` is 0, else holds
   * until one arrives, the timeout passes or `signal` aborts. A poll already waiting fails with 409, as on Telegram.
   */
  async take(
    offset: number | undefined,
    limit: number,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<Update[]> {
    this.poll?.fail(new BotApiError(409, GET_UPDATES_CONFLICT));
    if (offset !== undefined) this.confirm(offset);
    if (this.pending.length > 0 || timeoutMs <= 0 || signal.aborted) return this.pending.slice(0, limit);
    return new Promise<Update[]>((resolve, reject) => {
      const end = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        if (this.poll === poll) this.poll = undefined;
      };
      const poll: Poll = {
        limit,
        finish: (updates) => {
          end();
          resolve(updates);
        },
        fail: (error) => {
          end();
          reject(error);
        },
      };
      const onAbort = (): void => poll.finish([]);
      const timer = setTimeout(() => poll.finish([]), timeoutMs);
      signal.addEventListener("abort", onAbort);
      this.poll = poll;
    });
  }

  /** Answers a waiting poll with no updates (the emulator is closing). */
  endPoll(): void {
    this.poll?.finish([]);
  }
}
