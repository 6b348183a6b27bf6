// The llama.cpp contexts of one engine, one per LoRA adapter, all on the same loaded weights.
// node-llama-cpp applies adapters per context, at creation, so an answer with another adapter
// needs a context of its own: the current one (setAdapter) always exists, others are created
// when a request names them and kept for the next, up to a limit. Each context holds its own KV
// cache (contextSize × sequences tokens), which is what the limit bounds (docs/BENCHMARKS.md).
import { existsSync } from "node:fs";
import type { LlamaContext } from "node-llama-cpp";
import type { Logger } from "../log/index.js";
import { EngineError, ModelLoadError } from "./engine-errors.js";
import { SequencePool } from "./sequence-pool.js";

/** One context with its sequences and the adapter it was created with (null: the bare model). */
export interface ContextSlot {
  readonly context: LlamaContext;
  readonly pool: SequencePool;
  readonly adapterPath: string | null;
  /** Generations on it (running or waiting for a sequence). */
  users: number;
  /** When a generation last took it (a counter), for least-recently-used eviction. */
  lastUsed: number;
  /** Replaced by setAdapter: freed once idle, unless a request asks for its adapter again first. */
  retired: boolean;
}

/** What {@link AdapterContexts.describe} reports per context. */
export interface AdapterContextInfo {
  adapterPath: string | null;
  /** The context new requests without an adapter of their own use. */
  current: boolean;
  /** Generations on it now. */
  users: number;
}

/** Options of {@link AdapterContexts}. */
export interface AdapterContextsOptions {
  /** Creates a context on the engine's weights with `adapterPath` applied. */
  create(adapterPath: string | null): Promise<LlamaContext>;
  /**
   * Contexts that may exist at once, the current one included (≥ 1). A swap may exceed it until
   * the replaced context's last answer ends.
   */
  limit: number;
  log?: Logger;
}

/** The engine's contexts by adapter. */
export class AdapterContexts {
  private current: ContextSlot;
  private readonly slots = new Map<string | null, ContextSlot>();
  private readonly creating = new Map<string | null, Promise<ContextSlot>>();
  private readonly waiters = new Set<() => void>();
  private useCounter = 0;
  private closed = false;

  constructor(
    initial: LlamaContext,
    adapterPath: string | null,
    private readonly options: AdapterContextsOptions,
  ) {
    this.current = newSlot(initial, adapterPath);
    this.slots.set(adapterPath, this.current);
  }

  /** The adapter of the current context. */
  get currentAdapter(): string | null {
    return this.current.adapterPath;
  }

  /**
   * Takes the context of `adapterPath` (undefined: the current one) for one generation, creating
   * it when needed. Over the limit, the least recently used idle context other than the current
   * one is freed first; when all are busy, this waits for one to become idle.
   * @throws {ModelLoadError} when the adapter file is missing or cannot be applied
   */
  async acquire(adapterPath: string | null | undefined, signal: AbortSignal): Promise<ContextSlot> {
    for (;;) {
      signal.throwIfAborted();
      this.ensureOpen();
      const path = adapterPath === undefined ? this.current.adapterPath : adapterPath;
      const slot = this.slots.get(path);
      if (slot) {
        slot.users++;
        slot.lastUsed = ++this.useCounter;
        slot.retired = false;
        return slot;
      }
      const pending = this.creating.get(path);
      if (pending) {
        await abortable(pending, signal);
        continue;
      }
      if (this.options.limit <= 1) {
        throw new EngineError(
          "ADAPTER_CONTEXT_LIMIT",
          `This engine serves only its current adapter (model.adapterContexts is 1). ` +
            `Raise model.adapterContexts to answer with ${path ?? "the bare model"} per request.`,
        );
      }
      if (this.live() < this.options.limit) {
        await abortable(this.create(path), signal);
        continue;
      }
      const idle = this.evictable()[0];
      if (idle) await this.dispose(idle);
      else await this.changed(signal);
    }
  }

  /** A generation left `slot`: an idle replaced context is freed, and waiting requests look again. */
  async release(slot: ContextSlot): Promise<void> {
    slot.users--;
    if (slot.users > 0) return;
    await this.trim();
    this.notify();
  }

  /**
   * Makes `adapterPath` the current adapter: new requests without their own use its context
   * (an existing one is reused), running ones finish where they are, and the replaced context
   * is freed after its last generation.
   * @throws {ModelLoadError} when the adapter file is missing or cannot be applied
   */
  async setCurrent(adapterPath: string | null): Promise<void> {
    this.ensureOpen();
    if (adapterPath === this.current.adapterPath) return;
    const slot =
      this.slots.get(adapterPath) ?? (await (this.creating.get(adapterPath) ?? this.create(adapterPath)));
    const previous = this.current;
    this.current = slot;
    slot.retired = false;
    previous.retired = true;
    this.options.log?.info({ adapter: adapterPath, running: previous.users }, "adapter swapped");
    await this.trim();
    this.notify();
  }

  /** The contexts that exist now. */
  describe(): AdapterContextInfo[] {
    return [...this.slots.values()].map((slot) => ({
      adapterPath: slot.adapterPath,
      current: slot === this.current,
      users: slot.users,
    }));
  }

  /** Frees every context; call after the generations ended. Waiting requests fail as closed. */
  async close(): Promise<void> {
    this.closed = true;
    this.notify();
    for (const slot of this.slots.values()) slot.pool.rejectWaiters(closedError());
    await Promise.allSettled(this.creating.values());
    for (const slot of [...this.slots.values()]) await this.dispose(slot);
  }

  private create(adapterPath: string | null): Promise<ContextSlot> {
    const creation = (async () => {
      if (adapterPath !== null && !existsSync(adapterPath)) {
        throw new ModelLoadError(
          `Adapter file not found: ${adapterPath}. Give the path of a GGUF LoRA adapter.`,
        );
      }
      let context: LlamaContext;
      try {
        context = await this.options.create(adapterPath);
      } catch (error) {
        throw new ModelLoadError(`Could not apply the adapter ${adapterPath}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const slot = newSlot(context, adapterPath);
      if (this.closed) {
        await context.dispose();
        throw closedError();
      }
      this.slots.set(adapterPath, slot);
      this.options.log?.debug({ adapter: adapterPath, contexts: this.slots.size }, "adapter context created");
      return slot;
    })();
    this.creating.set(adapterPath, creation);
    const settle = () => {
      this.creating.delete(adapterPath);
      this.notify();
    };
    creation.then(settle, settle);
    return creation;
  }

  /** Frees idle replaced contexts, and idle others while over the limit (least recently used first). */
  private async trim(): Promise<void> {
    for (const slot of this.evictable()) {
      if (slot.retired || this.live() > this.options.limit) await this.dispose(slot);
    }
  }

  /** Idle contexts other than the current one, least recently used first. */
  private evictable(): ContextSlot[] {
    return [...this.slots.values()]
      .filter((slot) => slot !== this.current && slot.users === 0)
      .sort((a, b) => a.lastUsed - b.lastUsed);
  }

  private async dispose(slot: ContextSlot): Promise<void> {
    if (this.slots.get(slot.adapterPath) !== slot) return;
    this.slots.delete(slot.adapterPath);
    slot.pool.rejectWaiters(closedError());
    await slot.context.dispose();
    this.options.log?.debug(
      { adapter: slot.adapterPath, contexts: this.slots.size },
      "adapter context freed",
    );
    this.notify();
  }

  private live(): number {
    return this.slots.size + this.creating.size;
  }

  /** Resolves at the next change (a context idle, freed or created), or rejects on abort/close. */
  private changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        this.waiters.delete(wake);
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiters.delete(wake);
        reject(signal.reason);
      };
      this.waiters.add(wake);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private ensureOpen(): void {
    if (this.closed) throw closedError();
  }
}

function newSlot(context: LlamaContext, adapterPath: string | null): ContextSlot {
  return { context, pool: new SequencePool(context), adapterPath, users: 0, lastUsed: 0, retired: false };
}

function closedError(): EngineError {
  return new EngineError("ENGINE_CLOSED", "The engine is closed.");
}

/** `promise`, or the signal's reason once it aborts (the promise still runs to its end). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error as Error);
      },
    );
  });
}
