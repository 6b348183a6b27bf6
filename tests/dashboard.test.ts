// The operator's dashboard in a real browser: a real `saiga start` (demo model, engine, the
// Telegram gateway on the Bot API emulator, the API's HTTP server with /admin, real Redis) driven
// by Debian's Chromium. It refuses everything without a log-in, logs in (and stops taking
// passwords after ten wrong ones), shows the engine and the gateway on the overview, shows a
// queued generation in bull-board, and refuses a POST without the CSRF token. Screenshots of each
// page go to test-results/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiProcess } from "./helpers/api-harness.js";
import { BotTestbed, REDIS_URL } from "./helpers/bot-harness.js";
import {
  closeBrowser,
  DASHBOARD_PASSWORD,
  logIn,
  newPage,
  screenshot,
  startDashboard,
} from "./helpers/dashboard-browser.js";

describe("the dashboard at /admin", () => {
  let bed: BotTestbed;
  let client: BotTestbed["client"];
  let saiga: ApiProcess;

  beforeAll(async () => {
    // With the Telegram gateway (on the Bot API emulator), so that the overview has one to show.
    bed = await BotTestbed.create();
    client = bed.client;
    saiga = await startDashboard(REDIS_URL, client.prefix, bed.env());
  });
  afterAll(async () => {
    await closeBrowser();
    expect(await saiga?.stop()).toBe(0);
    expect(saiga.log()).not.toContain(DASHBOARD_PASSWORD);
    await bed?.close();
  });

  it("refuses pages, JSON and actions without a session", async () => {
    const page = await fetch(`${saiga.url}/admin/`, { redirect: "manual" });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/admin/login?next=%2Fadmin%2F");
    for (const url of ["/admin/api/overview", "/admin/queues/api/queues"]) {
      expect((await fetch(`${saiga.url}${url}`)).status).toBe(401);
    }
    const logout = await fetch(`${saiga.url}/admin/logout`, { method: "POST" });
    expect(logout.status).toBe(401);
    // The OpenAI API beside it is untouched.
    expect((await fetch(`${saiga.url}/v1/models`)).status).toBe(200);
  });

  it("refuses a wrong password and logs in with the right one", async () => {
    const page = await newPage();
    await page.goto(`${saiga.url}/admin/queues/`);
    expect(new URL(page.url()).pathname).toBe("/admin/login");
    await page.fill('input[name="password"]', "not the password");
    await page.click('button[type="submit"]');
    await expect(page.getByRole("alert").textContent()).resolves.toContain("Wrong password");
    await screenshot(page, "dashboard-login");
    await logIn(page, saiga.url);
    const cookies = await page.context().cookies();
    expect(cookies.find((cookie) => cookie.name === "saiga_session")).toMatchObject({
      httpOnly: true,
      sameSite: "Strict",
    });
    await page.context().close();
  });

  it("shows the serving engine, the gateway and Redis on the overview, also on a phone", async () => {
    for (const size of ["desktop", "phone"] as const) {
      const page = await newPage(size);
      await logIn(page, saiga.url);
      expect(new URL(page.url()).pathname).toBe("/admin/");
      const engines = page.locator("#engines tbody");
      await engines.getByText("demo", { exact: false }).first().waitFor();
      await expect(engines.textContent()).resolves.toMatch(/cpu/);
      await page.locator("#redis-memory", { hasText: /\d/ }).waitFor();
      await page.locator("#gateways tbody", { hasText: "@saiga_test_bot" }).waitFor();
      await expect(page.locator("#gateways tbody").textContent()).resolves.toContain("polling");
      if (size === "phone") await screenshot(page, "dashboard-overview-phone");
      await page.context().close();
    }
  });

  it("shows a queued generation in bull-board and on the overview", async () => {
    const page = await newPage();
    await logIn(page, saiga.url);
    // Paused, the queue keeps the job waiting long enough to be seen.
    await client.queue.queue.pause();
    const [requestId] = await client.queue.submit({ messages: [{ role: "user", content: "Привет" }] });
    try {
      await page.locator("#waiting", { hasText: /^1$/ }).waitFor();
      // Generations carry a priority (admins first), so bull-board lists them as "prioritized".
      await page.goto(`${saiga.url}/admin/queues/queue/generate?status=prioritized`);
      await page.getByText(requestId!, { exact: false }).first().waitFor();
      await screenshot(page, "dashboard-queues");
      // bull-board's own actions pass the CSRF check with the XSRF-TOKEN cookie, as its axios sends it.
      const resume = (withToken: boolean) =>
        page.evaluate(async (withToken) => {
          const token = /XSRF-TOKEN=([^;]+)/.exec(document.cookie)?.[1] ?? "";
          const headers: Record<string, string> = withToken
            ? { "x-xsrf-token": decodeURIComponent(token) }
            : {};
          const response = await fetch("/admin/queues/api/queues/generate/resume", {
            method: "PUT",
            headers,
          });
          return response.status;
        }, withToken);
      expect(await resume(false)).toBe(403);
      expect(await client.queue.queue.isPaused()).toBe(true);
      expect(await resume(true)).toBe(200);
      expect(await client.queue.queue.isPaused()).toBe(false);
    } finally {
      await client.queue.queue.resume();
    }
    await expect(client.answer(requestId!)).resolves.toMatchObject({ outcome: "answered" });
    // The answer's speed reaches the overview.
    await page.goto(`${saiga.url}/admin/`);
    await page.locator("#tps", { hasText: /\d/ }).waitFor();
    await page.locator("#ttft", { hasText: /\d+ ms/ }).waitFor();
    await screenshot(page, "dashboard-overview");
    await page.context().close();
  });

  it("stops taking passwords from an address after ten wrong ones", async () => {
    const logIn = (password: string) =>
      fetch(`${saiga.url}/admin/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ password }),
        redirect: "manual",
      });
    // One wrong password was typed above already.
    for (let i = 0; i < 9; i++) expect((await logIn(`guess ${i}`)).status).toBe(401);
    const blocked = await logIn(DASHBOARD_PASSWORD);
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toContain("Too many wrong passwords");
    // Let the remaining tests log in again.
    await client.redis.del(client.keys.dashboardLoginFailures("127.0.0.1"));
    expect((await logIn(DASHBOARD_PASSWORD)).status).toBe(303);
  });

  it("refuses a POST without the CSRF token, and logs out with it", async () => {
    const page = await newPage();
    await logIn(page, saiga.url);
    const withoutToken = await page.evaluate(async () => {
      const response = await fetch("/admin/logout", { method: "POST" });
      return response.status;
    });
    expect(withoutToken).toBe(403);
    await Promise.all([
      page.waitForURL(/\/admin\/login/),
      page.getByRole("button", { name: "Log out" }).click(),
    ]);
    await page.goto(`${saiga.url}/admin/`);
    expect(new URL(page.url()).pathname).toBe("/admin/login");
    await page.context().close();
  });
});
