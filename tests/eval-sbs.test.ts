// `saiga eval sbs`: a judge compares two answer sets. No real judge is reachable from the tests,
// so the judge is a stand-in — a real HTTP server speaking the OpenAI chat API with scripted
// replies (tests/helpers/scripted-openai.ts) — that prefers the answer containing a marker and
// can be told to answer malformed verdicts, 429s or nothing at all.
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AnswerRecord } from "../src/eval/answer-record.js";
import { OpenAIEndpoint } from "../src/eval/openai-endpoint.js";
import { runSideBySide, type SideBySideOptions } from "../src/eval/sbs/index.js";
import { runSaiga } from "./helpers/run-saiga.js";
import { ScriptedOpenAI, type ScriptedRequest, type ScriptedReply } from "./helpers/scripted-openai.js";
import { writeJsonl } from "./helpers/write-jsonl.js";

const MARKER = "[лучший]";
const CATEGORIES = ["facts", "writing", "code"];

/** Twelve tasks, Russian and English; the answer with the marker is the better one. */
const TASKS = Array.from({ length: 12 }, (_, i) => ({
  id: `t${i}`,
  instruction:
    i % 2 === 0 ? `Задание номер ${i}: расскажи о чём-нибудь.` : `Task number ${i}: tell me something.`,
  category: CATEGORIES[i % 3]!,
}));
/** Which side's answer is better: A on t0-t5 but t3, B on t6-t9, neither (a draw) on t3, t10, t11. */
const BETTER: Record<string, "a" | "b" | "none"> = Object.fromEntries(
  TASKS.map((task, i) => [task.id, i === 3 || i >= 10 ? "none" : i < 6 ? "a" : "b"]),
);
const EXPECTED = { a: "win", b: "loss", none: "draw" } as const;

function answers(side: "a" | "b", label: string): AnswerRecord[] {
  return TASKS.map((task) => ({
    ...task,
    side: label,
    answer: `Answer of ${label} to ${task.id}.${BETTER[task.id] === side ? ` ${MARKER}` : ""}`,
  }));
}
const A = answers("a", "adapter");
const B = answers("b", "base");

function shown(request: ScriptedRequest) {
  const prompt = request.messages.at(-1)!.content;
  return {
    prompt,
    first: /<answer_a>\n([\s\S]*?)\n<\/answer_a>/.exec(prompt)![1]!,
    second: /<answer_b>\n([\s\S]*?)\n<\/answer_b>/.exec(prompt)![1]!,
    taskId: /(?:number|номер) (\d+)/.exec(prompt)![1]!,
  };
}

/** A fair judge: 9 for the answer with the marker, 3 for the other, 6 each when neither has it. */
function fairVerdict(request: ScriptedRequest): string {
  const { first, second } = shown(request);
  const score = (answer: string, other: string) =>
    answer.includes(MARKER) ? 9 : other.includes(MARKER) ? 3 : 6;
  return (
    "Сравниваю ответы.\n```json\n" +
    JSON.stringify({
      explanation: "one has the marker",
      score_a: score(first, second),
      score_b: score(second, first),
    }) +
    "\n```"
  );
}

const servers: ScriptedOpenAI[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function judgeServer(script: (request: ScriptedRequest) => ScriptedReply) {
  const server = await ScriptedOpenAI.start(script);
  servers.push(server);
  return server;
}

function endpoint(server: ScriptedOpenAI, extra: { timeoutMs?: number; maxRetries?: number } = {}) {
  return new OpenAIEndpoint({ url: server.baseUrl, model: "judge-test", ...extra });
}

function run(judge: OpenAIEndpoint, options: Partial<SideBySideOptions> = {}) {
  return runSideBySide({ a: A, b: B, judge, seed: 7, failurePauseMs: 10, ...options });
}

describe("side by side with a judge", () => {
  it("counts every paired task once and maps a swapped order back to the sides", async () => {
    const server = await judgeServer((request) => ({ content: fairVerdict(request) }));
    const extra = { id: "only-a", instruction: "Extra task.", answer: "x", side: "adapter" };
    const result = await run(endpoint(server), { a: [...A, extra] });

    expect(result.sideA).toBe("adapter");
    expect(result.sideB).toBe("base");
    for (const verdict of result.verdicts)
      expect(verdict.outcome, verdict.id).toBe(EXPECTED[BETTER[verdict.id]!]);
    const firsts = result.verdicts.map((verdict) => verdict.orderings[0]!.sideAFirst);
    expect(firsts).toContain(true);
    expect(firsts).toContain(false);

    const o = result.overall;
    expect([o.tasks, o.wins, o.draws, o.losses, o.unparsed, o.failed]).toEqual([12, 5, 3, 4, 0, 0]);
    expect(o.winRate).toBeCloseTo((5 + 3 / 2) / 12);
    const [low, high] = o.winRateInterval!;
    expect(low).toBeLessThanOrEqual(o.winRate!);
    expect(high).toBeGreaterThanOrEqual(o.winRate!);
    expect(Object.keys(result.categories)).toEqual([...CATEGORIES].sort());
    const perCategory = Object.values(result.categories).reduce((sum, tally) => sum + tally.tasks, 0);
    expect(perCategory).toBe(12);
    expect(result.missing).toEqual({ onlyA: ["only-a"], onlyB: [] });

    // Russian tasks get the Russian prompt, English ones the English prompt.
    const russian = server.requests.find((request) => shown(request).prompt.includes("Задание номер"))!;
    expect(russian.messages[0]!.content).toMatch(/беспристрастный/);
    const english = server.requests.find((request) => shown(request).prompt.startsWith("Task:"))!;
    expect(english.messages[0]!.content).toMatch(/impartial/);

    // The same seed gives the same assignment.
    const again = await run(endpoint(server));
    expect(again.verdicts.map((v) => v.orderings[0]!.sideAFirst)).toEqual(firsts);
  });

  it("with both orders, a judge that always prefers the first answer gives only draws", async () => {
    const server = await judgeServer(() => ({
      content: '{"explanation":"first is best","score_a":8,"score_b":4}',
    }));
    const result = await run(endpoint(server), { bothOrders: true });
    expect(server.requests).toHaveLength(24);
    expect(result.overall).toMatchObject({ tasks: 12, wins: 0, draws: 12, losses: 0 });
    for (const verdict of result.verdicts)
      expect(verdict.orderings.map((ordering) => ordering.sideAFirst).sort()).toEqual([false, true]);

    // A fair judge agrees with itself in both orders.
    const fair = await judgeServer((request) => ({ content: fairVerdict(request) }));
    const fairResult = await run(endpoint(fair), { bothOrders: true });
    expect(fairResult.overall).toMatchObject({ wins: 5, draws: 3, losses: 4 });
  });

  it("asks again after a malformed verdict, and reports the ones that stay malformed", async () => {
    const asked = new Map<string, number>();
    const server = await judgeServer((request) => {
      const { taskId } = shown(request);
      const n = asked.get(taskId) ?? 0;
      asked.set(taskId, n + 1);
      if (taskId === "11") return { content: "Both answers are fine, I cannot decide." };
      // Malformed first: no JSON at all, or a score out of range.
      if (n === 0)
        return {
          content: Number(taskId) % 2 ? "score_a: 9" : '{"explanation":"x","score_a":11,"score_b":3}',
        };
      return { content: fairVerdict(request) };
    });
    const result = await run(endpoint(server), { retries: 1 });
    expect(result.overall).toMatchObject({ tasks: 12, wins: 5, draws: 2, losses: 4, unparsed: 1 });
    const o = result.overall;
    expect(o.wins + o.draws + o.losses + o.unparsed + o.failed).toBe(12);
    expect(server.requests).toHaveLength(24);
    const t11 = result.verdicts.find((verdict) => verdict.id === "t11")!;
    expect(t11.outcome).toBe("unparsed");
    expect(t11.orderings[0]!.problem).toMatch(/cannot decide/);
    expect(o.winRate).toBeCloseTo((5 + 1) / 11);
  });

  it("survives 429s, a storm longer than the client's retries, and a judge that never answers", async () => {
    const asked = new Map<string, number>();
    const server = await judgeServer((request) => {
      const { taskId } = shown(request);
      const n = asked.get(taskId) ?? 0;
      asked.set(taskId, n + 1);
      const rateLimited = { status: 429, headers: { "retry-after-ms": "20", "retry-after": "0" } };
      if (taskId === "0" && n < 4) return rateLimited; // within the client's retries
      if (taskId === "1" && n < 4) return rateLimited; // a storm: 3 client attempts fail, then ours
      if (taskId === "2" && n === 0) return { hang: true }; // times out, is retried
      return { content: fairVerdict(request) };
    });
    const result = await run(endpoint(server, { timeoutMs: 800, maxRetries: 2 }), { concurrency: 6 });
    expect(result.overall).toMatchObject({ tasks: 12, wins: 5, draws: 3, losses: 4, unparsed: 0, failed: 0 });
    expect(asked.get("1")).toBe(5);
    expect(asked.get("2")).toBe(2);
  });

  it("counts a judge that stays unreachable as failed, without failing the run", async () => {
    const server = await judgeServer(() => ({ status: 503 }));
    const result = await run(endpoint(server, { maxRetries: 0 }), { retries: 1 });
    expect(result.overall).toMatchObject({ tasks: 12, failed: 12, winRate: null });
    expect(result.verdicts[0]!.orderings[0]!.problem).toMatch(/HTTP 503/);
  });
});

describe("saiga eval sbs", () => {
  it("writes the report, result and chart, and a rerun asks the judge nothing", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "saiga-sbs-"));
    const server = await judgeServer((request) => ({ content: fairVerdict(request) }));
    const a = writeJsonl(dir, "a.jsonl", A);
    const b = writeJsonl(dir, "b.jsonl", B.slice(0, 11)); // t11 only answered by A
    const out = path.join(dir, "out");
    const args = [
      "eval",
      "sbs",
      "--a",
      a,
      "--b",
      b,
      "--judge-url",
      server.baseUrl,
      "--judge-model",
      "judge-test",
    ];
    const env = { SAIGA_TRAINING_GATE_JUDGE_API_KEY: "sk-secret-judge-key" };

    const first = await runSaiga([...args, "--out", out, "--seed", "3", "--concurrency", "3"], env);
    expect(first.stderr + first.stdout).not.toContain("sk-secret-judge-key");
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("adapter vs base: 5-2-4 (wins-draws-losses) over 11 tasks");
    expect(first.stdout).toContain("not counted: 1 answered only by A, 0 only by B");
    expect(first.stdout).toContain("judge calls: 11");
    expect(server.requests).toHaveLength(11);
    expect(server.requests[0]!.body.model).toBe("judge-test");

    const result = JSON.parse(readFileSync(path.join(out, "result.json"), "utf8")) as {
      overall: { tasks: number };
      missing: { onlyA: string[] };
    };
    expect(result.overall.tasks).toBe(11);
    expect(result.missing.onlyA).toEqual(["t11"]);
    const report = readFileSync(path.join(out, "report.md"), "utf8");
    expect(report).toContain("5-2-4");
    expect(report).toContain("| facts |");
    expect(report).toContain("t11");

    const chart = path.join(out, "chart.svg");
    expect(statSync(chart).size).toBeGreaterThan(2000);
    const svg = readFileSync(chart, "utf8");
    expect(wellFormedXmlProblem(svg)).toBeNull();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    for (const category of CATEGORIES) expect(svg).toContain(`>${category}</text>`);
    expect(svg.match(/<rect /g)!.length).toBeGreaterThan(10);

    const rerun = await runSaiga([...args, "--out", out, "--seed", "3"], env);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain("judge calls: 0");
    expect(rerun.stdout).toContain("5-2-4");
    expect(server.requests).toHaveLength(11);
    expect(existsSync(path.join(out, "judgements.jsonl"))).toBe(true);
  });

  it("says what is missing without a judge", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "saiga-sbs-"));
    const a = writeJsonl(dir, "a.jsonl", A);
    const run = await runSaiga(["eval", "sbs", "--a", a, "--b", a, "--out", path.join(dir, "out")]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("--judge-url");
  });

  it("--help lists every option", async () => {
    const help = await runSaiga(["eval", "sbs", "--help"]);
    expect(help.code).toBe(0);
    for (const option of [
      "--a <answers.jsonl>",
      "--b <answers.jsonl>",
      "--judge-url <url>",
      "--judge-model <name>",
      "--judge-key-env <var>",
      "--out <dir>",
      "--both-orders",
      "--seed <n>",
      "--concurrency <n>",
      "--retries <n>",
      "--timeout <seconds>",
      "SAIGA_TRAINING_GATE_JUDGE_API_KEY",
      "wins-draws-losses",
    ])
      expect(help.stdout).toContain(option);
  });
});

/**
 * Why `text` is not well-formed XML, or null: one root element, every tag closed in order,
 * attributes quoted, only the predefined or numeric entities. (No XML parser is a dependency.)
 */
function wellFormedXmlProblem(text: string): string | null {
  const open: string[] = [];
  let roots = 0;
  const token =
    /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/g;
  for (const match of text.matchAll(token)) {
    const [whole, closing, name, , selfClosing] = match;
    if (!name) return `stray ${whole} at ${match.index}`;
    if (closing) {
      if (open.pop() !== name) return `unexpected </${name}> at ${match.index}`;
    } else {
      if (open.length === 0 && ++roots > 1) return `second root <${name}>`;
      if (!selfClosing) open.push(name);
    }
  }
  return open.length ? `unclosed <${open.at(-1)}>` : roots === 1 ? null : "no root element";
}
