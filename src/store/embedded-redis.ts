// A private redis-server for a single-machine saiga: started from PATH as a child process, bound to
// 127.0.0.1, with its files under <dataDir>/redis and the settings BullMQ needs (AOF for durability,
// noeviction so that jobs are never evicted). It is stopped with the process that started it.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { constants } from "node:fs";
import { access, mkdir, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../log/index.js";
import { pingRedis } from "./ping-redis.js";
import {
  EmbeddedRedisStartError,
  RedisDataDirInUseError,
  RedisServerNotFoundError,
} from "./redis-setup-errors.js";

/** Options of {@link startEmbeddedRedis}. */
export interface StartEmbeddedRedisOptions {
  /** saiga's data directory; Redis keeps its AOF and `redis.log` in `<dataDir>/redis`. Required. */
  dataDir: string;
  /** Where start, stop and an unexpected exit are logged. Default: not logged. */
  log?: Logger;
  /**
   * Port on 127.0.0.1 to use when it is free; when it is taken, the OS picks a free one (`url` and
   * `port` of the result say which). Default: 6379.
   */
  port?: number;
  /** How long to wait for the first PONG (a large AOF takes a while to load). Default: 30 000 ms. */
  startTimeoutMs?: number;
}

/** A running embedded Redis. */
export interface EmbeddedRedis {
  /** `redis://127.0.0.1:<port>`, to hand to `createRedis`. */
  readonly url: string;
  readonly port: number;
  /** Process id of the redis-server. */
  readonly pid: number;
  /** Directory with the AOF and `redis.log`. */
  readonly dir: string;
  /** Shuts Redis down (SIGTERM: it fsyncs the AOF first) and waits until it has exited. Idempotent. */
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";
const DEFAULT_PORT = 6379;
const DEFAULT_START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const PORT_ATTEMPTS = 3;
/** Records which saiga process owns the redis-server running in a directory (see stopOrphan). */
const OWNER_FILE = "embedded.json";
const LOG_FILE = "redis.log";

interface OwnerRecord {
  ownerPid: number;
  redisPid: number;
  port: number;
}

/** The chosen port was taken between the check and redis-server's bind: another port is tried. */
class PortTakenError extends EmbeddedRedisStartError {}

/**
 * Starts `redis-server` (found on PATH) for this process and waits until it answers PING.
 *
 * @throws {RedisServerNotFoundError} no redis-server on PATH (the message says how to install one).
 * @throws {RedisDataDirInUseError} another running saiga process has its embedded Redis in this directory.
 * @throws {EmbeddedRedisStartError} redis-server exited or did not answer in time (with its log tail).
 */
export async function startEmbeddedRedis(options: StartEmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const binary = await findOnPath(process.platform === "win32" ? "redis-server.exe" : "redis-server");
  if (binary === null) throw new RedisServerNotFoundError();
  const dir = path.resolve(options.dataDir, "redis");
  await mkdir(dir, { recursive: true });
  await stopOrphan(dir, options.log);
  const preferred = options.port ?? DEFAULT_PORT;
  for (let attempt = 1; ; attempt++) {
    const port = attempt === 1 && (await portIsFree(preferred)) ? preferred : await freePort();
    try {
      return await launch(binary, dir, port, options);
    } catch (error) {
      if (error instanceof PortTakenError && attempt < PORT_ATTEMPTS) continue;
      throw error;
    }
  }
}

async function launch(
  binary: string,
  dir: string,
  port: number,
  options: StartEmbeddedRedisOptions,
): Promise<EmbeddedRedis> {
  const log = options.log;
  const logFile = path.join(dir, LOG_FILE);
  // Only this run's part of the log goes into error messages.
  const logOffset = (await stat(logFile).catch(() => null))?.size ?? 0;
  const args = [
    ["--bind", HOST],
    ["--port", String(port)],
    ["--dir", dir],
    ["--appendonly", "yes"],
    ["--maxmemory-policy", "noeviction"],
    // AOF is the persistence; RDB snapshots would only double the disk writes.
    ["--save", ""],
    ["--logfile", logFile],
    ["--daemonize", "no"],
  ].flat();
  // Own process group: a Ctrl-C meant for saiga must not kill Redis before saiga has shut down cleanly.
  const child = spawn(binary, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString("utf8")).slice(-4000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  // Set by the `error` event (the binary could not be run at all).
  const spawned: { error: Error | null } = { error: null };
  child.once("error", (error) => (spawned.error = error));
  const tail = async (): Promise<string> => {
    const text = (await readFrom(logFile, logOffset)) + output;
    return text
      .split("\n")
      .filter((line) => line.trim() !== "")
      .slice(-15)
      .join("\n");
  };
  const fail = async (what: string, cause?: unknown): Promise<never> => {
    child.kill("SIGKILL");
    const lines = await tail();
    const ErrorClass = lines.includes("Address already in use") ? PortTakenError : EmbeddedRedisStartError;
    throw new ErrorClass(
      `${what}; fix the cause in its log (${logFile}), or set REDIS_URL to a running Redis. The log ends with:\n` +
        (lines || "(empty)"),
      { cause },
    );
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  for (;;) {
    const error = spawned.error;
    if (error !== null) return fail(`redis-server (${binary}) could not be run: ${error.message}`, error);
    if (child.exitCode !== null || child.signalCode !== null) {
      return fail(`redis-server exited (${child.exitCode ?? child.signalCode}) before it answered PING`);
    }
    const answer = await pingRedis(HOST, port, 500);
    if (answer === "pong") break;
    if (Date.now() > deadline) {
      return fail(
        `redis-server did not answer PING on ${HOST}:${port} within ${options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS} ms`,
      );
    }
    await sleep(answer === "loading" ? 200 : 50);
  }

  const pid = child.pid ?? 0;
  await writeFile(path.join(dir, OWNER_FILE), JSON.stringify({ ownerPid: process.pid, redisPid: pid, port }));
  track(child);
  let stopping: Promise<void> | undefined;
  child.once("exit", (code, signal) => {
    untrack(child);
    if (stopping !== undefined) return;
    void tail().then((lines) =>
      log?.error(
        { code, signal, dir, log: lines },
        "the embedded Redis exited unexpectedly; restart saiga (its data is in the AOF)",
      ),
    );
  });
  // Neither the child nor its pipes keep saiga alive; the exit hook stops Redis when saiga ends.
  child.unref();
  (child.stdout as Socket | null)?.unref();
  (child.stderr as Socket | null)?.unref();
  log?.info({ port, pid, dir }, "embedded Redis started");

  const shutdown = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      // Referenced again so that a caller awaiting stop() is not cut short by an empty event loop.
      child.ref();
      child.kill("SIGTERM");
      if (!(await exited(child, STOP_TIMEOUT_MS))) {
        log?.warn({ pid }, `the embedded Redis did not stop within ${STOP_TIMEOUT_MS} ms; killing it`);
        child.kill("SIGKILL");
        await exited(child, STOP_TIMEOUT_MS);
      }
    }
    untrack(child);
    // The record may already name a successor (this server was stopped as an orphan).
    if ((await readOwner(path.join(dir, OWNER_FILE)))?.redisPid === pid) {
      await rm(path.join(dir, OWNER_FILE), { force: true });
    }
    log?.info({ port, pid }, "embedded Redis stopped");
  };
  return {
    url: `redis://${HOST}:${port}`,
    port,
    pid,
    dir,
    stop: () => (stopping ??= shutdown()),
  };
}

/** Resolves true once `child` has exited, false after `timeoutMs`. */
async function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  const timeout = new AbortController();
  return Promise.race([
    once(child, "exit").then(() => true),
    sleep(timeoutMs, false, { signal: timeout.signal }).catch(() => false),
  ]).finally(() => timeout.abort());
}

/**
 * A saiga process that was killed outright (SIGKILL, a native crash) leaves its redis-server
 * running; a second server on the same AOF would corrupt it. Stop such an orphan, but never the
 * Redis of a saiga process that is still alive.
 */
async function stopOrphan(dir: string, log: Logger | undefined): Promise<void> {
  const record = await readOwner(path.join(dir, OWNER_FILE));
  if (record === null || !isAlive(record.redisPid)) return;
  // The pid may have been reused by another program: only a Redis answering on its port counts.
  if ((await pingRedis(HOST, record.port)) === "no-answer") return;
  if (isAlive(record.ownerPid)) throw new RedisDataDirInUseError(dir, record.redisPid, record.port);
  log?.warn(
    { pid: record.redisPid, port: record.port },
    "stopping the embedded Redis that an earlier saiga process left running",
  );
  process.kill(record.redisPid, "SIGTERM");
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(record.redisPid) && Date.now() < deadline) await sleep(50);
  if (isAlive(record.redisPid)) process.kill(record.redisPid, "SIGKILL");
}

async function readOwner(file: string): Promise<OwnerRecord | null> {
  try {
    const value: unknown = JSON.parse(await readFile(file, "utf8"));
    if (typeof value !== "object" || value === null) return null;
    const { ownerPid, redisPid, port } = value as Record<string, unknown>;
    if (typeof ownerPid !== "number" || typeof redisPid !== "number" || typeof port !== "number") return null;
    return { ownerPid, redisPid, port };
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function findOnPath(command: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, command);
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function readFrom(file: string, offset: number): Promise<string> {
  try {
    const handle = await open(file, "r");
    try {
      const { size } = await handle.stat();
      const buffer = Buffer.alloc(Math.max(0, size - offset));
      await handle.read(buffer, 0, buffer.length, offset);
      return buffer.toString("utf8");
    } finally {
      await handle.close();
    }
  } catch {
    return "";
  }
}

// One set of process hooks for all running embedded servers, installed while any runs.
const running = new Set<ChildProcess>();
const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Runs synchronously at exit (normal end, process.exit()): Redis shuts itself down on SIGTERM. */
function killAll(): void {
  for (const child of running) child.kill("SIGTERM");
}

function onSignal(signal: NodeJS.Signals): void {
  // Another listener (the CLI's graceful shutdown) owns this signal; it will exit, and killAll runs then.
  if (process.listenerCount(signal) > 1) return;
  // Only ours: do what the signal would have done without us, after stopping Redis.
  killAll();
  uninstallHooks();
  process.kill(process.pid, signal);
}

function track(child: ChildProcess): void {
  if (running.size === 0) {
    process.on("exit", killAll);
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
  running.add(child);
}

function untrack(child: ChildProcess): void {
  if (!running.delete(child) || running.size > 0) return;
  uninstallHooks();
}

function uninstallHooks(): void {
  process.off("exit", killAll);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
