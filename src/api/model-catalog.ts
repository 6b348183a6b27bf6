// The models the HTTP API offers, read from what the engines serve now: `saiga` (whatever the
// Telegram chats get: the active adapter, or the bare model), the bare model under its file's
// name (e.g. `SmolLM2-135M-Instruct.Q4_1`), and every adapter version trained on that model
// under its version id (`v20261201030000-1a2b`). An id maps to the job's adapter choice; each
// adapter is a context of its own on the same loaded weights.
import type { RedisConnection } from "../store/redis-connection.js";
import { servingEngines, type EngineHeartbeat } from "../service/engine-presence.js";
import type { AdapterChoice } from "../service/protocol/generate-job.js";
import type { AdapterManifest } from "../store/adapter-manifest.js";
import type { AdapterStore } from "../store/adapter-store.js";
import type { RedisKeys } from "../store/redis-keys.js";

/** The id that follows the registry's active adapter. */
export const ACTIVE_MODEL_ID = "saiga";

/** One entry of `GET /v1/models` (OpenAI's model object; `root`/`parent` as vLLM lists adapters). */
export interface CatalogModel {
  id: string;
  object: "model";
  /** Seconds since the epoch: when the engine started (base), the version was trained (adapter). */
  created: number;
  owned_by: string;
  /** The base model every entry runs on. */
  root: string;
  /** For an adapter version: the base model's id; else null. */
  parent: string | null;
  /** For an adapter version: candidate, active, retired or rejected. */
  status?: AdapterManifest["status"];
}

const OWNER = "saiga-bot";

/** The model id of a model file: its name without `.gguf`. */
export function baseModelId(file: string): string {
  return file.replace(/\.gguf$/i, "");
}

/** Reads the catalog from the engines' heartbeats and the adapter registry. */
export class ModelCatalog {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: RedisKeys,
    private readonly adapters: AdapterStore,
  ) {}

  /** The engines serving now (none: generation requests get 503). */
  engines(): Promise<EngineHeartbeat[]> {
    return servingEngines(this.redis, this.keys);
  }

  /** Every model the given engines can serve. */
  async list(engines: readonly EngineHeartbeat[]): Promise<CatalogModel[]> {
    if (engines.length === 0) return [];
    const files = new Set(engines.map((engine) => engine.model));
    const root = baseModelId(engines[0]?.model ?? "");
    const startedAt = Math.floor(Math.min(...engines.map((engine) => engine.startedAt)) / 1000);
    const models: CatalogModel[] = [
      { id: ACTIVE_MODEL_ID, object: "model", created: startedAt, owned_by: OWNER, root, parent: null },
      ...[...files].map((file) => ({
        id: baseModelId(file),
        object: "model" as const,
        created: startedAt,
        owned_by: OWNER,
        root: baseModelId(file),
        parent: null,
      })),
    ];
    for (const manifest of await this.adapters.list()) {
      if (!files.has(manifest.baseModel.file)) continue;
      models.push({
        id: manifest.version,
        object: "model",
        created: Math.floor(manifest.createdAt / 1000),
        owned_by: OWNER,
        root: baseModelId(manifest.baseModel.file),
        parent: baseModelId(manifest.baseModel.file),
        status: manifest.status,
      });
    }
    return models;
  }

  /** Which weights answer a request for `id`; null when the engines cannot serve it. */
  async resolve(id: string, engines: readonly EngineHeartbeat[]): Promise<AdapterChoice | null> {
    if (id === ACTIVE_MODEL_ID) return { kind: "active" };
    if (engines.some((engine) => baseModelId(engine.model) === id)) return { kind: "base" };
    const manifest = await this.adapters.manifest(id);
    if (!manifest || !engines.some((engine) => engine.model === manifest.baseModel.file)) return null;
    return { kind: "version", version: manifest.version };
  }
}
