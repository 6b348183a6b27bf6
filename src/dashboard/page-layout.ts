// The one layout of every dashboard page: a navigation bar listing all pages, the page's title
// and body, CSS that works from a phone to a desktop, and the small client script of
// /admin/assets/dashboard.js. Nothing is loaded from outside the server.
import { html, rawHtml, type SafeHtml } from "./html.js";

/** A page in the navigation bar. */
export interface PageLink {
  /** Full URL path, e.g. `/admin/queues/`. */
  url: string;
  title: string;
}

/** What {@link pageLayout} needs besides the body. */
export interface LayoutOptions {
  title: string;
  /** The path of the page shown (its link is marked current). */
  currentUrl: string;
  nav: readonly PageLink[];
  /** The session's CSRF token (null on the log-in page, which has no session yet). */
  csrf: string | null;
}

/** A whole HTML document around `body`. */
export function pageLayout(body: SafeHtml, options: LayoutOptions): SafeHtml {
  const { title, currentUrl, nav, csrf } = options;
  const links = nav.map(
    (page) =>
      html`<a href="${page.url}" ${page.url === currentUrl ? rawHtml(' aria-current="page"') : ""}
        >${page.title}</a
      >`,
  );
  const logout =
    csrf === null
      ? ""
      : html`<form method="post" action="/admin/logout" class="logout">
          <input type="hidden" name="_csrf" value="${csrf}" /><button type="submit">Log out</button>
        </form>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${csrf === null ? "" : html`<meta name="csrf-token" content="${csrf}" />`}
        <title>${title} · saiga-bot</title>
        <link rel="stylesheet" href="/admin/assets/dashboard.css" />
        <script src="/admin/assets/dashboard.js" defer></script>
      </head>
      <body>
        <header>
          <strong class="brand">saiga-bot</strong>
          <nav>${links}</nav>
          ${logout}
        </header>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
}

/** The stylesheet (served at /admin/assets/dashboard.css). */
export const DASHBOARD_CSS = `
:root { color-scheme: light dark; --fg: #1d2125; --bg: #f7f7f8; --card: #fff; --line: #d9dce0; --accent: #2f6fde; --bad: #c62828; --good: #2e7d32; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e6e6; --bg: #16181b; --card: #202328; --line: #383c42; --accent: #6ea1ff; --bad: #ef5350; --good: #66bb6a; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .6rem 1rem; background: var(--card); border-bottom: 1px solid var(--line); }
header nav { display: flex; flex-wrap: wrap; gap: .25rem .9rem; flex: 1; }
header a { color: var(--fg); text-decoration: none; padding: .15rem 0; }
header a[aria-current="page"] { color: var(--accent); border-bottom: 2px solid var(--accent); }
main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
h1 { font-size: 1.35rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.2rem 0 .5rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 260px), 1fr)); gap: .8rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; }
.card .value { font-size: 1.6rem; font-weight: 600; }
.muted { opacity: .7; }
.bad { color: var(--bad); } .good { color: var(--good); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
button, input, select, textarea { font: inherit; }
button { padding: .35rem .8rem; border: 1px solid var(--line); border-radius: 6px; background: var(--card); color: var(--fg); cursor: pointer; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
input, select, textarea { padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 6px; background: var(--card); color: var(--fg); max-width: 100%; }
form.logout { margin: 0; }
form.inline { display: inline-block; margin: 0 .3rem .3rem 0; }
.chart-box { position: relative; height: 300px; }
.login { max-width: 340px; margin: 12vh auto; display: grid; gap: .6rem; }
.error { color: var(--bad); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 420px), 1fr)); gap: .8rem; }
figure.chart { margin: 0; } .chart-box { position: relative; height: 220px; }
.controls { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 170px), 1fr)); gap: .6rem; }
.controls label, label.block { display: grid; gap: .2rem; } .controls input, .controls select, label.block textarea { width: 100%; }
.turn { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .5rem .8rem; margin: .5rem 0; }
.turn.user { border-left: 3px solid var(--accent); } .turn .text { white-space: pre-wrap; overflow-wrap: anywhere; }
.turn .text[data-state="stopped"]::after { content: " (stopped)"; opacity: .6; } .turn .text[data-state="streaming"]::after { content: "▍"; opacity: .6; }
td.answer { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 40ch; }
iframe.full { width: 100%; height: calc(100vh - 9rem); border: 1px solid var(--line); border-radius: 8px; background: #fff; }
`;

/**
 * The client script (served at /admin/assets/dashboard.js): `saiga.poll(url, ms, render)` fetches
 * JSON every `ms` and hands it to `render` (to the log-in page on 401), `saiga.post(url, body)`
 * sends JSON with the CSRF token, and a form with `data-confirm="…"` asks before submitting.
 */
export const DASHBOARD_JS = `
"use strict";
window.saiga = (() => {
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";
  const toLogin = () => { location.href = "/admin/login?next=" + encodeURIComponent(location.pathname); };
  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } });
    if (response.status === 401) { toLogin(); throw new Error("logged out"); }
    if (!response.ok) throw new Error(url + ": HTTP " + response.status);
    return response.json();
  }
  function poll(url, ms, render) {
    let stopped = false;
    const tick = async () => {
      try { render(await getJson(url)); document.body.classList.remove("stale"); }
      catch (error) { document.body.classList.add("stale"); console.warn(error); }
      if (!stopped) setTimeout(tick, ms);
    };
    tick();
    return () => { stopped = true; };
  }
  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf(), accept: "application/json" },
      body: JSON.stringify(body ?? {}),
    });
    if (response.status === 401) { toLogin(); throw new Error("logged out"); }
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(json.error ?? "HTTP " + response.status);
    return json;
  }
  /** Sets an element's text by id (never HTML: values are shown, not parsed). */
  function text(id, value) { const el = document.getElementById(id); if (el) el.textContent = value; }
  document.addEventListener("submit", (event) => {
    const message = event.target.dataset?.confirm;
    if (message && !confirm(message)) event.preventDefault();
  });
  return { csrf, getJson, poll, post, text };
})();
`;
