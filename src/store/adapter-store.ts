// The adapter registry's shared state in Redis: every version's manifest, which version is
// active (and the ones before it, for rollback), and the adapter files themselves, chunked, so
// that engines on other machines get the bytes without a shared file system.
import { createHash } from "node:crypto";
import type { RedisConnection } from "./redis-connection.js";
import type { Logger } from "../log/index.js";
import { adapterManifestSchema, type AdapterManifest } from "./adapter-manifest.js";
import { lossCurveSchema, thinLossCurve, type LossPoint } from "./loss-curve.js";
import { parseJson } from "./parse-json.js";
import type { RedisKeys } from "./redis-keys.js";
import { StoreError } from "./store-errors.js";

/** Size of one stored piece of an adapter file. */
const CHUNK_BYTES = 1 << 20;

/** Options of {@link AdapterStore}. */
export interface AdapterStoreOptions {
  redis: RedisConnection;
  keys: RedisKeys;
  log?: Logger;
}

/** Manifests, the active version and adapter bytes in Redis. */
export class AdapterStore {
  constructor(private readonly options: AdapterStoreOptions) {}

  /** Stores (or replaces) a manifest. */
  async saveManifest(manifest: AdapterManifest): Promise<void> {
    const parsed = adapterManifestSchema.parse(manifest);
    await this.options.redis.hset(this.key("manifests"), parsed.version, JSON.stringify(parsed));
  }

  /** The manifest of a version, or null. */
  async manifest(version: string): Promise<AdapterManifest | null> {
    const raw = await this.options.redis.hget(this.key("manifests"), version);
    return raw === null ? null : this.decode(version, raw);
  }

  /** Every version, oldest first, with `status: "active"` on the active one. */
  async list(): Promise<AdapterManifest[]> {
    const [all, active] = await Promise.all([
      this.options.redis.hgetall(this.key("manifests")),
      this.active(),
    ]);
    return Object.entries(all)
      .map(([version, raw]) => this.decode(version, raw))
      .filter((manifest): manifest is AdapterManifest => manifest !== null)
      .map((manifest) =>
        manifest.version === active
          ? { ...manifest, status: "active" as const }
          : manifest.status === "active"
            ? { ...manifest, status: "retired" as const }
            : manifest,
      )
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Stores an adapter file's bytes in chunks; returns their sha256. */
  async putBytes(version: string, bytes: Buffer): Promise<string> {
    const key = this.key(`chunks:${version}`);
    const fields: (string | Buffer)[] = ["count", String(Math.ceil(bytes.length / CHUNK_BYTES))];
    for (let i = 0, n = 0; i < bytes.length; i += CHUNK_BYTES, n++) {
      fields.push(String(n), bytes.subarray(i, i + CHUNK_BYTES));
    }
    await this.options.redis
      .multi()
      .del(key)
      .hset(key, ...fields)
      .exec();
    return sha256(bytes);
  }

  /**
   * An adapter file's bytes, checked against the manifest's sha256.
   * @throws StoreError when the bytes are missing or damaged
   */
  async getBytes(version: string): Promise<Buffer> {
    const manifest = await this.manifest(version);
    if (!manifest) throw new StoreError("ADAPTER_UNKNOWN", `adapter ${version} is not in the registry`);
    const key = this.key(`chunks:${version}`);
    const count = Number(await this.options.redis.hget(key, "count"));
    if (!Number.isInteger(count) || count < 0) {
      throw new StoreError("ADAPTER_BYTES_MISSING", `adapter ${version}: its file is not stored in Redis`);
    }
    const chunks =
      count === 0
        ? []
        : await this.options.redis.hmgetBuffer(key, ...Array.from({ length: count }, (_, i) => String(i)));
    if (chunks.some((chunk) => chunk === null)) {
      throw new StoreError("ADAPTER_BYTES_MISSING", `adapter ${version}: pieces of its file are missing`);
    }
    const bytes = Buffer.concat(chunks as Buffer[]);
    if (sha256(bytes) !== manifest.sha256) {
      throw new StoreError(
        "ADAPTER_CHECKSUM",
        `adapter ${version}: the stored file does not match its sha256 ${manifest.sha256}`,
      );
    }
    return bytes;
  }

  /** Stores a version's training loss curve (thinned to LOSS_CURVE_MAX_POINTS points). */
  async saveLossCurve(version: string, points: readonly LossPoint[]): Promise<void> {
    const curve = lossCurveSchema.parse(thinLossCurve(points));
    await this.options.redis.set(this.key(`curve:${version}`), JSON.stringify(curve));
  }

  /** A version's training loss curve; empty when none was stored (or it is unreadable). */
  async lossCurve(version: string): Promise<LossPoint[]> {
    const raw = await this.options.redis.get(this.key(`curve:${version}`));
    if (raw === null) return [];
    const parsed = lossCurveSchema.safeParse(parseJson(raw));
    if (parsed.success) return parsed.data;
    this.options.log?.warn({ version }, "ignoring a corrupt loss curve");
    return [];
  }

  /** The active version, or null for the bare model. */
  async active(): Promise<string | null> {
    return (await this.options.redis.get(this.key("active"))) || null;
  }

  /**
   * Makes `version` (null: the bare model) active, remembering the previous one for rollback, and
   * tells every engine. Returns the previous active version.
   */
  async activate(version: string | null): Promise<string | null> {
    const { redis, keys } = this.options;
    const previous = await this.active();
    if (previous === version) return previous;
    await redis
      .multi()
      .lpush(this.key("history"), previous ?? "")
      .ltrim(this.key("history"), 0, 99)
      .set(this.key("active"), version ?? "")
      .exec();
    await redis.publish(keys.adapterChannel(), version ?? "");
    return previous;
  }

  /**
   * Goes back to the version that was active before the current one (null: the bare model).
   * @returns the version now active, or undefined when there is nothing to go back to
   */
  async rollback(): Promise<string | null | undefined> {
    const { redis, keys } = this.options;
    const previous = await redis.lpop(this.key("history"));
    if (previous === null) return undefined;
    await redis.set(this.key("active"), previous);
    await redis.publish(keys.adapterChannel(), previous);
    return previous || null;
  }

  private key(part: Parameters<RedisKeys["adapters"]>[0]): string {
    return this.options.keys.adapters(part);
  }

  private decode(version: string, raw: string): AdapterManifest | null {
    const parsed = adapterManifestSchema.safeParse(parseJson(raw));
    if (parsed.success) return parsed.data;
    this.options.log?.warn({ version }, "ignoring a corrupt adapter manifest");
    return null;
  }
}

/** Hex sha256 of bytes. */
export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
