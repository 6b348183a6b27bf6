// How a page joins the dashboard: `registerPage` adds a server-rendered page (and its link to the
// navigation bar), `registerJson` a JSON endpoint under /admin/api/ that a page polls,
// `registerAction` a POST under /admin/api/ that changes something. All of them sit behind the
// log-in; every POST also needs the session's CSRF token (dashboard-auth.ts checks both).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { html, type SafeHtml } from "./html.js";
import { pageLayout, type PageLink } from "./page-layout.js";
import type { DashboardSession } from "./dashboard-sessions.js";

declare module "fastify" {
  interface FastifyInstance {
    /** The dashboard's pages, in the order they were registered (the navigation bar). */
    dashboardNav: PageLink[];
  }
  interface FastifyRequest {
    /** The logged-in session (set by the dashboard's log-in check; null outside /admin). */
    dashboardSession: DashboardSession | null;
  }
}

/** A page of the dashboard. */
export interface DashboardPage {
  /** Path under /admin, e.g. `/adapters` (`/` is the overview). */
  path: string;
  /** Its name in the navigation bar and its heading. */
  title: string;
  /** The page's body (the layout is added around it). */
  render(request: FastifyRequest): Promise<SafeHtml>;
}

/** Adds a page: GET /admin{path}, listed in the navigation bar. */
export function registerPage(app: FastifyInstance, page: DashboardPage): void {
  const url = app.prefix + page.path;
  app.dashboardNav.push({ url, title: page.title });
  app.get(page.path, async (request, reply) => {
    const body = await page.render(request);
    const document = pageLayout(body, {
      title: page.title,
      currentUrl: url,
      nav: app.dashboardNav,
      csrf: csrfOf(request),
    });
    return reply.type("text/html; charset=utf-8").send(document.value);
  });
}

/** Adds a link to the navigation bar for a page served by something else (bull-board). */
export function registerNavLink(app: FastifyInstance, link: PageLink): void {
  app.dashboardNav.push(link);
}

/** Adds GET /admin/api{path} answering `load(request)` as JSON. */
export function registerJson(
  app: FastifyInstance,
  path: string,
  load: (request: FastifyRequest) => Promise<unknown>,
): void {
  app.get(`/api${path}`, async (request, reply) => reply.send(await load(request)));
}

/**
 * Adds POST /admin/api{path}: `act` gets the request (its JSON or form body) and answers JSON, or
 * redirects when it returns `{ redirect }` (for plain HTML forms).
 */
export function registerAction(
  app: FastifyInstance,
  path: string,
  act: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): void {
  app.post(`/api${path}`, async (request, reply) => {
    const result = await act(request, reply);
    if (reply.sent) return reply;
    if (isRedirect(result)) return reply.redirect(result.redirect, 303);
    return reply.send(result ?? { ok: true });
  });
}

/** The hidden form field carrying the CSRF token, for the forms a page renders. */
export function csrfOf(request: FastifyRequest): string {
  return request.dashboardSession?.csrf ?? "";
}

/** `<input type="hidden" name="_csrf" …>` for a `<form method="post">` of a page. */
export function csrfField(request: FastifyRequest): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${csrfOf(request)}" />`;
}

function isRedirect(value: unknown): value is { redirect: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { redirect?: unknown }).redirect === "string"
  );
}
