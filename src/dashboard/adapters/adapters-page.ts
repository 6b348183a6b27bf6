// The adapters page (/admin/adapters): every version of the registry, newest first, and the
// chosen one's details (`?version=`, default the newest) with its training loss curve. Activate
// and roll back go through the AdapterRegistry, so every engine hot-swaps as with the CLI.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { AdapterRegistry, AdapterRegistryError } from "../../training/adapter-registry.js";
import { CHART_SCRIPT_PATH } from "../chart-script.js";
import type { DashboardContext } from "../dashboard-context.js";
import { html } from "../html.js";
import { csrfOf, registerAction, registerJson, registerPage } from "../register-page.js";
import { adapterView, adaptersListView } from "./adapters-view.js";
import { LOSS_CHART_SCRIPT_PATH, registerLossChartScript } from "./loss-chart-script.js";

const activateBody = z.object({
  version: z.string().min(1),
  /** A version the gate rejected is activated only with force (the page asks first). */
  force: z.union([z.literal("1"), z.literal(true)]).optional(),
});

/** Adds the page, the loss curve JSON and the activate/rollback actions. */
export function registerAdaptersPage(admin: FastifyInstance, { runtime }: DashboardContext): void {
  const registry = AdapterRegistry.fromConfig(runtime.config, runtime.redis, runtime.keys, runtime.log);
  const pageUrl = `${admin.prefix}/adapters`;
  registerLossChartScript(admin);

  registerPage(admin, {
    path: "/adapters",
    title: "Adapters",
    async render(request: FastifyRequest) {
      const manifests = await registry.list();
      const wanted = (request.query as { version?: unknown } | undefined)?.version;
      const shown = manifests.find((m) => m.version === wanted) ?? manifests.at(-1);
      const csrf = csrfOf(request);
      return html`${adaptersListView(manifests, csrf)}
        ${shown ? html`<h2 id="details">Version ${shown.version}</h2>${adapterView(shown, csrf)}` : ""}
        <script src="${CHART_SCRIPT_PATH}" defer></script>
        <script src="${LOSS_CHART_SCRIPT_PATH}" defer></script>`;
    },
  });

  registerJson(admin, "/adapters", async () => ({ active: await registry.active(), versions: await registry.list() }));
  registerJson(admin, "/adapters/:version/loss-curve", async (request) =>
    registry.lossCurve((request.params as { version: string }).version),
  );

  registerAction(admin, "/adapters/activate", async (request, reply) => {
    const body = activateBody.safeParse(request.body);
    if (!body.success) return reply.code(400).send({ error: "give the version to activate" });
    try {
      await registry.activate(body.data.version, { force: body.data.force !== undefined });
    } catch (error) {
      if (error instanceof AdapterRegistryError) return reply.code(409).send({ error: error.message });
      throw error;
    }
    runtime.log.info({ version: body.data.version }, "adapter activated from the dashboard");
    return { redirect: `${pageUrl}?version=${encodeURIComponent(body.data.version)}` };
  });

  registerAction(admin, "/adapters/rollback", async (_request, reply) => {
    const now = await registry.rollback();
    if (now === undefined) return reply.code(409).send({ error: "nothing to roll back to" });
    runtime.log.info({ version: now }, "adapter rolled back from the dashboard");
    return { redirect: pageUrl };
  });
}
