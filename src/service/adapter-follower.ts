// Keeps an engine on the registry's active LoRA adapter: at start and whenever the active version
// changes (pub/sub), it fetches the adapter's bytes from Redis when this machine does not have
// them (checked against the manifest's sha256), refuses adapters trained on another base model,
// and hot-swaps the engine to it. Rollback is the same move to an older version (or none).
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { RedisConnection } from "../store/redis-connection.js";
import { fileSha256 } from "../gguf/file-sha256.js";
import { SaigaError } from "../errors/saiga-error.js";
import type { Logger } from "../log/index.js";
import { sha256, type AdapterStore } from "../store/adapter-store.js";
import type { RedisKeys } from "../store/redis-keys.js";
import type { SaigaEngine } from "../engine/saiga-engine.js";

/** Options of {@link AdapterFollower}. */
export interface AdapterFollowerOptions {
  engine: Pick<SaigaEngine, "setAdapter" | "info">;
  store: AdapterStore;
  /** Duplicated for the subscription. */
  redis: RedisConnection;
  keys: RedisKeys;
  /** The adapter registry folder (`training.adaptersDir`): files are `<dir>/<version>/<version>.gguf`, fetched when missing. */
  adaptersDir: string;
  /** Caches the base model's sha256 between starts. */
  hashCacheFile?: string;
  log?: Logger;
}

/** Follows the active adapter until closed. */
export class AdapterFollower {
  private subscriber: RedisConnection | undefined;
  private modelSha256: Promise<string> | undefined;
  private applying: Promise<void> = Promise.resolve();
  /** Versions whose local file was checked (versions are immutable). */
  private readonly verified = new Map<string, string>();
  private closing?: Promise<void>;

  constructor(private readonly options: AdapterFollowerOptions) {}

  /** Applies the active version now and subscribes to changes. */
  async start(): Promise<void> {
    const { redis, keys, store, log } = this.options;
    this.subscriber = redis.duplicate();
    this.subscriber.on("message", () => void this.follow(store.active()));
    await this.subscriber.subscribe(keys.adapterChannel());
    await this.follow(store.active());
    log?.debug("following the active adapter");
  }

  /** Waits for the swap in progress (tests, shutdown). */
  settled(): Promise<void> {
    return this.applying;
  }

  private follow(version: Promise<string | null>): Promise<void> {
    // One swap at a time, always to the newest announced version.
    this.applying = this.applying
      .then(async () => this.apply(await version))
      .catch((error: unknown) => this.options.log?.error({ err: error }, "could not switch the adapter"));
    return this.applying;
  }

  private async apply(version: string | null): Promise<void> {
    const { engine, log } = this.options;
    if (version === null) {
      await engine.setAdapter(null);
      return;
    }
    let file: string;
    try {
      file = await this.fileOf(version);
    } catch (error) {
      log?.error(
        { version, err: error },
        "cannot use the active adapter; this engine stays on the current one",
      );
      return;
    }
    await engine.setAdapter(file);
  }

  /**
   * The local file of an adapter version, fetched from Redis when this machine does not have it.
   * @throws {SaigaError} UNKNOWN_ADAPTER (no such version) or ADAPTER_MISMATCH (another base model)
   */
  async fileOf(version: string): Promise<string> {
    const known = this.verified.get(version);
    if (known && existsSync(known)) return known;
    const { engine, store } = this.options;
    const manifest = await store.manifest(version);
    if (!manifest) throw new SaigaError("UNKNOWN_ADAPTER", `There is no adapter version ${version}.`);
    this.modelSha256 ??= fileSha256(engine.info.modelPath, this.options.hashCacheFile);
    if (manifest.baseModel.sha256 !== (await this.modelSha256)) {
      throw new SaigaError(
        "ADAPTER_MISMATCH",
        `Adapter ${version} was trained on ${manifest.baseModel.file}, not on the model this engine serves.`,
      );
    }
    const folder = path.join(this.options.adaptersDir, version);
    const file = path.join(folder, manifest.file);
    if (!existsSync(file) || sha256(await readFile(file)) !== manifest.sha256) {
      const bytes = await store.getBytes(version); // checked against the manifest
      await mkdir(folder, { recursive: true });
      const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temp, bytes);
      await rename(temp, file);
    }
    this.verified.set(version, file);
    return file;
  }

  /** Unsubscribes. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.applying;
      await this.subscriber?.quit().catch(() => undefined);
    })();
    return this.closing;
  }
}
