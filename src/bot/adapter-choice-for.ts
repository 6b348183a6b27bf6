// Which weights answer a chat: its own /model choice when it made one, else its side of the
// running A/B experiment (/ab), else the active adapter. The one place the text handler and 🔄
// ask, so that a regenerated answer comes from the same weights as a new one.
import type { AdapterChoice } from "../service/protocol/generate-job.js";
import { AdapterExperimentStore, experimentArmOf } from "../store/adapter-experiment.js";
import type { SaigaContext } from "./bot-context.js";

/** The adapter choice for the chat of `ctx` (its settings as read for this update). */
export async function adapterChoiceFor(ctx: SaigaContext): Promise<AdapterChoice> {
  const { services, settings, chatId } = ctx.saiga;
  const chosen = settings.model;
  if (chosen === "base") return { kind: "base" };
  if (chosen === "active") return { kind: "active" };
  if (chosen !== undefined) {
    // A version chosen earlier may have been removed (or rejected) since: the active one answers then.
    const manifest = (await services.registry.list()).find((m) => m.version === chosen);
    if (manifest && manifest.status !== "rejected") return { kind: "version", version: chosen };
    services.log.info(
      { chatId, version: chosen },
      "the chat's adapter version is gone; the active one answers",
    );
    return { kind: "active" };
  }
  const { redis, keys, log } = services;
  const experiment = await new AdapterExperimentStore({ redis, keys, log }).current();
  if (experiment && experimentArmOf(experiment, chatId) === "candidate") {
    return { kind: "version", version: experiment.version };
  }
  return { kind: "active" };
}
