// KV state beyond the sequence pool. A bot has many more chats than sequences: when a sequence
// that holds one chat is taken for another prompt, its KV state is saved to a file first (with
// its tokens), and when that chat comes back its state is loaded into whichever sequence serves
// it, so only the turn's new tokens are evaluated. Files stay within a byte budget, the least
// recently used going first. An entry belongs to the context (adapter, loaded model) it was saved
// from and is only ever loaded into a sequence of that context: a state file of another model
// may crash llama.cpp.
import { mkdir, mkdtemp, readdir, rm, stat, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { LlamaContext, LlamaContextSequence, Token } from "node-llama-cpp";
import type { Logger } from "../log/index.js";

/** Fewest tokens worth a file: below this, evaluating them again costs about as much as loading. */
const DEFAULT_MIN_TOKENS = 32;

/** Options of {@link SequenceStateCache}. */
export interface SequenceStateCacheOptions {
  /** Bytes of state files kept at once (least recently used dropped first); 0 turns the cache off. */
  maxBytes: number;
  /**
   * Folder under which this process makes its own folder for the files, removed on close; a
   * tmpfs such as /dev/shm keeps them in RAM. Default (null): the system's temp folder.
   */
  dir?: string | null;
  /** Fewest tokens a save or a restore must keep. Default: 32. */
  minTokens?: number;
  log?: Logger;
}

/** What {@link SequenceStateCache.stats} reports (for /health and metrics). */
export interface SequenceStateCacheStats {
  /** State files held now. */
  entries: number;
  /** Their size in bytes. */
  bytes: number;
  maxBytes: number;
  /** Prompts served from a restored state. */
  hits: number;
  /** Prompts on a sequence taken from another chat (or empty) for which no saved state helped. */
  misses: number;
  /** States saved, and the time spent saving them (ms, total). */
  saves: number;
  saveMs: number;
  /** States loaded, and the time spent loading them (ms, total). */
  loads: number;
  loadMs: number;
  /** Entries dropped to stay within maxBytes. */
  evictions: number;
  /** Saves or restores that failed (the prompt was evaluated instead). */
  failures: number;
}

interface Entry {
  readonly context: LlamaContext;
  readonly tokens: readonly Token[];
  readonly file: string;
  readonly bytes: number;
  lastUsed: number;
  /** Restores reading the file now; eviction waits for them. */
  pins: number;
}

/** Saved sequence states of one engine, across its contexts. */
export class SequenceStateCache {
  private readonly entries = new Set<Entry>();
  private readonly watched = new WeakSet<LlamaContext>();
  private readonly minTokens: number;
  private folder?: Promise<string>;
  private fileCounter = 0;
  private useCounter = 0;
  private bytes = 0;
  private closed = false;
  private readonly counts = {
    hits: 0,
    misses: 0,
    saves: 0,
    saveMs: 0,
    loads: 0,
    loadMs: 0,
    evictions: 0,
    failures: 0,
  };

  constructor(private readonly options: SequenceStateCacheOptions) {
    this.minTokens = options.minTokens ?? DEFAULT_MIN_TOKENS;
  }

  /** Whether states are saved at all (maxBytes > 0). */
  get enabled(): boolean {
    return this.options.maxBytes > 0 && !this.closed;
  }

  /**
   * Readies `sequence` for `prompt` before the engine erases what does not match: when a saved
   * state holds a longer prefix of the prompt than the sequence (by at least minTokens), the
   * sequence's own state is saved if worth keeping and the saved one is loaded and verified;
   * otherwise the tokens the engine will erase are saved if worth keeping. Never throws: a
   * failed save or load is logged and the prompt is evaluated as without a cache.
   * @returns how many prompt tokens the sequence now holds from a restored state (0: none)
   */
  async prepare(sequence: LlamaContextSequence, prompt: readonly Token[]): Promise<number> {
    if (!this.enabled) return 0;
    this.watch(sequence.context);
    // The engine evaluates at least the prompt's last token again (for its logits).
    const limit = prompt.length - 1;
    const held = sequence.nextTokenIndex;
    const keep = Math.min(sequence.compareContextTokens(prompt as Token[]).firstDifferentIndex, limit);
    const best = this.bestEntry(sequence.context, prompt, limit);
    if (best && best.match >= keep + this.minTokens) {
      await this.saveIfWorth(sequence, 0);
      if (await this.restore(sequence, best.entry, best.match, prompt)) {
        this.counts.hits++;
        return best.match;
      }
      this.counts.misses++;
      return 0;
    }
    if (held === 0 || held - keep >= this.minTokens) this.counts.misses++;
    await this.saveIfWorth(sequence, keep);
    return 0;
  }

  /** Sizes and counters. */
  stats(): SequenceStateCacheStats {
    return {
      entries: this.entries.size,
      bytes: this.bytes,
      maxBytes: this.options.maxBytes,
      ...this.counts,
      saveMs: Math.round(this.counts.saveMs),
      loadMs: Math.round(this.counts.loadMs),
    };
  }

  /** Deletes every file and this process's folder. Call after the generations ended. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.entries.clear();
    this.bytes = 0;
    const folder = await this.folder?.catch(() => undefined);
    if (folder) await rm(folder, { recursive: true, force: true });
  }

  /** Saves the tokens from `keep` on that the engine is about to erase, when they are worth it. */
  private async saveIfWorth(sequence: LlamaContextSequence, keep: number): Promise<void> {
    const held = sequence.nextTokenIndex;
    if (held < this.minTokens || held - keep < this.minTokens) return;
    const tokens = sequence.contextTokens;
    if (this.covers(sequence.context, tokens)) return;
    let file: string | undefined;
    try {
      file = path.join(await this.ensureFolder(), `${++this.fileCounter}.kv`);
      const started = performance.now();
      const { fileSize } = await sequence.saveStateToFile(file);
      this.counts.saveMs += performance.now() - started;
      this.counts.saves++;
      if (this.closed) {
        await unlink(file).catch(() => undefined);
        return;
      }
      // An older turn of the same chat (all but a few of its tokens are in this one) is superseded.
      for (const entry of this.entries) {
        if (entry.context === sequence.context && entry.pins === 0 && this.holds(tokens, entry.tokens)) {
          this.drop(entry);
        }
      }
      const entry: Entry = {
        context: sequence.context,
        tokens,
        file,
        bytes: fileSize,
        lastUsed: ++this.useCounter,
        pins: 0,
      };
      this.entries.add(entry);
      this.bytes += fileSize;
      this.evictOverBudget();
    } catch (error) {
      this.counts.failures++;
      this.options.log?.warn({ err: error, tokens: tokens.length }, "could not save a sequence state");
      if (file) await unlink(file).catch(() => undefined);
    }
  }

  /** Loads `entry` into `sequence` and checks that it now holds the prompt's first `match` tokens. */
  private async restore(
    sequence: LlamaContextSequence,
    entry: Entry,
    match: number,
    prompt: readonly Token[],
  ): Promise<boolean> {
    const heldBefore = sequence.nextTokenIndex;
    entry.pins++;
    try {
      // A missing or cut file is caught before the load, which would empty the sequence first.
      const { size } = await stat(entry.file);
      if (size !== entry.bytes) throw new Error(`the file has ${size} bytes, ${entry.bytes} were saved`);
      const started = performance.now();
      await sequence.loadStateFromFile(entry.file, { acceptRisk: true });
      this.counts.loadMs += performance.now() - started;
      this.counts.loads++;
      const restored = sequence.compareContextTokens(prompt as Token[]).firstDifferentIndex;
      if (restored < match) {
        throw new Error(`the restored state matches ${restored} prompt tokens, expected ${match}`);
      }
      entry.lastUsed = ++this.useCounter;
      return true;
    } catch (error) {
      this.counts.failures++;
      this.options.log?.warn(
        { err: error, file: entry.file, tokens: entry.tokens.length },
        "could not restore a saved sequence state; evaluating the prompt instead",
      );
      this.drop(entry);
      // A failed load leaves the sequence empty; clear it anyway so that its tokens and KV agree.
      if (!sequence.disposed && sequence.nextTokenIndex !== heldBefore) {
        await sequence.clearHistory().catch(() => undefined);
      }
      return false;
    } finally {
      entry.pins--;
      this.evictOverBudget();
    }
  }

  /** The saved state of `context` sharing the longest prefix with the prompt (up to `limit`). */
  private bestEntry(
    context: LlamaContext,
    prompt: readonly Token[],
    limit: number,
  ): { entry: Entry; match: number } | undefined {
    let best: { entry: Entry; match: number } | undefined;
    for (const entry of this.entries) {
      if (entry.context !== context) continue;
      const match = Math.min(commonPrefix(entry.tokens, prompt), limit);
      if (!best || match > best.match) best = { entry, match };
    }
    return best;
  }

  /** Whether a saved state of `context` already holds `tokens` (all but fewer than minTokens). */
  private covers(context: LlamaContext, tokens: readonly Token[]): boolean {
    for (const entry of this.entries) {
      if (entry.context === context && this.holds(entry.tokens, tokens)) return true;
    }
    return false;
  }

  /** Whether `holder` starts with all of `tokens` but fewer than minTokens (not worth a file). */
  private holds(holder: readonly Token[], tokens: readonly Token[]): boolean {
    return tokens.length - commonPrefix(holder, tokens) < this.minTokens;
  }

  /** Drops least recently used entries (not being read) until the files fit maxBytes. */
  private evictOverBudget(): void {
    if (this.bytes <= this.options.maxBytes) return;
    const byAge = [...this.entries]
      .filter((entry) => entry.pins === 0)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of byAge) {
      if (this.bytes <= this.options.maxBytes) break;
      this.drop(entry);
      this.counts.evictions++;
    }
  }

  private drop(entry: Entry): void {
    if (!this.entries.delete(entry)) return;
    this.bytes -= entry.bytes;
    unlink(entry.file).catch(() => undefined);
  }

  /** Entries of a freed context can never be loaded again (the next context may be another model). */
  private watch(context: LlamaContext): void {
    if (this.watched.has(context)) return;
    this.watched.add(context);
    context.onDispose.createOnceListener(() => {
      for (const entry of this.entries) if (entry.context === context) this.drop(entry);
    });
  }

  private ensureFolder(): Promise<string> {
    this.folder ??= (async () => {
      const base = this.options.dir ?? os.tmpdir();
      await mkdir(base, { recursive: true });
      await removeFoldersOfDeadProcesses(base);
      return mkdtemp(path.join(base, `${FOLDER_PREFIX}${process.pid}-`));
    })();
    return this.folder;
  }
}

/** Folders are named `saiga-kv-<pid>-<random>`, so that a later process can tell whose they are. */
const FOLDER_PREFIX = "saiga-kv-";

/** Removes the folders that killed processes left (a clean close removes its own). */
async function removeFoldersOfDeadProcesses(base: string): Promise<void> {
  for (const name of await readdir(base).catch(() => [])) {
    const pid = Number(/^saiga-kv-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    await rm(path.join(base, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function commonPrefix(a: readonly Token[], b: readonly Token[]): number {
  const length = Math.min(a.length, b.length);
  let index = 0;
  while (index < length && a[index] === b[index]) index++;
  return index;
}
