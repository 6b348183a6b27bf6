// The dashboard's door: /admin/login (the password from `dashboard.password`, compared in
// constant time) opens a session (an HttpOnly, SameSite=Strict cookie naming a Redis entry),
// /admin/logout ends it, and a hook refuses everything else without one: pages redirect to the
// log-in, /admin/api and every other method answer 401. Every POST/PUT/PATCH/DELETE must also
// carry the session's CSRF token: in `x-csrf-token` (our pages), in `x-xsrf-token` (bull-board's
// axios, which copies the XSRF-TOKEN cookie) or in the form field `_csrf`; and a request whose
// Origin is another site is refused whatever it carries.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Config } from "../config/index.js";
import type { Logger } from "../log/index.js";
import type { DashboardSessions } from "./dashboard-sessions.js";
import { html } from "./html.js";
import { LoginThrottle } from "./login-throttle.js";
import { pageLayout } from "./page-layout.js";
import { passwordMatches, secretsEqual } from "./password-matches.js";

/** The session cookie's name. */
export const SESSION_COOKIE = "saiga_session";
/** The cookie axios (bull-board) copies into `x-xsrf-token`: readable by scripts on purpose. */
const XSRF_COOKIE = "XSRF-TOKEN";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const loginBodySchema = z.object({ password: z.string().default(""), next: z.string().optional() });

/** Adds the log-in, the log-out and the check in front of every other route of `admin`. */
export function registerDashboardAuth(
  admin: FastifyInstance,
  sessions: DashboardSessions,
  throttle: LoginThrottle,
  config: Config["dashboard"],
  log: Logger,
): void {
  // Browser-session cookies: the expiry that counts is the Redis entry's, pushed back on each use.
  const cookieOptions = { path: "/admin", sameSite: "strict" as const, secure: config.secureCookie };

  // No framing (clickjacking), no caching of pages that show private data, no referrer to elsewhere.
  admin.addHook("onSend", async (_request, reply) => {
    reply.header("x-frame-options", "DENY");
    reply.header("referrer-policy", "same-origin");
    reply.header("x-content-type-options", "nosniff");
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
  });
  admin.addHook("onRequest", async (request, reply) => {
    const route = request.url.split("?")[0] ?? "";
    if (!SAFE_METHODS.has(request.method) && crossSite(request)) {
      return reply.code(403).send({ error: "cross-site request refused" });
    }
    if (route === "/admin/login" || route.startsWith("/admin/assets/")) return;
    const session = await sessions.find(request.cookies[SESSION_COOKIE]);
    if (session === null) {
      if (request.method === "GET" && !route.includes("/api/")) {
        return reply.redirect(`/admin/login?next=${encodeURIComponent(route)}`, 303);
      }
      return reply.code(401).send({ error: "log in first" });
    }
    request.dashboardSession = session;
  });
  // After the body is read (a form carries its token in it), before any handler.
  admin.addHook("preHandler", async (request, reply) => {
    if (SAFE_METHODS.has(request.method) || request.dashboardSession === null) return;
    if (!secretsEqual(csrfTokenOf(request), request.dashboardSession.csrf)) {
      return reply.code(403).send({ error: "missing or wrong CSRF token: reload the page" });
    }
  });

  admin.get("/login", async (request, reply) => {
    const next = safeNext((request.query as { next?: string }).next);
    return sendLogin(reply, next, null);
  });
  admin.post("/login", async (request, reply) => {
    const body = loginBodySchema.safeParse(request.body ?? {});
    const password = body.success ? body.data.password : "";
    const next = safeNext(body.success ? body.data.next : undefined);
    if (await throttle.blocked(request.ip)) {
      log.warn({ ip: request.ip }, "dashboard log-in refused: too many wrong passwords");
      const wait = `Too many wrong passwords: try again in ${LoginThrottle.windowMinutes} minutes.`;
      return sendLogin(reply.code(429), next, wait);
    }
    if (!passwordMatches(password, config.password)) {
      await throttle.failed(request.ip);
      log.warn({ ip: request.ip }, "dashboard log-in refused: wrong password");
      return sendLogin(reply.code(401), next, "Wrong password.");
    }
    const session = await sessions.create();
    log.info({ ip: request.ip }, "dashboard log-in");
    reply.setCookie(SESSION_COOKIE, session.id, { ...cookieOptions, httpOnly: true });
    reply.setCookie(XSRF_COOKIE, session.csrf, { ...cookieOptions, httpOnly: false });
    return reply.redirect(next, 303);
  });
  admin.post("/logout", async (request, reply) => {
    if (request.dashboardSession) await sessions.end(request.dashboardSession.id);
    reply.clearCookie(SESSION_COOKIE, { path: "/admin" });
    reply.clearCookie(XSRF_COOKIE, { path: "/admin" });
    return reply.redirect("/admin/login", 303);
  });
}

/** The CSRF token a request carries (header, or form field). */
function csrfTokenOf(request: FastifyRequest): string {
  const header = request.headers["x-csrf-token"] ?? request.headers["x-xsrf-token"];
  if (typeof header === "string") return header;
  const field = (request.body as { _csrf?: unknown } | undefined)?._csrf;
  return typeof field === "string" ? field : "";
}

/** Whether the browser says the request comes from another site. */
function crossSite(request: FastifyRequest): boolean {
  if (request.headers["sec-fetch-site"] === "cross-site") return true;
  const origin = request.headers.origin;
  if (origin === undefined || origin === "null") return origin === "null";
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

/** Where to go after logging in: a dashboard path only (never another site). */
function safeNext(next: string | undefined): string {
  return next !== undefined && /^\/admin(\/[^/\\]|\/?$)/.test(next) && !next.startsWith("//")
    ? next
    : "/admin/";
}

function sendLogin(reply: FastifyReply, next: string, error: string | null) {
  const body = html`<form method="post" action="/admin/login" class="login card">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" autofocus required />
    <input type="hidden" name="next" value="${next}" />
    ${error === null ? "" : html`<p class="error" role="alert">${error}</p>`}
    <button type="submit" class="primary">Log in</button>
  </form>`;
  const document = pageLayout(body, { title: "Log in", currentUrl: "/admin/login", nav: [], csrf: null });
  return reply.type("text/html; charset=utf-8").send(document.value);
}
