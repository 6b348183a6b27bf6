// `saiga data self-instruct` and its parts. The teacher is tests/helpers/scripted-openai.ts, a
// real HTTP server with scripted replies: it stands in because no real teacher model is
// reachable from the tests. Its batches mix near-duplicates of the seeds, blacklisted and
// malformed tasks with good ones; the output must be read by the trainer's own dataset parser.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blacklistedWord } from "../src/eval/self-instruct/blacklist.js";
import { rougeL, rougeLOfTokens, rougeTokens } from "../src/eval/self-instruct/rouge-l.js";
import { DEFAULT_SEEDS_FILE, readSeedTasks } from "../src/eval/self-instruct/seed-task.js";
import { SimilarityPool } from "../src/eval/self-instruct/similarity-pool.js";
import { isNoInput, parseTaskBatch } from "../src/eval/self-instruct/task-batch-parser.js";
import { SeededRandom } from "../src/gguf/index.js";
import { readSaigaJsonl } from "../src/training/index.js";
import { pythonTorchVersion } from "../src/training/trainer/trainer-process.js";
import { runSaiga } from "./helpers/run-saiga.js";
import { ScriptedOpenAI, type ScriptedRequest } from "./helpers/scripted-openai.js";

describe("ROUGE-L", () => {
  it("is the LCS F-measure on lowercased words without punctuation", () => {
    expect(rougeL("the cat sat on the mat", "the cat on the mat")).toBeCloseTo(10 / 11, 10);
    expect(rougeL("a b c d", "a c b d")).toBeCloseTo(6 / 8, 10);
    expect(rougeL("Напиши стихотворение о весне.", "напиши СТИХОТВОРЕНИЕ — о весне!")).toBe(1);
    expect(rougeL("Придумай три названия для пекарни", "Придумай пять названий для кофейни")).toBeCloseTo(
      0.4,
      10,
    );
    expect(rougeL("кошка спит", "собака бежит")).toBe(0);
    expect(rougeL("", "что-нибудь")).toBe(0);
    expect(rougeTokens("Привет, мир! 2024-й год")).toEqual(["привет", "мир", "2024", "й", "год"]);
  });

  it("the pool's word index finds exactly what comparing with every entry finds", () => {
    const random = new SeededRandom(7);
    const vocabulary = Array.from({ length: 40 }, (_, i) => `слово${i}`);
    const sentence = () =>
      Array.from(
        { length: 3 + Math.floor(random.next() * 10) },
        () => vocabulary[Math.floor(random.next() * 40)],
      ).join(" ");
    const pool = new SimilarityPool();
    const entries = Array.from({ length: 2000 }, sentence);
    for (const entry of entries) pool.add(entry);
    for (let i = 0; i < 200; i++) {
      const candidate = i % 2 === 0 ? sentence() : entries[i]!.split(" ").slice(1).join(" ");
      const words = rougeTokens(candidate);
      const best = Math.max(...entries.map((entry) => rougeLOfTokens(words, rougeTokens(entry))));
      const found = pool.similarAbove(candidate, 0.7);
      if (best > 0.7) expect(found?.score).toBeCloseTo(best, 10);
      else expect(found).toBeNull();
    }
  });
});

describe("parsing the teacher's batch", () => {
  it("reads ###-separated tasks with Задание N headers, labels and no-input markers", () => {
    const batch = parseTaskBatch(
      [
        "Вот новые задания:",
        "Задание 1",
        "Инструкция: Составь список покупок для пикника на пятерых.",
        "Вход: <нет входных данных>",
        "###",
        "Задание 2",
        "Инструкция:   Отсортируй   числа по возрастанию.  ",
        "Вход: 1. пять",
        "2. два",
        "3. девять",
        "###",
      ].join("\r\n"),
    );
    expect(batch).toEqual({
      tasks: [
        { instruction: "Составь список покупок для пикника на пятерых.", input: "" },
        { instruction: "Отсортируй числа по возрастанию.", input: "1. пять\n2. два\n3. девять" },
      ],
      unparsed: 0,
    });
  });

  it('reads numbered lists ("1." and "1)") without labels, skipping the preamble', () => {
    const batch = parseTaskBatch(
      "Конечно! Вот задания:\n\n1. Назови три самых длинных реки Европы.\n2) Объясни, как работает\nсложный процент.\n3.  Придумай слоган для велосипедного магазина.\n",
    );
    expect(batch.tasks.map((task) => task.instruction)).toEqual([
      "Назови три самых длинных реки Европы.",
      "Объясни, как работает сложный процент.",
      "Придумай слоган для велосипедного магазина.",
    ]);
    expect(batch.unparsed).toBe(0);
  });

  it('reads "Задание 1: …" with the instruction on the header line and a multi-line input', () => {
    const batch = parseTaskBatch(
      "Задание 1: Переведи на французский язык.\nВход: Доброе утро!\nКак дела?\n\nЗадание 2: Сколько будет семь умножить на восемь?\nВход: нет\n",
    );
    expect(batch.tasks).toEqual([
      { instruction: "Переведи на французский язык.", input: "Доброе утро!\nКак дела?" },
      { instruction: "Сколько будет семь умножить на восемь?", input: "" },
    ]);
  });

  it("reads rulm's numbered fields and drops the teacher's own output", () => {
    const batch = parseTaskBatch(
      "4. Instruction: Придумай название для рыбного ресторана.\n4. Input: <noinput>\n4. Output: «Улов»\n###\n5. Instruction: Определи часть речи слова.\n5. Input: быстро\n5. Output: наречие\n",
    );
    expect(batch.tasks).toEqual([
      { instruction: "Придумай название для рыбного ресторана.", input: "" },
      { instruction: "Определи часть речи слова.", input: "быстро" },
    ]);
  });

  it("reads markdown bold headers and labels", () => {
    const batch = parseTaskBatch(
      "**Задание 1**\n**Инструкция:** Напиши хокку о первом снеге.\n**Вход:** -\n\n**Задание 2.**\n- **Инструкция**: Найди синоним к слову.\n- **Вход**: «огромный»\n",
    );
    expect(batch.tasks).toEqual([
      { instruction: "Напиши хокку о первом снеге.", input: "" },
      { instruction: "Найди синоним к слову.", input: "«огромный»" },
    ]);
  });

  it("counts pieces without an instruction as unparsed", () => {
    const batch = parseTaskBatch(
      "Задание 1\nИнструкция: Объясни разницу между погодой и климатом.\nВход: нет\n###\nВход: текст без инструкции\n###\nЗадание 3\nИнструкция:\nВход: нет\n###\nкакой-то обрывок\n",
    );
    expect(batch.tasks).toEqual([{ instruction: "Объясни разницу между погодой и климатом.", input: "" }]);
    expect(batch.unparsed).toBe(3);
    expect(parseTaskBatch("").tasks).toEqual([]);
  });

  it("knows the ways of saying there is no input", () => {
    for (const marker of [
      "<нет входных данных>",
      "нет",
      "Нет.",
      "-",
      "—",
      "<noinput>",
      "  ",
      "N/A",
      "(отсутствует)",
    ])
      expect(isNoInput(marker), marker).toBe(true);
    for (const text of ["нету сил", "-5", "нет, не так"]) expect(isNoInput(text), text).toBe(false);
  });
});

describe("the blacklist", () => {
  it("catches what a text model cannot do, in Russian and English, at word starts", () => {
    expect(blacklistedWord("Нарисуй кота в сапогах")).toBe("нарисуй");
    expect(blacklistedWord("Опиши, что изображено на фотографии")).toBe("фотографии");
    expect(blacklistedWord("Прикрепи файл с отчётом")).toBe("файл");
    expect(blacklistedWord("Describe the image below")).toBe("image");
    expect(blacklistedWord("Draw a graph of sales")).toBe("draw");
    expect(blacklistedWord("Посмотри видеоролик и перескажи")).toBe("видеоролик");
    expect(blacklistedWord("Объясни фотосинтез школьнику")).toBeNull();
    expect(blacklistedWord("Напиши профиль кандидата")).toBeNull();
  });
});

describe("the shipped seeds", () => {
  it("are 20–25 Russian tasks in rulm's seed format, with and without input", async () => {
    const seeds = await readSeedTasks(DEFAULT_SEEDS_FILE);
    expect(seeds.length).toBeGreaterThanOrEqual(20);
    expect(seeds.length).toBeLessThanOrEqual(25);
    expect(seeds.filter((seed) => seed.input === "").length).toBeGreaterThan(5);
    expect(seeds.filter((seed) => seed.input !== "").length).toBeGreaterThan(5);
    for (const seed of seeds) expect(seed.instruction).toMatch(/[а-яё]/i);
  });
});

// Good tasks: unlike the seeds and each other.
const GOOD = [
  "Составь меню вегетарианского ужина из трёх блюд.",
  "Объясни, как работает ипотека с аннуитетными платежами.",
  "Напиши четверостишие про осенний дождь в городе.",
  "Придумай вопрос для викторины о планетах Солнечной системы.",
  "Какие упражнения помогают при сидячей работе?",
  "Сформулируй правило постановки запятой перед союзом «как».",
  "Предложи идею подарка бабушке на восьмидесятилетие.",
  "Расскажи, чем вымирание мамонтов связано с климатом.",
  "Дай определение термину «инфляция» для подростка.",
];

/** The teacher's batches by the order of the batch requests. */
const BATCHES = [
  [
    // near-duplicates of seeds
    "Задание 1\nИнструкция: Исправь орфографические и пунктуационные ошибки в предложении!\nВход: Он сказал что придёт.",
    "Задание 2\nИнструкция: Объясни простыми словами, почему небо днём голубое, а на закате красное.\nВход: нет",
    // blacklisted
    "Задание 3\nИнструкция: Нарисуй схему солнечной системы.\nВход: нет",
    "Задание 4\nИнструкция: Опиши, что изображено на фотографии.\nВход: <нет входных данных>",
    "Задание 5\nИнструкция: Прослушай аудиозапись и перескажи её.\nВход: -",
    // malformed
    "Вход: текст без инструкции",
    "Задание 7\nИнструкция:\nВход: нет",
    // too short
    "Задание 8\nИнструкция: Скажи привет\nВход: нет",
    // good, one of them twice
    `Задание 9\nИнструкция: ${GOOD[0]}\nВход: нет`,
    `Задание 10\nИнструкция: ${GOOD[1]}\nВход: нет`,
    `Задание 11\nИнструкция: ${GOOD[2]}\nВход: Тема: лужи, зонты, фонари.`,
    `Задание 12\nИнструкция: ${GOOD[3]}\nВход: нет`,
    `Задание 13\nИнструкция: ${GOOD[1]}\nВход: нет`,
  ].join("\n###\n"),
  ["1. Посмотри видео и составь конспект.", `2. ${GOOD[4]}`, `3. ${GOOD[5]}`, `4. ${GOOD[6]}`].join("\n"),
  // after a restart: a task already in the output (rebuilt pool) and new ones
  [`1. ${GOOD[0]}`, `2. ${GOOD[7]}`, `3. ${GOOD[8]}`].join("\n"),
];

const SYSTEM = "Ты — Сайга, тестовый ассистент.";
const PYTHON = "/usr/bin/python3";
const TORCH = pythonTorchVersion(PYTHON);
const SKIP_NOTE = TORCH ? "" : ` (skipped: ${PYTHON} cannot import torch; install Debian's python3-torch)`;
const tmp = mkdtempSync(path.join(tmpdir(), "saiga-self-instruct-"));
let teacher: ScriptedOpenAI;
const isBatchRequest = (request: ScriptedRequest) =>
  request.messages.at(-1)!.content.includes("Формат каждого задания");

beforeAll(async () => {
  let batches = 0;
  teacher = await ScriptedOpenAI.start((request) => {
    if (isBatchRequest(request)) return { content: BATCHES[batches++] ?? BATCHES[0]! };
    const user = request.messages.at(-1)!.content;
    return { content: `Ответ учителя на: ${user.split("\n")[0]}` };
  });
});
afterAll(() => teacher.close());

function selfInstruct(out: string, count: number) {
  return runSaiga(
    [
      "data",
      "self-instruct",
      "--teacher-url",
      teacher.baseUrl,
      "--teacher-model",
      "teacher-test",
      "--out",
      out,
      "--count",
      String(count),
      "--concurrency",
      "2",
      "--system",
      SYSTEM,
      "--json",
    ],
    { LOG_LEVEL: "warn" },
  );
}

describe("saiga data self-instruct on a scripted teacher", () => {
  const out = path.join(tmp, "self-instruct.jsonl");

  it("drops near-duplicates, blacklisted, malformed and short tasks and writes a file saiga train reads", async () => {
    const run = await selfInstruct(out, 6);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      count: 6,
      kept: 6,
      added: 6,
      batches: 2,
      complete: true,
      surplus: 1,
      dropped: { similar: 3, blacklisted: 4, unparsed: 2, tooShort: 1, tooLong: 0, emptyAnswer: 0 },
    });
    expect(report.teacherCalls).toBe(teacher.requests.length);

    // The batch request shows seed tasks in the requested format.
    const first = teacher.requests.find(isBatchRequest)!;
    expect(first.messages.at(-1)!.content).toMatch(/Задание 1\nИнструкция: .+\nВход: /);

    // Each kept task was answered in a call of its own, prompted the Saiga way.
    const answerRequests = teacher.requests.filter((request) => !isBatchRequest(request));
    expect(answerRequests).toHaveLength(6);
    const poem = answerRequests.find((request) => request.messages.at(-1)!.content.startsWith(GOOD[2]!))!;
    expect(poem.messages).toEqual([
      { role: "system", content: SYSTEM },
      { role: "user", content: `${GOOD[2]}\n\nТема: лужи, зонты, фонари.` },
    ]);

    // The trainer's own reader accepts the file.
    const examples = await readSaigaJsonl(out);
    expect(examples).toHaveLength(6);
    expect(examples.map((example) => example.messages.at(-2)!.content.split("\n")[0]).sort()).toEqual(
      GOOD.slice(0, 6).sort(),
    );
    for (const example of examples) {
      expect(example.messages[0]).toEqual({ role: "system", content: SYSTEM });
      expect(example.messages.at(-1)!.role).toBe("bot");
      expect(example.messages.at(-1)!.content).toMatch(/^Ответ учителя на: /);
      expect(example.label).toBe(true);
    }
  });

  it.skipIf(!TORCH)(
    `saiga train --dataset trains on the file (demo model, one step)${SKIP_NOTE}`,
    async () => {
      const adapterDir = path.join(tmp, "adapter");
      const run = await runSaiga(["train", "--dataset", out, "--out", adapterDir, "--max-steps", "1"], {
        SAIGA_TRAINING_PYTHON: PYTHON,
        LOG_LEVEL: "warn",
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/1 epochs of 6 examples/);
      expect(existsSync(path.join(adapterDir, "adapter.gguf"))).toBe(true);
    },
  );

  it("a rerun that has its count makes no teacher calls", async () => {
    const before = teacher.requests.length;
    const run = await selfInstruct(out, 6);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ kept: 6, added: 0, teacherCalls: 0, batches: 0 });
    expect(teacher.requests.length).toBe(before);
  });

  it("resumes a killed run: drops its cut-off line and rebuilds the pool from the file", async () => {
    const lines = readFileSync(out, "utf8").split("\n").filter(Boolean);
    const firstTask = JSON.parse(lines[0]!).instruction as string;
    writeFileSync(out, lines.slice(0, 4).join("\n") + "\n" + lines[4]!.slice(0, 30));
    const run = await selfInstruct(out, 6);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    // The third batch repeats a task kept before the restart: the rebuilt pool drops it.
    expect(report).toMatchObject({ kept: 6, added: 2, batches: 1, dropped: { similar: 1 } });
    const examples = await readSaigaJsonl(out);
    expect(examples).toHaveLength(6);
    expect(examples.filter((example) => example.messages.at(-2)!.content === firstTask)).toHaveLength(1);
    expect(examples.slice(4).map((example) => example.messages.at(-2)!.content)).toEqual(
      expect.arrayContaining([GOOD[7], GOOD[8]]),
    );
  });

  it("--help describes every option", async () => {
    const run = await runSaiga(["data", "self-instruct", "--help"]);
    expect(run.code).toBe(0);
    for (const option of [
      "--teacher-url",
      "--teacher-model",
      "--teacher-key-env",
      "--teacher-timeout",
      "--seeds",
      "--out",
      "--count",
      "--batch",
      "--examples",
      "--concurrency",
      "--seed",
      "--similarity",
      "--max-batches",
      "--system",
      "--json",
    ])
      expect(run.stdout).toContain(option);
    expect(run.stdout).toContain("saiga train --dataset");
    expect(run.stdout).toContain("ROUGE-L");
  });
});
