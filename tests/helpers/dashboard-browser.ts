// The dashboard as an operator sees it: a real `saiga start` (demo model, the API's HTTP server
// with /admin on a free port) driven by Debian's Chromium through playwright-core. Screenshots
// go to test-results/<name>.png (docs/DASHBOARD.md shows them).
// The browser tests' page.evaluate() callbacks run in the page: they use the DOM's types.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/// <reference lib="dom.asynciterable" />
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { startApi, type ApiProcess } from "./api-harness.js";
import { PROJECT_ROOT } from "./run-saiga.js";

/** The password the tests' dashboards use. */
export const DASHBOARD_PASSWORD = "test-dashboard-password";
/** Where the screenshots go. */
export const SCREENSHOT_DIR = path.join(PROJECT_ROOT, "test-results");
/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Starts `saiga start` (engine + API + dashboard, no Telegram) on `prefix` and waits until the
 * HTTP server listens; `env` adds settings (a BOT_TOKEN and TELEGRAM_API_ROOT for the gateway).
 */
export function startDashboard(
  redisUrl: string,
  prefix: string,
  env: Record<string, string> = {},
): Promise<ApiProcess> {
  return startApi(
    redisUrl,
    prefix,
    {
      SAIGA_API_ENABLED: "true",
      SAIGA_DASHBOARD_ENABLED: "true",
      SAIGA_DASHBOARD_PASSWORD: DASHBOARD_PASSWORD,
      ...env,
    },
    "start",
  );
}

let browser: Promise<Browser> | undefined;

/** One headless Chromium for the test file (closed by {@link closeBrowser}). */
export function launchBrowser(): Promise<Browser> {
  browser ??= chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  return browser;
}

/** Closes the browser, if one was launched. */
export async function closeBrowser(): Promise<void> {
  const launched = browser;
  browser = undefined;
  await (await launched)?.close();
}

/** A fresh page (its own cookies) of a desktop- or phone-sized window. */
export async function newPage(size: "desktop" | "phone" = "desktop"): Promise<Page> {
  const context = await (
    await launchBrowser()
  ).newContext({
    viewport: size === "phone" ? { width: 390, height: 844 } : { width: 1280, height: 860 },
    deviceScaleFactor: 1,
  });
  return context.newPage();
}

/** Logs in through the form at /admin/login and waits for the page it leads to. */
export async function logIn(page: Page, baseUrl: string, password = DASHBOARD_PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/admin/login`);
  await page.fill('input[name="password"]', password);
  await Promise.all([
    page.waitForURL((url) => url.pathname !== "/admin/login"),
    page.click('button[type="submit"]'),
  ]);
}

/** Writes test-results/<name>.png of the whole page. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
