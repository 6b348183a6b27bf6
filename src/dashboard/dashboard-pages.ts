// Every page module of the dashboard, in navigation-bar order. A new page: write
// pages/<name>-page.ts exporting a DashboardPageModule, and add it here (README.md).
import { registerAdaptersPage } from "./adapters/adapters-page.js";
import type { DashboardPageModule } from "./dashboard-context.js";
import { registerEvaluationsPage } from "./pages/evaluations-page.js";
import { registerFeedbackPage } from "./pages/feedback-page.js";
import { registerOverviewPage } from "./pages/overview-page.js";
import { registerPlaygroundPage } from "./pages/playground-page.js";
import { registerQueuesPage } from "./pages/queues-page.js";
import { registerTrainingPage } from "./training/training-page.js";

export const DASHBOARD_PAGES: readonly DashboardPageModule[] = [
  registerOverviewPage,
  registerQueuesPage,
  registerFeedbackPage,
  registerAdaptersPage,
  registerTrainingPage,
  registerEvaluationsPage,
  registerPlaygroundPage,
];
