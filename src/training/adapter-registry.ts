// The adapter registry: each trained version in its own folder under `training.adaptersDir`
// (`<version>/<version>.gguf` and `<version>/manifest.json`), shared through Redis (manifests,
// the active version, the file's bytes) so that engines anywhere can follow it.
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { SaigaError } from "../errors/saiga-error.js";
import { fileSha256 } from "../gguf/file-sha256.js";
import type { AdapterManifest, GateResult } from "../store/adapter-manifest.js";
import type { LossPoint } from "../store/loss-curve.js";
import type { RedisConnection } from "../store/redis-connection.js";
import type { Config } from "../config/index.js";
import type { Logger } from "../log/index.js";
import { AdapterStore } from "../store/adapter-store.js";
import type { RedisKeys } from "../store/redis-keys.js";

/** What a new version is registered with. */
export interface NewAdapter {
  /** The trainer's output file; copied into the version's folder. */
  adapterFile: string;
  baseModelPath: string;
  dataset: AdapterManifest["dataset"];
  hyperparameters: Record<string, unknown>;
  metrics: Record<string, unknown>;
  /** The trainer's step lines (stored thinned, for the dashboard's loss curve). */
  lossCurve?: readonly LossPoint[];
}

/** Registry operations for the CLI, the trainer and the admin commands. */
export class AdapterRegistry {
  constructor(
    private readonly store: AdapterStore,
    private readonly dir: string,
    /** Caches model hashes (a multi-GB GGUF is hashed once). */
    private readonly hashCacheFile?: string,
  ) {}

  /** The registry of a configuration: `training.adaptersDir`, model hashes cached in the data folder. */
  static fromConfig(config: Config, redis: RedisConnection, keys: RedisKeys, log?: Logger): AdapterRegistry {
    return new AdapterRegistry(
      new AdapterStore({ redis, keys, ...(log ? { log } : {}) }),
      config.training.adaptersDir,
      path.join(config.dataDir, "model-hashes.json"),
    );
  }

  /** Adds a candidate version (not active) and uploads its bytes to Redis. */
  async register(adapter: NewAdapter, now = new Date()): Promise<AdapterManifest> {
    const version = `v${now.toISOString().replace(/[-:T]/g, "").slice(0, 14)}-${randomBytes(2).toString("hex")}`;
    const folder = path.join(this.dir, version);
    await mkdir(folder, { recursive: true });
    const file = `${version}.gguf`;
    await copyFile(adapter.adapterFile, path.join(folder, file));
    const bytes = await readFile(path.join(folder, file));
    const manifest: AdapterManifest = {
      version,
      file,
      sha256: await this.store.putBytes(version, bytes),
      bytes: bytes.length,
      baseModel: {
        file: path.basename(adapter.baseModelPath),
        sha256: await fileSha256(adapter.baseModelPath, this.hashCacheFile),
      },
      dataset: adapter.dataset,
      hyperparameters: adapter.hyperparameters,
      metrics: adapter.metrics,
      gate: null,
      status: "candidate",
      createdAt: now.getTime(),
    };
    await this.save(manifest);
    if (adapter.lossCurve) await this.store.saveLossCurve(version, adapter.lossCurve);
    return manifest;
  }

  /** A version's training loss curve (empty when none was stored). */
  lossCurve(version: string): Promise<LossPoint[]> {
    return this.store.lossCurve(version);
  }

  /** Records the gate's verdict; a failed gate marks the version rejected. */
  async recordGate(version: string, gate: GateResult): Promise<AdapterManifest> {
    const manifest = await this.require(version);
    const updated: AdapterManifest = {
      ...manifest,
      gate,
      status: gate.passed ? manifest.status : "rejected",
    };
    await this.save(updated);
    return updated;
  }

  /** Where a version's adapter file is on this machine. */
  fileOf(manifest: Pick<AdapterManifest, "version" | "file">): string {
    return path.join(this.dir, manifest.version, manifest.file);
  }

  /** Every version, oldest first. */
  list(): Promise<AdapterManifest[]> {
    return this.store.list();
  }

  /** The active version's manifest (null: the bare model serves). */
  async activeManifest(): Promise<AdapterManifest | null> {
    const version = await this.store.active();
    return version === null ? null : this.store.manifest(version);
  }

  /** The active version (null: the bare model). */
  active(): Promise<string | null> {
    return this.store.active();
  }

  /**
   * Makes a version active on every engine. A version the gate rejected needs `force`.
   * @throws AdapterRegistryError for an unknown or rejected version
   */
  async activate(version: string, options: { force?: boolean } = {}): Promise<AdapterManifest> {
    const manifest = await this.require(version);
    if (manifest.status === "rejected" && !options.force) {
      throw new AdapterRegistryError(
        "ADAPTER_REJECTED",
        `adapter ${version} failed the evaluation gate (${manifest.gate?.reasons.join("; ") ?? "no verdict"}); activate it with --force if you are sure`,
      );
    }
    const activated: AdapterManifest = { ...manifest, status: "active", activatedAt: Date.now() };
    await this.save(activated);
    const previous = await this.store.activate(version);
    if (previous && previous !== version) await this.retire(previous);
    return activated;
  }

  /** Back to the version active before the current one; returns it (null: the bare model), undefined when there is none. */
  async rollback(): Promise<string | null | undefined> {
    const current = await this.store.active();
    const now = await this.store.rollback();
    if (now !== undefined && current) await this.retire(current);
    return now;
  }

  private async retire(version: string): Promise<void> {
    const manifest = await this.store.manifest(version);
    if (manifest && manifest.status === "active") await this.save({ ...manifest, status: "retired" });
  }

  private async require(version: string): Promise<AdapterManifest> {
    const manifest = await this.store.manifest(version);
    if (!manifest) {
      throw new AdapterRegistryError(
        "ADAPTER_UNKNOWN",
        `no adapter version ${version} (see: saiga adapters list)`,
      );
    }
    return manifest;
  }

  /** Redis (shared) and the version folder (for people and backups). */
  private async save(manifest: AdapterManifest): Promise<void> {
    await this.store.saveManifest(manifest);
    const folder = path.join(this.dir, manifest.version);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  }
}

/** A registry operation that cannot be done as asked. */
export class AdapterRegistryError extends SaigaError {
  override name = "AdapterRegistryError";
}
