// The dashboard's feedback, evaluations and playground pages in a real browser, on a real
// `saiga start` (demo model, engine, Telegram gateway against the Bot API emulator, the API's
// HTTP server with /admin, real Redis): a 👎 pressed in Telegram shows in the counts and in the
// list of rated answers (scrubbed); a side-by-side run written by the real sbs code with a
// scripted judge is listed with its chart; the playground streams an answer. Screenshots go to
// test-results/.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnswerRecord } from "../src/eval/answer-record.js";
import { OpenAIEndpoint } from "../src/eval/openai-endpoint.js";
import { runSideBySide, writeSbsOutputs, type SideBySideResult } from "../src/eval/sbs/index.js";
import { BASE_MODEL_LABEL, feedbackTimeline } from "../src/dashboard/feedback/feedback-timeline.js";
import { newestRatedAnswers } from "../src/dashboard/feedback/rated-answers.js";
import type { FeedbackKind, FeedbackRecord } from "../src/store/feedback-store.js";
import type { ApiProcess } from "./helpers/api-harness.js";
import { BotTestbed, REDIS_URL, requestIdOf, waitUntil } from "./helpers/bot-harness.js";
import { closeBrowser, logIn, newPage, screenshot, startDashboard } from "./helpers/dashboard-browser.js";
import { runSaiga } from "./helpers/run-saiga.js";
import { ScriptedOpenAI } from "./helpers/scripted-openai.js";
import { writeJsonl } from "./helpers/write-jsonl.js";

describe("the feedback, evaluations and playground pages", () => {
  let bed: BotTestbed;
  let saiga: ApiProcess;
  let judge: ScriptedOpenAI;
  let sbs: SideBySideResult;
  const evaluations = mkdtempSync(path.join(tmpdir(), "saiga-evaluations-"));

  beforeAll(async () => {
    // A run of the real side-by-side code, judged by a script that prefers the longer answer.
    judge = await ScriptedOpenAI.start((request) => {
      const prompt = request.messages.at(-1)!.content;
      const [first, second] = [
        /<answer_a>\n([\s\S]*?)\n<\/answer_a>/,
        /<answer_b>\n([\s\S]*?)\n<\/answer_b>/,
      ].map((pattern) => pattern.exec(prompt)![1]!.length);
      const score = (own: number, other: number) => (own > other ? 8 : own < other ? 4 : 6);
      return {
        content: JSON.stringify({
          explanation: "longer is better",
          score_a: score(first!, second!),
          score_b: score(second!, first!),
        }),
      };
    });
    const tasks = ["facts", "writing", "code"].flatMap((category) =>
      [0, 1, 2].map((i) => ({ id: `${category}-${i}`, instruction: `Task ${category} ${i}`, category })),
    );
    // A is better at code and at facts-0, B at writing-1 and -2; the rest are draws.
    const side = (label: string, better: (id: string) => boolean): AnswerRecord[] =>
      tasks.map((task) => ({
        ...task,
        side: label,
        answer: `Answer${better(task.id) ? " with more detail" : ""}`,
      }));
    const a = side("adapter", (id) => id.startsWith("code") || id === "facts-0");
    const b = side("base", (id) => id === "writing-1" || id === "writing-2");
    sbs = await runSideBySide({
      a,
      b,
      judge: new OpenAIEndpoint({ url: judge.baseUrl, model: "judge-test" }),
      seed: 5,
    });
    await writeSbsOutputs(path.join(evaluations, "adapter-vs-base"), sbs);
    // And one by `saiga eval sbs` without --out: it writes into the evaluations folder.
    const inputs = mkdtempSync(path.join(tmpdir(), "saiga-sbs-inputs-"));
    const cli = await runSaiga(
      [
        "eval",
        "sbs",
        "--a",
        writeJsonl(inputs, "a.jsonl", a),
        "--b",
        writeJsonl(inputs, "b.jsonl", b),
        "--judge-url",
        judge.baseUrl,
        "--judge-model",
        "judge-test",
      ],
      { SAIGA_DASHBOARD_EVALUATIONS_DIR: evaluations },
    );
    expect(cli.code, cli.stderr).toBe(0);

    bed = await BotTestbed.create();
    saiga = await startDashboard(REDIS_URL, bed.client.prefix, {
      ...bed.env(),
      SAIGA_DASHBOARD_EVALUATIONS_DIR: evaluations,
    });
  });
  afterAll(async () => {
    await closeBrowser();
    expect(await saiga?.stop()).toBe(0);
    await bed?.close();
    await judge?.close();
  });

  it("counts a 👎 pressed in Telegram, lists the answer scrubbed, and filters 👎", async () => {
    const page = await newPage();
    await logIn(page, saiga.url);
    await page.goto(`${saiga.url}/admin/feedback`);
    await expect(count(page, "down")).resolves.toBe(0);

    const alice = bed.emulator.createUser({ languageCode: "ru" });
    bed.emulator.sendMessage({ from: alice, text: "Напиши мне на ivan.petrov@example.com, что такое Redis" });
    const [answer] = await bed.waitForAnswers(alice.id);
    const down = bed.emulator.pressButton({
      message: answer!.message,
      data: `fb:down:${requestIdOf(answer!)}`,
    });
    await bed.emulator.waitFor(() => bed.emulator.callbackAnswer(down.id));
    const bob = bed.emulator.createUser({ languageCode: "ru" });
    bed.emulator.sendMessage({ from: bob, text: "Привет!" });
    const [liked] = await bed.waitForAnswers(bob.id);
    const up = bed.emulator.pressButton({ message: liked!.message, data: `fb:up:${requestIdOf(liked!)}` });
    await bed.emulator.waitFor(() => bed.emulator.callbackAnswer(up.id));

    await page.reload();
    await expect(count(page, "down")).resolves.toBe(1);
    await expect(count(page, "up")).resolves.toBe(1);
    // Drawn by Chart.js: overall and for the bare model (the demo has no adapter).
    await expect(chartsDrawn(page, ".chart canvas[data-bar-chart]")).resolves.toBe(2);
    await expect(page.locator("figure[data-adapter]").allTextContents()).resolves.toEqual([
      expect.stringContaining("All answers"),
      expect.stringContaining("base model"),
    ]);
    const rows = page.locator("tr.rated");
    await expect(rows.count()).resolves.toBe(2);
    const disliked = page.locator('tr.rated[data-kind="down"]');
    await expect(disliked.textContent()).resolves.toContain("Напиши мне на <email>, что такое Redis");
    await expect(page.content()).resolves.not.toContain("ivan.petrov@example.com");
    const [record] = (await bed.feedback.since()).filter((vote) => vote.kind === "down");
    await expect(disliked.locator("td.answer").textContent()).resolves.toBe(record!.answer);
    await screenshot(page, "dashboard-feedback");

    await page.click("text=👎 only");
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().getAttribute("data-kind")).resolves.toBe("down");
    await page.context().close();

    const phone = await newPage("phone");
    await logIn(phone, saiga.url);
    await phone.goto(`${saiga.url}/admin/feedback`);
    await expect(count(phone, "down")).resolves.toBe(1);
    await screenshot(phone, "dashboard-feedback-phone");
    await phone.context().close();
  });

  it("lists a side-by-side run with its wins-draws-losses per category as a chart", async () => {
    const page = await newPage();
    await logIn(page, saiga.url);
    await page.goto(`${saiga.url}/admin/evaluations`);
    const ids = await page
      .locator("section[data-run]")
      .evaluateAll((runs) => runs.map((run) => run.getAttribute("data-run")));
    // Newest first: the CLI's run, named by its time, then the library's.
    expect(ids).toEqual([expect.stringMatching(/^sbs-\d{8}-\d{6}$/), "adapter-vs-base"]);
    const run = page.locator('section[data-run="adapter-vs-base"]');
    const { wins, draws, losses } = sbs.overall;
    await expect(run.locator(".wdl").textContent()).resolves.toContain(`${wins}-${draws}-${losses}`);
    await expect(run.textContent()).resolves.toMatch(/adapter\s+vs\s+base/);
    expect([wins, draws, losses]).toEqual([4, 3, 2]);
    await expect(chartsDrawn(page, "section[data-run] canvas[data-bar-chart]")).resolves.toBe(2);
    await expect(chartData(page, '[data-run="adapter-vs-base"] canvas')).resolves.toEqual({
      labels: ["code", "facts", "writing"],
      wins: [3, 1, 0],
      draws: [0, 2, 1],
      losses: [0, 0, 2],
    });
    await screenshot(page, "dashboard-evaluations");

    await run.locator("h2 a").click();
    await page.waitForURL(/\/admin\/evaluations\/adapter-vs-base$/);
    const facts = sbs.categories.facts!;
    await expect(page.locator("tbody tr", { hasText: "facts" }).textContent()).resolves.toMatch(
      new RegExp(`facts\\s*3\\s*${facts.wins}\\s*${facts.draws}\\s*${facts.losses}`),
    );
    // Only folders right inside the evaluations folder.
    for (const id of ["..%2Fadapter-vs-base", "adapter-vs-base%2F..%2Fadapter-vs-base", "no-such-run"]) {
      const response = await page.request.get(`${saiga.url}/admin/evaluations/${id}`);
      expect(response.status()).toBe(404);
    }
    await page.context().close();
  });

  it("streams an answer in the playground, the same the API gives, and refuses it without the CSRF token", async () => {
    const page = await newPage();
    await logIn(page, saiga.url);
    await page.goto(`${saiga.url}/admin/playground`);
    await page.locator('#model option[value="saiga"]').waitFor({ state: "attached" });
    await page.fill('input[name="temperature"]', "0");
    await page.fill('input[name="max_tokens"]', "48");
    await page.fill('input[name="seed"]', "7");
    // Every text the answer showed, as it changed.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const answer = document.querySelector(".turn.assistant .text");
        if (answer?.textContent) seen.push(answer.textContent);
      }).observe(document.getElementById("conversation")!, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });
    await page.fill("#prompt", "Расскажи про море");
    await page.click("#send");
    await page.locator('.turn.assistant .text[data-state="done"]').waitFor({ timeout: 60_000 });
    const text = await page.locator(".turn.assistant .text").textContent();
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(text).not.toBe("");
    // Incremental: it grew in steps, each a beginning of the final text.
    expect(new Set(seen).size).toBeGreaterThan(1);
    for (const shown of seen) expect(text!.startsWith(shown)).toBe(true);
    await screenshot(page, "dashboard-playground");

    // The same request to the API, not streamed: the same answer.
    const whole = await saiga.client().chat.completions.create({
      model: "saiga",
      messages: [{ role: "user", content: "Расскажи про море" }],
      temperature: 0,
      max_tokens: 48,
      seed: 7,
    });
    expect(whole.choices[0]!.message.content).toBe(text);

    // The session alone is not enough: the lent route wants the CSRF token too.
    const status = await page.evaluate(async () => {
      const response = await fetch("/admin/api/playground/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "saiga", messages: [{ role: "user", content: "hi" }] }),
      });
      return response.status;
    });
    expect(status).toBe(403);
    // And without a session nothing answers.
    expect((await fetch(`${saiga.url}/admin/api/playground/v1/models`)).status).toBe(401);
    const anonymous = await fetch(`${saiga.url}/admin/api/playground/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "saiga", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(anonymous.status).toBe(401);
    await page.context().close();
  });

  it("stops a streaming answer in the playground, and answers the next message", async () => {
    const page = await newPage("phone");
    await logIn(page, saiga.url);
    await page.goto(`${saiga.url}/admin/playground`);
    await page.locator('#model option[value="saiga"]').waitFor({ state: "attached" });
    await page.fill('input[name="max_tokens"]', "4000");
    await page.fill("#prompt", "Расскажи длинную историю");
    const logBefore = saiga.log().length;
    await page.click("#send");
    const first = page.locator(".turn.assistant .text").first();
    await page.waitForFunction(
      () => (document.querySelector(".turn.assistant .text")?.textContent ?? "") !== "",
    );
    await page.click("#stop");
    await page.locator('.turn.assistant .text[data-state="stopped"]').waitFor();
    await expect(page.locator("#stop").isDisabled()).resolves.toBe(true);
    const stopped = await first.textContent();
    // The server saw the browser go and cancelled the generation, counted for the dashboard. The
    // demo model samples its length: when it met its end before the click arrived, the request
    // ended on its own (logged without `aborted`), which is also a stopped stream to the page.
    const logged = await waitUntil(
      async () =>
        saiga
          .log()
          .slice(logBefore)
          .split("\n")
          .filter((line) => line.includes('"api generation"'))
          .map((line) => JSON.parse(line) as { caller?: string; aborted?: string; stream?: boolean })
          .find((entry) => entry.caller === "dashboard" && entry.stream === true),
      10_000,
      "the playground generation in the log",
    );
    expect([undefined, "client disconnected"]).toContain(logged.aborted);

    await page.fill('input[name="max_tokens"]', "16");
    await page.fill("#prompt", "А теперь коротко");
    await page.click("#send");
    await page.locator('.turn.assistant .text[data-state="done"]').waitFor({ timeout: 60_000 });
    await expect(page.locator(".turn.user").count()).resolves.toBe(2);
    await expect(first.textContent()).resolves.toBe(stopped);
    await screenshot(page, "dashboard-playground-phone");
    await page.context().close();
  });
});

describe("feedback counts and rated answers", () => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  const t0 = Date.UTC(2026, 11, 1, 10, 15);
  const vote = (
    kind: FeedbackKind,
    time: number,
    adapter: string | null = null,
    userId = "1",
  ): FeedbackRecord => ({
    kind,
    chatId: userId,
    messageId: kind === "regenerated" ? null : 1,
    requestId: `r${time}`,
    userId,
    prompt: [{ role: "user", content: "Call me at +7 912 345-67-89 or write to @ivan_petrov" }],
    answer: "Write to ivan@example.com",
    model: "demo",
    adapter,
    time,
  });

  it("counts per hour within two days, empty hours kept, overall and per adapter", () => {
    const timeline = feedbackTimeline([
      vote("up", t0),
      vote("down", t0 + 10 * 60_000, "v1"),
      vote("regenerated", t0 + 3 * HOUR, "v1"),
    ]);
    expect(timeline.bucket).toBe("hour");
    expect(timeline.totals).toEqual({ up: 1, down: 1, regenerated: 1 });
    const start = Date.UTC(2026, 11, 1, 10);
    expect(timeline.overall).toEqual([
      { start, up: 1, down: 1, regenerated: 0 },
      { start: start + HOUR, up: 0, down: 0, regenerated: 0 },
      { start: start + 2 * HOUR, up: 0, down: 0, regenerated: 0 },
      { start: start + 3 * HOUR, up: 0, down: 0, regenerated: 1 },
    ]);
    expect(Object.keys(timeline.byAdapter)).toEqual([BASE_MODEL_LABEL, "v1"]);
    expect(timeline.byAdapter.v1!.map((bucket) => bucket.down + bucket.regenerated)).toEqual([1, 0, 0, 1]);
  });

  it("counts per UTC day over longer spans, the newest 90 days at most", () => {
    const days = feedbackTimeline([vote("up", t0), vote("down", t0 + 3 * DAY)]);
    expect(days.bucket).toBe("day");
    expect(
      days.overall.map((bucket) => [
        new Date(bucket.start).toISOString().slice(0, 10),
        bucket.up + bucket.down,
      ]),
    ).toEqual([
      ["2026-12-01", 1],
      ["2026-12-02", 0],
      ["2026-12-03", 0],
      ["2026-12-04", 1],
    ]);
    const long = feedbackTimeline([vote("up", t0), vote("down", t0 + 200 * DAY)]);
    expect(long.overall).toHaveLength(90);
    expect(long.totals).toEqual({ up: 1, down: 1, regenerated: 0 });
  });

  it("lists the newest first, scrubbed as in the dataset, nothing of users who opted out, 👎 alone on request", () => {
    const records = [
      vote("up", t0, null, "1"),
      vote("down", t0 + 1, null, "2"),
      vote("down", t0 + 2, null, "3"),
    ];
    const answers = newestRatedAnswers(records, { limit: 10, optedOut: new Set(["3"]) });
    expect(answers.map((answer) => answer.time)).toEqual([t0 + 2, t0 + 1, t0]);
    expect(answers[0]).toMatchObject({ prompt: [], answer: null });
    expect(answers[1]).toMatchObject({
      prompt: [{ role: "user", content: "Call me at <phone> or write to <user>" }],
      answer: "Write to <email>",
    });
    expect(newestRatedAnswers(records, { limit: 10, kind: "down" }).map((answer) => answer.kind)).toEqual([
      "down",
      "down",
    ]);
    expect(newestRatedAnswers(records, { limit: 1 })).toHaveLength(1);
  });
});

function count(page: Page, kind: string): Promise<number> {
  return page.locator(`[data-count="${kind}"]`).textContent().then(Number);
}

/** How many of the canvases Chart.js drew on. */
function chartsDrawn(page: Page, selector: string): Promise<number> {
  return page.evaluate((selector) => {
    const chart = (window as unknown as { Chart: { getChart(canvas: Element): unknown } }).Chart;
    return [...document.querySelectorAll(selector)].filter((canvas) => chart.getChart(canvas)).length;
  }, selector);
}

/** The labels and the series (by label) Chart.js drew on the canvas matching `selector`. */
function chartData(page: Page, selector: string): Promise<unknown> {
  return page.evaluate((selector) => {
    type Drawn = { data: { labels: unknown; datasets: { label: string; data: unknown }[] } };
    const chart = (window as unknown as { Chart: { getChart(canvas: Element): Drawn } }).Chart;
    const { labels, datasets } = chart.getChart(document.querySelector(selector)!).data;
    const series = Object.fromEntries(datasets.map((set) => [set.label.split(" ")[0], set.data]));
    return { labels, ...series };
  }, selector);
}
