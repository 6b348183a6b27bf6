// The training page (/admin/training): the running train job, live, with a cancel button, a
// "train now" button, and past runs with their outcome (all from the BullMQ `train` queue).
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { TrainingQueue } from "../../training/training-queue.js";
import { LOSS_CHART_SCRIPT_PATH } from "../adapters/loss-chart-script.js";
import { CHART_SCRIPT_PATH } from "../chart-script.js";
import type { DashboardContext } from "../dashboard-context.js";
import { html } from "../html.js";
import { csrfOf, registerAction, registerJson, registerPage } from "../register-page.js";
import { trainingRuns } from "./training-runs.js";
import { TRAINING_SCRIPT } from "./training-script.js";
import { trainingView } from "./training-view.js";

const SCRIPT_PATH = "/assets/training.js";
const cancelBody = z.object({ jobId: z.string().min(1) });

/** Adds the page, its JSON and the start/cancel actions. */
export function registerTrainingPage(admin: FastifyInstance, { runtime }: DashboardContext): void {
  const training = new TrainingQueue(runtime.redis, runtime.keys);
  admin.addHook("onClose", () => training.close());
  const pageUrl = `${admin.prefix}/training`;
  admin.get(SCRIPT_PATH, async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").header("cache-control", "no-cache").send(TRAINING_SCRIPT),
  );

  registerPage(admin, {
    path: "/training",
    title: "Training",
    async render(request: FastifyRequest) {
      return html`${trainingView(await trainingRuns(training), csrfOf(request))}
        <script src="${CHART_SCRIPT_PATH}" defer></script>
        <script src="${LOSS_CHART_SCRIPT_PATH}" defer></script>
        <script src="${admin.prefix + SCRIPT_PATH}" defer></script>`;
    },
  });
  registerJson(admin, "/training", () => trainingRuns(training));

  registerAction(admin, "/training/start", async (request) => {
    const jobId = await training.trainNow("dashboard");
    runtime.log.info({ jobId }, "training queued from the dashboard");
    return wantsJson(request) ? { jobId } : { redirect: pageUrl };
  });
  registerAction(admin, "/training/cancel", async (request, reply) => {
    const body = cancelBody.safeParse(request.body);
    if (!body.success) return reply.code(400).send({ error: "give the jobId to cancel" });
    await training.cancel(body.data.jobId);
    runtime.log.info({ jobId: body.data.jobId }, "training cancelled from the dashboard");
    return wantsJson(request) ? { cancelled: body.data.jobId } : { redirect: pageUrl };
  });
}

function wantsJson(request: FastifyRequest): boolean {
  return (request.headers["content-type"] ?? "").includes("application/json");
}
