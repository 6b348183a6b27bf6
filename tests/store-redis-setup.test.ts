// Finding, starting and connecting to Redis, on real redis-server processes (no mocks): the
// embedded server, ensureRedis's order of choice, the eviction check and reconnecting.
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { Redis, type Cluster } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createLogger, type Logger } from "../src/log/index.js";
import { checkEvictionPolicy } from "../src/store/check-eviction-policy.js";
import { createRedis } from "../src/store/redis-connection.js";
import { ensureRedis } from "../src/store/ensure-redis.js";
import { pingRedis } from "../src/store/ping-redis.js";
import {
  EmbeddedRedisStartError,
  RedisAuthError,
  RedisDataDirInUseError,
  RedisServerNotFoundError,
  RedisUnavailableError,
} from "../src/store/redis-setup-errors.js";
import { redisUrlForLog } from "../src/store/redis-url-for-log.js";
import { startEmbeddedRedis, type EmbeddedRedis } from "../src/store/embedded-redis.js";

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}
const WARN = 40;
const INFO = 30;

/** A JSON logger whose lines land in an array. */
function captureLog(): { log: Logger; lines: LogLine[]; text: () => string } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() !== "") lines.push(JSON.parse(line) as LogLine);
      }
      callback();
    },
  });
  const log = createLogger({ format: "json", level: "debug", destination });
  return { log, lines, text: () => lines.map((line) => JSON.stringify(line)).join("\n") };
}

const tempDirs: string[] = [];
const servers: EmbeddedRedis[] = [];
const connections: (Redis | Cluster)[] = [];

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "saiga-redis-"));
  tempDirs.push(dir);
  return dir;
}

async function embedded(dir?: string, port?: number, log?: Logger): Promise<EmbeddedRedis> {
  const server = await startEmbeddedRedis({ dataDir: dir ?? (await dataDir()), port, log });
  servers.push(server);
  return server;
}

function connect(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on("error", () => {});
  connections.push(redis);
  return redis;
}

/** A port that nothing listens on (taken from the OS, then released). */
async function unusedPort(): Promise<number> {
  const server = await listen(0);
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterEach(async () => {
  for (const redis of connections.splice(0)) redis.disconnect();
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("startEmbeddedRedis", () => {
  it("starts on a free port when the preferred one is taken, with AOF and noeviction", async () => {
    const blocker = await listen(0);
    const taken = (blocker.address() as { port: number }).port;
    try {
      const dir = await dataDir();
      const server = await embedded(dir, taken);
      expect(server.port).not.toBe(taken);
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect(server.dir).toBe(path.join(dir, "redis"));
      const redis = connect(server.url);
      expect(await redis.config("GET", "appendonly")).toEqual(["appendonly", "yes"]);
      expect(await redis.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "noeviction"]);
      expect(await redis.config("GET", "save")).toEqual(["save", ""]);
      expect(await redis.config("GET", "bind")).toEqual(["bind", "127.0.0.1"]);
      expect(await redis.config("GET", "dir")).toEqual(["dir", server.dir]);
      expect(existsSync(path.join(server.dir, "redis.log"))).toBe(true);
    } finally {
      blocker.close();
    }
  });

  it("keeps data across stop and start (AOF); stop() is idempotent and the process is gone", async () => {
    const dir = await dataDir();
    const first = await embedded(dir);
    const before = connect(first.url);
    await before.set("saiga:test:kept", "still here");
    before.disconnect();

    const stopping = first.stop();
    expect(first.stop()).toBe(stopping);
    await stopping;
    await first.stop();
    expect(isAlive(first.pid)).toBe(false);
    expect(await pingRedis("127.0.0.1", first.port)).toBe("no-answer");
    expect(existsSync(path.join(first.dir, "embedded.json"))).toBe(false);

    const second = await embedded(dir);
    expect(second.pid).not.toBe(first.pid);
    expect(await connect(second.url).get("saiga:test:kept")).toBe("still here");
  });

  it("refuses a data directory whose Redis belongs to a live process, and stops an orphaned one", async () => {
    const { log, lines } = captureLog();
    const dir = await dataDir();
    const first = await embedded(dir, undefined, log);
    await expect(startEmbeddedRedis({ dataDir: dir })).rejects.toBeInstanceOf(RedisDataDirInUseError);
    expect(isAlive(first.pid)).toBe(true);

    // Pretend the owner was killed outright: its pid now belongs to a process that has exited.
    const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid;
    const record = path.join(first.dir, "embedded.json");
    const owner = JSON.parse(await readFile(record, "utf8")) as Record<string, number>;
    await writeFile(record, JSON.stringify({ ...owner, ownerPid: dead }));

    const second = await embedded(dir, undefined, log);
    expect(isAlive(first.pid)).toBe(false);
    expect(second.pid).not.toBe(first.pid);
    expect(lines.some((line) => line.level === WARN && /left running/.test(line.msg))).toBe(true);
  });

  it("reports a redis-server that cannot start with the tail of its log", async () => {
    const dir = await dataDir();
    await mkdir(path.join(dir, "redis", "appendonlydir"), { recursive: true });
    await writeFile(path.join(dir, "redis", "appendonlydir", "appendonly.aof.manifest"), "garbage\n");
    const error = await startEmbeddedRedis({ dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddedRedisStartError);
    expect(error).toMatchObject({ code: "EMBEDDED_REDIS_START_FAILED" });
    expect((error as Error).message).toMatch(/exited \(1\) before it answered PING/);
    expect((error as Error).message).toMatch(/manifest/i);
  });

  it("without redis-server on PATH, says in one line how to install one", async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = await dataDir();
    try {
      const error = await startEmbeddedRedis({ dataDir: await dataDir() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisServerNotFoundError);
      const { message, code } = error as RedisServerNotFoundError;
      expect(code).toBe("REDIS_SERVER_NOT_FOUND");
      expect(message).not.toContain("\n");
      expect(message).toContain("apt-get install redis-server");
      expect(message).toContain("brew install redis");
      expect(message).toContain("REDIS_URL");

      const viaEnsure = ensureRedis({
        configuredUrl: null,
        dataDir: await dataDir(),
        log: captureLog().log,
        embedded: true,
        localPort: await unusedPort(),
      });
      await expect(viaEnsure).rejects.toBeInstanceOf(RedisServerNotFoundError);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

describe("ensureRedis", () => {
  it("prefers the configured URL over a Redis on 127.0.0.1", async () => {
    const configured = await embedded();
    const local = await embedded();
    const { log } = captureLog();
    const chosen = await ensureRedis({
      configuredUrl: configured.url,
      dataDir: await dataDir(),
      log,
      embedded: true,
      localPort: local.port,
    });
    expect(chosen).toEqual({ url: configured.url, embedded: null });
  });

  it("uses the Redis answering on 127.0.0.1 when no URL is configured", async () => {
    const local = await embedded();
    const chosen = await ensureRedis({
      configuredUrl: null,
      dataDir: await dataDir(),
      log: captureLog().log,
      embedded: true,
      localPort: local.port,
    });
    expect(chosen).toEqual({ url: `redis://127.0.0.1:${local.port}`, embedded: null });
  });

  it("uses 127.0.0.1:6379 by default when a Redis answers there", async (context) => {
    if ((await pingRedis("127.0.0.1", 6379)) !== "pong") context.skip();
    const chosen = await ensureRedis({
      configuredUrl: null,
      dataDir: await dataDir(),
      log: captureLog().log,
      embedded: false,
    });
    expect(chosen).toEqual({ url: "redis://127.0.0.1:6379", embedded: null });
  });

  it("starts an embedded Redis only when allowed and nothing answers", async () => {
    const port = await unusedPort();
    const dir = await dataDir();
    const refused = await ensureRedis({
      configuredUrl: null,
      dataDir: dir,
      log: captureLog().log,
      embedded: false,
      localPort: port,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RedisUnavailableError);
    expect((refused as RedisUnavailableError).message).toContain("REDIS_URL");

    const chosen = await ensureRedis({
      configuredUrl: null,
      dataDir: dir,
      log: captureLog().log,
      embedded: true,
      localPort: port,
    });
    expect(chosen.embedded).not.toBeNull();
    if (chosen.embedded) servers.push(chosen.embedded);
    expect(chosen.url).toBe(`redis://127.0.0.1:${port}`);
    expect(await connect(chosen.url).ping()).toBe("PONG");
  });

  it("reports a Redis that wants another password as an auth error, and a down one only as a warning", async () => {
    const server = await embedded();
    await connect(server.url).config("SET", "requirepass", "s3cret-pw");
    const base = { dataDir: await dataDir(), embedded: false };

    const local = ensureRedis({
      ...base,
      configuredUrl: null,
      log: captureLog().log,
      localPort: server.port,
    });
    await expect(local).rejects.toBeInstanceOf(RedisAuthError);
    const wrong = `redis://:wrong@127.0.0.1:${server.port}`;
    await expect(ensureRedis({ ...base, configuredUrl: wrong, log: captureLog().log })).rejects.toMatchObject(
      {
        code: "REDIS_AUTH_FAILED",
      },
    );
    const right = `redis://:s3cret-pw@127.0.0.1:${server.port}`;
    const logged = captureLog();
    expect(await ensureRedis({ ...base, configuredUrl: right, log: logged.log })).toEqual({
      url: right,
      embedded: null,
    });
    expect(logged.text()).not.toContain("s3cret-pw");

    const down = captureLog();
    const downUrl = `redis://127.0.0.1:${await unusedPort()}`;
    expect(await ensureRedis({ ...base, configuredUrl: downUrl, log: down.log })).toEqual({
      url: downUrl,
      embedded: null,
    });
    expect(down.lines.filter((line) => line.level === WARN).map((line) => line.msg)).toEqual([
      "Redis is not reachable yet; continuing, connections retry until it is",
    ]);
  });
});

describe("checkEvictionPolicy", () => {
  it("warns once, saying what to set, when the policy is not noeviction; silent for noeviction", async () => {
    const server = await embedded();
    const redis = connect(server.url);

    const quiet = captureLog();
    expect(await checkEvictionPolicy(redis, quiet.log)).toEqual({
      maxmemoryPolicy: "noeviction",
      maxmemory: 0,
      appendonly: true,
    });
    expect(quiet.lines.filter((line) => line.level >= INFO)).toEqual([]);

    await redis.config("SET", "maxmemory-policy", "allkeys-lru");
    const loud = captureLog();
    await checkEvictionPolicy(redis, loud.log);
    const warnings = loud.lines.filter((line) => line.level >= INFO);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.level).toBe(WARN);
    expect(warnings[0]?.msg).toContain("allkeys-lru");
    expect(warnings[0]?.msg).toContain("maxmemory-policy noeviction");

    // The same warning reaches the log of ensureRedis for a configured Redis.
    const viaEnsure = captureLog();
    await ensureRedis({
      configuredUrl: server.url,
      dataDir: await dataDir(),
      log: viaEnsure.log,
      embedded: false,
    });
    expect(viaEnsure.lines.filter((line) => line.level === WARN)).toHaveLength(1);
  });

  it("notes at info level that AOF is off", async () => {
    const server = await embedded();
    const redis = connect(server.url);
    await redis.config("SET", "appendonly", "no");
    const { log, lines } = captureLog();
    await checkEvictionPolicy(redis, log);
    const notes = lines.filter((line) => line.level >= INFO);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.level).toBe(INFO);
    expect(notes[0]?.msg).toContain("appendonly");
  });

  it("falls back to INFO where CONFIG is forbidden, and goes on quietly where both are", async () => {
    const server = await embedded();
    const admin = connect(server.url);
    await admin.config("SET", "maxmemory-policy", "volatile-lru");
    await admin.acl("SETUSER", "noconfig", "on", ">pw1", "~*", "&*", "+@all", "-config");
    await admin.acl("SETUSER", "nothing", "on", ">pw2", "~*", "&*", "+@all", "-config", "-info");

    const viaInfo = captureLog();
    const settings = await checkEvictionPolicy(
      connect(`redis://noconfig:pw1@127.0.0.1:${server.port}`),
      viaInfo.log,
    );
    expect(settings).toEqual({ maxmemoryPolicy: "volatile-lru", maxmemory: 0, appendonly: true });
    expect(viaInfo.lines.filter((line) => line.level === WARN)).toHaveLength(1);

    const blind = captureLog();
    expect(
      await checkEvictionPolicy(connect(`redis://nothing:pw2@127.0.0.1:${server.port}`), blind.log),
    ).toBeNull();
    expect(blind.lines.filter((line) => line.level >= INFO)).toEqual([]);
    expect(blind.lines.length).toBeGreaterThan(0);
  });
});

describe("createRedis", () => {
  it("survives a Redis restart: worker commands issued during the outage complete afterwards", async () => {
    const dir = await dataDir();
    const first = await embedded(dir);
    const { log, lines, text } = captureLog();
    const worker = createRedis(first.url, { role: "worker", log, name: "test-worker" });
    const client = createRedis(first.url, { role: "client", log, name: "test-client" });
    connections.push(worker, client);
    await worker.set("saiga:test:outage", "before");
    expect(await client.get("saiga:test:outage")).toBe("before");
    expect(await worker.client("GETNAME")).toBe("test-worker");

    await first.stop();
    const pending = worker.get("saiga:test:outage");
    const pendingWrite = worker.set("saiga:test:during", "queued");
    // A client gives up after a few reconnect attempts instead of hanging a request.
    await expect(client.get("saiga:test:outage")).rejects.toThrow(/max retries/i);

    const second = await embedded(dir, first.port);
    expect(second.port).toBe(first.port);
    expect(await pending).toBe("before");
    expect(await pendingWrite).toBe("OK");
    expect(await client.get("saiga:test:during")).toBe("queued");

    const workerLines = lines.filter((line) => line.connection === "test-worker" && line.level >= INFO);
    expect(workerLines.map((line) => [line.level, line.msg])).toEqual([
      [INFO, "connected to Redis"],
      [WARN, "lost the connection to Redis; reconnecting every ≤2 s until it is back"],
      [INFO, "reconnected to Redis"],
    ]);
    expect(text()).toContain(first.url);
  });

  it("never logs the password of the URL", async () => {
    const server = await embedded();
    await connect(server.url).config("SET", "requirepass", "very-secret-pw");
    const { log, text } = captureLog();
    const redis = createRedis(`redis://:very-secret-pw@127.0.0.1:${server.port}`, { role: "client", log });
    connections.push(redis);
    expect(await redis.ping()).toBe("PONG");
    const ended = once(redis, "end");
    await redis.quit();
    await ended;
    expect(text()).toContain(`redis://:***@127.0.0.1:${server.port}`);
    expect(text()).toContain("closed the Redis connection");
    expect(text()).not.toContain("very-secret-pw");
  });

  it("redisUrlForLog hides passwords wherever the URL carries them", () => {
    expect(redisUrlForLog("redis://:pw@10.0.0.5:6379/2")).toBe("redis://:***@10.0.0.5:6379/2");
    expect(redisUrlForLog("rediss://user:pw@host:6380")).toBe("rediss://user:***@host:6380");
    expect(redisUrlForLog("redis://host:6379?password=pw")).toBe("redis://host:6379?password=***");
    expect(redisUrlForLog("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
  });
});
