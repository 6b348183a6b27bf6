// The operator's dashboard (/admin): the plugin the CLI mounts, and the helpers pages are built with.
export { registerDashboard } from "./register-dashboard.js";
export type { DashboardContext, DashboardPageModule } from "./dashboard-context.js";
export {
  registerPage,
  registerJson,
  registerAction,
  registerNavLink,
  csrfField,
  csrfOf,
} from "./register-page.js";
export type { DashboardPage } from "./register-page.js";
export { html, rawHtml, escapeHtml, SafeHtml } from "./html.js";
