// The adapters and training pages as an operator uses them, on a real `saiga start` (demo model,
// the trainer on CPU with Debian's PyTorch, real Redis) in Chromium: start a training from the
// page, watch it run and end in the past runs, open the adapter it made and see its loss curve,
// then roll back and activate again, seeing the active version change on the page and in
// `saiga adapters list --json`.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapterManifestSchema } from "../src/store/adapter-manifest.js";
import { AdapterStore } from "../src/store/adapter-store.js";
import { LOSS_CURVE_MAX_POINTS } from "../src/store/loss-curve.js";
import { FeedbackStore } from "../src/store/feedback-store.js";
import { RedisKeys } from "../src/store/redis-keys.js";
import { pythonTorchVersion } from "../src/training/trainer/trainer-process.js";
import type { ApiProcess } from "./helpers/api-harness.js";
import { closeBrowser, logIn, newPage, screenshot, startDashboard } from "./helpers/dashboard-browser.js";
import { deleteKeys } from "./helpers/delete-keys.js";
import { recordNameFeedback } from "./helpers/name-feedback.js";
import { runSaiga } from "./helpers/run-saiga.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PYTHON = "/usr/bin/python3";
const TORCH = pythonTorchVersion(PYTHON);
const SKIP_NOTE = TORCH ? "" : ` (skipped: ${PYTHON} cannot import torch; install Debian's python3-torch)`;

describe.skipIf(!TORCH)(`the adapters and training pages${SKIP_NOTE}`, () => {
  const prefix = `test-${randomUUID().slice(0, 8)}`;
  const keys = new RedisKeys(prefix);
  const work = mkdtempSync(path.join(tmpdir(), "saiga-dashboard-adapters-"));
  let redis: Redis;
  let server: ApiProcess;
  let page: Page;
  let version: string;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    await recordNameFeedback(new FeedbackStore({ redis, keys }));
    server = await startDashboard(REDIS_URL, prefix, {
      SAIGA_TRAINING_PYTHON: PYTHON,
      SAIGA_TRAINING_DEVICE: "cpu",
      SAIGA_TRAINING_THREADS: "1",
      SAIGA_TRAINING_LOSS: "sft",
      SAIGA_TRAINING_VALIDATION_SHARE: "0.3",
      SAIGA_TRAINING_ADAPTERS_DIR: path.join(work, "adapters"),
      SAIGA_TRAINING_SCHEDULE: "",
    });
    page = await newPage();
    // The pages' buttons ask "are you sure?" first: the operator says yes.
    page.on("dialog", (dialog) => void dialog.accept());
    await logIn(page, server.url);
  }, 120_000);

  afterAll(async () => {
    await closeBrowser();
    await server?.stop();
    await deleteKeys(redis, `*${prefix}*`);
    await redis?.quit();
  });

  /** What `saiga adapters list --json` says. */
  async function listedAdapters() {
    const run = await runSaiga(["adapters", "list", "--json"], {
      REDIS_URL,
      SAIGA_REDIS_PREFIX: prefix,
      LOG_LEVEL: "silent",
    });
    expect(run.code, run.stderr).toBe(0);
    return adapterManifestSchema.array().parse(JSON.parse(run.stdout));
  }

  it("starts a training from the training page, shows it running, then among the past runs", async () => {
    await page.goto(`${server.url}/admin/training`);
    await page.locator("#training-current").filter({ hasText: "No training is running" }).waitFor();
    await Promise.all([page.waitForURL(/\/admin\/training$/), page.click("button.train-now")]);
    // Live: the running job's step count comes from the trainer's step lines.
    await page
      .locator(".training-run #run-step")
      .filter({ hasText: /^\d+ \/ \d+$/ })
      .waitFor({ timeout: 120_000 });
    await screenshot(page, "dashboard-training-running");
    // The page reloads itself when the job ends; the run is listed with the adapter it made.
    const past = page.locator("tr[data-job]").first();
    await past.waitFor({ timeout: 180_000 });
    const log = () => server.log().trim().split("\n").slice(-8).join("\n");
    expect(await past.getAttribute("data-state"), `${await past.textContent()}\n${log()}`).toBe("completed");
    await page.locator("#training-current").filter({ hasText: "No training is running" }).waitFor();
    const [manifest] = await listedAdapters();
    expect(manifest).toBeDefined();
    version = manifest!.version;
    expect(await past.textContent()).toContain(version);
    expect(await past.textContent()).toContain("gate passed");
    await screenshot(page, "dashboard-training");
  }, 300_000);

  it("shows the adapter with its gate, dataset and loss curve of every step", async () => {
    const [manifest] = await listedAdapters();
    await page.goto(`${server.url}/admin/adapters?version=${version}`);
    const row = page.locator(`tr[data-version="${version}"]`);
    await row
      .locator("[data-status]")
      .filter({ hasText: /^active$/ })
      .waitFor();
    await row.filter({ hasText: "passed" }).waitFor();
    await row.filter({ hasText: `${manifest!.dataset!.train}+${manifest!.dataset!.validation}` }).waitFor();
    // The chart is drawn from the step lines stored with the run: one point per step.
    const canvas = page.locator("canvas#loss-curve[data-points]");
    await canvas.waitFor();
    const steps = await canvas.evaluate(
      (element) =>
        (
          window as unknown as {
            Chart: {
              getChart(canvas: Element): { data: { datasets: { data: { x: number; y: number }[] }[] } };
            };
          }
        ).Chart.getChart(element).data.datasets[0]!.data,
    );
    const stepCount = manifest!.metrics.steps as number;
    expect(stepCount).toBeGreaterThan(1);
    expect(steps.map((point) => point.x)).toEqual(Array.from({ length: stepCount }, (_, i) => i + 1));
    expect(steps.at(-1)!.y).toBeCloseTo(manifest!.metrics.final_loss as number, 4);
    await page
      .locator("#loss-curve-note")
      .filter({ hasText: `${stepCount} steps` })
      .waitFor();
    await page.locator("ul.gate-reasons li").first().waitFor();
    await screenshot(page, "dashboard-adapters");
  });

  it("rolls back and activates again from the page, as `saiga adapters list` then says", async () => {
    await page.goto(`${server.url}/admin/adapters`);
    const status = page.locator(`tr[data-version="${version}"] [data-status]`);
    await Promise.all([page.waitForURL(/\/admin\/adapters/), page.click("button.rollback >> nth=0")]);
    await status.filter({ hasText: /^retired$/ }).waitFor();
    expect((await listedAdapters()).find((m) => m.version === version)?.status).toBe("retired");

    await Promise.all([
      page.waitForURL(/version=/),
      page.click(`tr[data-version="${version}"] button.activate`),
    ]);
    await status.filter({ hasText: /^active$/ }).waitFor();
    expect((await listedAdapters()).find((m) => m.version === version)?.status).toBe("active");
  });

  it("cancels a running training from the training page", async () => {
    await page.goto(`${server.url}/admin/training`);
    await Promise.all([page.waitForURL(/\/admin\/training$/), page.click("button.train-now")]);
    const running = page
      .locator(".training-run")
      .filter({ has: page.locator("#run-state", { hasText: /^training$/ }) });
    await running.waitFor({ timeout: 60_000 });
    const jobId = await running.getAttribute("data-job");
    await Promise.all([page.waitForURL(/\/admin\/training$/), running.locator("button.cancel").click()]);
    const row = page.locator(`tr[data-job="${jobId}"]`);
    await row.filter({ hasText: "training cancelled" }).waitFor({ timeout: 60_000 });
    expect(await row.getAttribute("data-state")).toBe("failed");
    // Nothing was registered: still the one version.
    expect((await listedAdapters()).map((m) => m.version)).toEqual([version]);

    const phone = await newPage("phone");
    await logIn(phone, server.url);
    await phone.goto(`${server.url}/admin/adapters`);
    await phone.locator("canvas#loss-curve[data-points]").waitFor();
    await screenshot(phone, "dashboard-adapters-phone");
  });
});

describe("a long run's stored loss curve", () => {
  it("keeps at most LOSS_CURVE_MAX_POINTS steps, evenly, with the first and the last", async () => {
    const redis = new Redis(REDIS_URL);
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const store = new AdapterStore({ redis, keys: new RedisKeys(prefix) });
    const steps = 2500;
    await store.saveLossCurve(
      "v1",
      Array.from({ length: steps }, (_, i) => ({ step: i + 1, loss: 5 - i / steps, tokensPerS: 100 })),
    );
    const curve = await store.lossCurve("v1");
    expect(curve).toHaveLength(LOSS_CURVE_MAX_POINTS);
    expect(curve[0]).toEqual({ step: 1, loss: 5, tokensPerS: 100 });
    expect(curve.at(-1)!.step).toBe(steps);
    const gaps = new Set(curve.slice(1).map((point, i) => point.step - curve[i]!.step));
    expect([...gaps].every((gap) => gap === 2 || gap === 3)).toBe(true);
    expect(await store.lossCurve("v2")).toEqual([]);
    await deleteKeys(redis, `*${prefix}*`);
    await redis.quit();
  });
});
