// /ab: the online A/B of adapters, for the bot's admins (the admin guard refuses everyone else).
// `/ab start VERSION [SHARE]` serves a candidate to a share of chats, `/ab` shows each version's
// 👍 and 🔄 rates with 95% intervals, `/ab stop` ends it. With `training.ab.autoPromote`, every
// 👍/👎 during an experiment checks whether the candidate has won, and promotes it when it has.
import { Composer } from "grammy";
import { twoProportionZTest, wilsonInterval, normalQuantile } from "../../eval/proportion-statistics.js";
import {
  AdapterExperimentStore,
  tallyByVersion,
  type AdapterExperiment,
  type VersionTally,
} from "../../store/adapter-experiment.js";
import type { SaigaContext } from "../bot-context.js";
import type { BotServices } from "../bot-services.js";
import { parseAnswerCallback } from "../delivery/answer-keyboard.js";
import type { AbStatsRow, AbStatsView } from "../i18n/texts.js";

const DEFAULT_SHARE = 0.5;

export function abCommands(): Composer<SaigaContext> {
  const composer = new Composer<SaigaContext>();

  // After the vote is stored (by the answer buttons, further down the chain).
  composer.on("callback_query:data", async (ctx, next) => {
    await next();
    const press = parseAnswerCallback(ctx.callbackQuery.data);
    if (press?.action !== "up" && press?.action !== "down") return;
    if (!ctx.saiga.services.config.training.ab.autoPromote.enabled) return;
    await autoPromote(ctx.saiga.services);
  });

  composer.command("ab", async (ctx) => {
    const { services, t } = ctx.saiga;
    const experiments = experimentsOf(services);
    const [action, version, shareText] = ctx.match.trim().split(/\s+/);
    if (!action) {
      const experiment = await experiments.current();
      await ctx.reply(experiment ? t.abStats(await statsOf(services, experiment)) : t.abNone);
      return;
    }
    if (action === "stop") {
      const stopped = await experiments.stop();
      if (stopped) services.log.info({ experiment: stopped, by: ctx.saiga.userId }, "A/B experiment stopped");
      await ctx.reply(t.abStopped(stopped?.version ?? null));
      return;
    }
    const share = shareText === undefined ? DEFAULT_SHARE : Number(shareText);
    if (action !== "start" || !version || !(share > 0 && share <= 1)) {
      await ctx.reply(t.abUsage);
      return;
    }
    const manifest = (await services.registry.list()).find((m) => m.version === version);
    if (manifest?.status !== "candidate") {
      await ctx.reply(t.abNotServable(version, manifest?.status ?? null));
      return;
    }
    const experiment = await experiments.start({
      version,
      share,
      activeAtStart: await services.registry.active(),
      startedBy: ctx.saiga.userId,
    });
    services.log.info({ experiment }, "A/B experiment started");
    await ctx.reply(t.abStarted(version, share));
  });
  return composer;
}

function experimentsOf({ redis, keys, log }: BotServices): AdapterExperimentStore {
  return new AdapterExperimentStore({ redis, keys, log });
}

/** Feedback since the experiment started, per version that wrote the answers; the candidate first. */
async function talliesOf(
  services: BotServices,
  experiment: AdapterExperiment,
): Promise<{ active: string | null; tallies: VersionTally[] }> {
  const [records, active] = await Promise.all([
    services.feedback.since(experiment.startedAt - 1),
    services.registry.active(),
  ]);
  const tallies = tallyByVersion(records, experiment.startedAt);
  const rank = (tally: VersionTally) =>
    tally.version === experiment.version ? 0 : tally.version === active ? 1 : 2;
  return { active, tallies: tallies.sort((a, b) => rank(a) - rank(b)) };
}

async function statsOf(services: BotServices, experiment: AdapterExperiment): Promise<AbStatsView> {
  const { active, tallies } = await talliesOf(services, experiment);
  const rows = tallies.map((tally): AbStatsRow => {
    const votes = tally.up + tally.down;
    const reactions = votes + tally.regenerated;
    return {
      version: tally.version,
      role:
        tally.version === experiment.version ? "candidate" : tally.version === active ? "active" : "other",
      up: tally.up,
      votes,
      upInterval: wilsonInterval(tally.up, votes),
      regenerated: tally.regenerated,
      reactions,
      regeneratedInterval: wilsonInterval(tally.regenerated, reactions),
    };
  });
  return {
    version: experiment.version,
    share: experiment.share,
    startedAt: new Date(experiment.startedAt).toISOString().slice(0, 16).replace("T", " "),
    rows,
  };
}

/**
 * Promotes the experiment's candidate when, with at least `minVotes` 👍/👎 on each side, its 👍
 * rate beats the active adapter's at `confidence` (one-sided two-proportion z-test); the
 * experiment ends with it. Returns whether it did.
 */
export async function autoPromote(services: BotServices): Promise<boolean> {
  const { minVotes, confidence } = services.config.training.ab.autoPromote;
  const experiments = experimentsOf(services);
  const experiment = await experiments.current();
  if (!experiment) return false;
  const { active, tallies } = await talliesOf(services, experiment);
  const sideOf = (version: string | null) => tallies.find((tally) => tally.version === version);
  const candidate = sideOf(experiment.version);
  const incumbent = sideOf(active);
  if (!candidate || !incumbent) return false;
  const candidateVotes = candidate.up + candidate.down;
  const incumbentVotes = incumbent.up + incumbent.down;
  if (candidateVotes < minVotes || incumbentVotes < minVotes) return false;
  const { z, pValue } = twoProportionZTest(candidate.up, candidateVotes, incumbent.up, incumbentVotes);
  if (z <= normalQuantile(confidence)) return false;
  // Only the process that ends the experiment promotes (votes in other chats race to here too).
  if (!(await experiments.stop(experiment.id))) return false;
  await services.registry.activate(experiment.version);
  services.log.info(
    {
      experiment,
      previous: active,
      candidate: { up: candidate.up, votes: candidateVotes },
      active: { up: incumbent.up, votes: incumbentVotes },
      z,
      pValue,
      confidence,
      minVotes,
    },
    `A/B: promoted ${experiment.version}: its 👍 rate ${pct(candidate.up, candidateVotes)} beats ` +
      `${active ?? "the base model"}'s ${pct(incumbent.up, incumbentVotes)} at ${confidence} ` +
      `(z = ${z.toFixed(2)}, p = ${pValue.toPrecision(3)}, ≥ ${minVotes} votes each)`,
  );
  return true;
}

const pct = (count: number, total: number) => `${count}/${total}`;
