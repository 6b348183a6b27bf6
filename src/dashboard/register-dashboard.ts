// The operator's dashboard as a Fastify plugin at /admin on the HTTP API's app (mounted by the
// CLI when `dashboard.enabled`): log-in, the shared layout and assets, then every page of
// dashboard-pages.ts. It has its own error and not-found answers (HTML pages, not OpenAI JSON).
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import type { FastifyError, FastifyInstance } from "fastify";
import type { ServiceRuntime } from "../service/service-runtime.js";
import type { DashboardContext } from "./dashboard-context.js";
import { registerChartScript } from "./chart-script.js";
import { registerDashboardAuth } from "./dashboard-auth.js";
import { DASHBOARD_PAGES } from "./dashboard-pages.js";
import { DashboardSessions } from "./dashboard-sessions.js";
import { html } from "./html.js";
import { LoginThrottle } from "./login-throttle.js";
import { DASHBOARD_CSS, DASHBOARD_JS, pageLayout } from "./page-layout.js";

/** Mounts the dashboard at /admin on `app` (call before `listen`). */
export async function registerDashboard(
  app: FastifyInstance,
  runtime: ServiceRuntime,
  lent: Omit<DashboardContext, "runtime"> = {},
): Promise<void> {
  const { config, log, redis, keys } = runtime;
  const sessions = new DashboardSessions(redis, keys, Math.round(config.dashboard.sessionTtlHours * 3600));
  const context: DashboardContext = { runtime, ...lent };
  await app.register(
    async (admin) => {
      admin.decorate("dashboardNav", []);
      admin.decorateRequest("dashboardSession", null);
      // The API's zod validator compiler is not ours: routes here validate with zod by hand.
      admin.setValidatorCompiler(() => (data) => ({ value: data }));
      await admin.register(cookie);
      await admin.register(formbody);
      admin.setErrorHandler((error: FastifyError, request, reply) => {
        const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
        if (status >= 500) log.error({ err: error, url: request.url }, "dashboard request failed");
        const message = status >= 500 ? "The dashboard had an error; see the server log." : error.message;
        return wantsHtml(request.headers.accept, request.url)
          ? reply
              .code(status)
              .type("text/html; charset=utf-8")
              .send(
                pageLayout(html`<p class="error">${message}</p>`, {
                  title: `Error ${status}`,
                  currentUrl: "",
                  nav: admin.dashboardNav,
                  csrf: request.dashboardSession?.csrf ?? null,
                }).value,
              )
          : reply.code(status).send({ error: message });
      });
      admin.setNotFoundHandler((request, reply) =>
        reply.code(404).send({ error: `no such page: ${request.url}` }),
      );
      admin.get("/assets/dashboard.css", (_request, reply) =>
        reply.type("text/css; charset=utf-8").header("cache-control", "no-cache").send(DASHBOARD_CSS),
      );
      admin.get("/assets/dashboard.js", (_request, reply) =>
        reply.type("text/javascript; charset=utf-8").header("cache-control", "no-cache").send(DASHBOARD_JS),
      );
      registerChartScript(admin);
      registerDashboardAuth(admin, sessions, new LoginThrottle(redis, keys), config.dashboard, log);
      for (const registerPages of DASHBOARD_PAGES) await registerPages(admin, context);
    },
    { prefix: "/admin" },
  );
  log.info("dashboard at /admin");
}

function wantsHtml(accept: string | undefined, url: string): boolean {
  return !url.includes("/api/") && (accept ?? "").includes("text/html");
}
