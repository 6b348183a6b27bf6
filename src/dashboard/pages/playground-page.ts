// The playground (/admin/playground): chat in the browser with any model the engines serve (the
// ids of GET /v1/models: `saiga`, the bare model, every adapter version), streamed, with sampling
// controls. Its script calls the API's own chat completions, lent to the dashboard and mounted at
// /admin/api/playground/v1/…: behind the dashboard's session and CSRF checks instead of an API key
// (the session cookie never reaches /v1), through the same generation service, counted as the
// caller `api:dashboard` under `api.limits`.
import type { FastifyInstance } from "fastify";
import type { DashboardContext } from "../dashboard-context.js";
import { html } from "../html.js";
import { registerPage } from "../register-page.js";
import { PLAYGROUND_SCRIPT } from "../playground/playground-script.js";

const SCRIPT_PATH = "/assets/playground.js";
/** Where the lent routes live, under the dashboard's prefix. */
export const PLAYGROUND_API_PATH = "/api/playground";

/** Adds the page, its script and the lent API routes to the dashboard's app (prefixed /admin). */
export async function registerPlaygroundPage(app: FastifyInstance, context: DashboardContext): Promise<void> {
  const { openAIRoutes } = context;
  if (openAIRoutes) {
    await app.register(
      (scope) => {
        openAIRoutes(scope, "dashboard");
        return Promise.resolve();
      },
      { prefix: PLAYGROUND_API_PATH },
    );
  }
  app.get(SCRIPT_PATH, async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").send(PLAYGROUND_SCRIPT),
  );
  const api = app.prefix + PLAYGROUND_API_PATH;
  registerPage(app, {
    path: "/playground",
    title: "Playground",
    async render() {
      if (!openAIRoutes) return html`<p class="muted">The playground needs the HTTP API's server.</p>`;
      return html`<form id="playground" class="playground" data-api="${api}">
          <div class="controls">
            <label
              >Model
              <select id="model" name="model" required></select
            ></label>
            <label
              >Temperature
              <input
                name="temperature"
                type="number"
                min="0"
                max="2"
                step="0.05"
                placeholder="server default"
            /></label>
            <label
              >top_p
              <input name="top_p" type="number" min="0.01" max="1" step="0.01" placeholder="server default"
            /></label>
            <label
              >Max tokens
              <input name="max_tokens" type="number" min="1" step="1" placeholder="server default"
            /></label>
            <label>Seed <input name="seed" type="number" step="1" placeholder="random" /></label>
          </div>
          <p>
            <label class="block">System prompt <textarea name="system" rows="2"></textarea></label>
          </p>
          <div id="conversation" class="conversation" aria-live="polite"></div>
          <p>
            <label class="block"
              >Message <textarea id="prompt" name="prompt" rows="3" required></textarea>
            </label>
          </p>
          <p>
            <button type="submit" class="primary" id="send">Send</button>
            <button type="button" id="stop" disabled>Stop</button>
            <button type="button" id="clear">New chat</button>
            <span id="status" class="muted" role="status"></span>
          </p>
        </form>
        <script src="${app.prefix + SCRIPT_PATH}" defer></script>`;
    },
  });
}
