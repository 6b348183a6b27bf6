// A real Redis Cluster on loopback for tests: 3 masters with 1 replica each, `redis-server
// --cluster-enabled yes` in a temp dir, joined by `redis-cli --cluster create`. Also a Sentinel
// set-up (1 master, 1 replica, sentinels). Everything is stopped and removed by `stop()`.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";

const run = promisify(execFile);

/** A node process of a local cluster. */
interface NodeProcess {
  port: number;
  child: ChildProcess;
}

/** A running local Redis Cluster. */
export interface LocalRedisCluster {
  /** `redis+cluster://127.0.0.1:P1,…` naming every node. */
  url: string;
  ports: number[];
  /**
   * SIGKILLs the master of the slot of `key` (default: the master with the lowest port) and waits
   * until a replica took its slots over and every live node says `cluster_state:ok`.
   * Returns the killed port.
   */
  killMaster(key?: string): Promise<number>;
  /** Kills every node and removes its files. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisCluster}. */
export interface StartRedisClusterOptions {
  /** cluster-node-timeout: how soon a dead master is failed over. Default: 1000 ms. */
  nodeTimeoutMs?: number;
}

/** Whether `port` (and `port + 10000`, the cluster bus port) can be listened on at 127.0.0.1. */
async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** `count` ports that are free, each with its bus port (+10000) free too. */
async function freePorts(count: number, busOffset = 10000): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 20000 + Math.floor(Math.random() * 25000);
    if (ports.includes(port) || ports.includes(port + busOffset) || ports.includes(port - busOffset))
      continue;
    if ((await portFree(port)) && (busOffset === 0 || (await portFree(port + busOffset)))) ports.push(port);
  }
  return ports;
}

function startServer(dir: string, port: number, args: string[]): NodeProcess {
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
      "--logfile",
      `redis-${port}.log`,
      // A replica's first sync at once (default: 5 s later); until then it cannot take over.
      "--repl-diskless-sync-delay",
      "0",
      ...args,
    ],
    { stdio: "ignore" },
  );
  return { port, child };
}

/** Polls `check` every 100 ms until it returns true. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs `use` on a throwaway connection to one node. */
async function withNode<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    port,
    host: "127.0.0.1",
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** Runs one command on one node with a throwaway connection. */
function ask(port: number, ...command: string[]): Promise<string> {
  return withNode(port, async (redis) => String(await redis.call(command[0]!, ...command.slice(1))));
}

async function stopAll(nodes: NodeProcess[], dir: string): Promise<void> {
  await Promise.all(
    nodes.map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }),
  );
  await rm(dir, { recursive: true, force: true });
}

/** Starts 6 nodes and creates a cluster of 3 masters with a replica each; waits for `cluster_state:ok`. */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<LocalRedisCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), "saiga-cluster-"));
  const ports = await freePorts(6);
  const nodes = ports.map((port) =>
    startServer(dir, port, [
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      `nodes-${port}.conf`,
      "--cluster-node-timeout",
      String(options.nodeTimeoutMs ?? 1000),
      "--maxmemory-policy",
      "noeviction",
    ]),
  );
  const live = (): number[] =>
    nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null).map((n) => n.port);
  const clusterOk = async (): Promise<boolean> => {
    for (const port of live())
      if (!(await ask(port, "CLUSTER", "INFO")).includes("cluster_state:ok")) return false;
    return true;
  };
  try {
    await until("the cluster nodes to listen", async () => {
      for (const port of ports) if ((await ask(port, "PING")) !== "PONG") return false;
      return true;
    });
    await run("redis-cli", [
      "--cluster",
      "create",
      ...ports.map((port) => `127.0.0.1:${port}`),
      "--cluster-replicas",
      "1",
      "--cluster-yes",
    ]);
    await until("cluster_state:ok", clusterOk);
    // A replica that has not synced yet never takes over: wait for every replica's link.
    await until("every replica to sync with its master", async () => {
      let replicas = 0;
      for (const port of ports) {
        const info = await ask(port, "INFO", "replication");
        if (!info.includes("role:slave")) continue;
        if (!info.includes("master_link_status:up")) return false;
        replicas++;
      }
      return replicas === 3;
    });
    // Every node must also know every other one, or a client's first CLUSTER SLOTS may miss a replica.
    await until("every node to see 6 nodes", async () => {
      for (const port of ports)
        if ((await ask(port, "CLUSTER", "NODES")).trim().split("\n").length !== 6) return false;
      return true;
    });
  } catch (error) {
    await stopAll(nodes, dir);
    throw error;
  }

  return {
    url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(",")}`,
    ports,
    async killMaster(key?: string) {
      const port =
        key === undefined ? Math.min(...(await mastersOf(live()[0]!))) : await masterOfKey(live()[0]!, key);
      const victim = nodes.find((n) => n.port === port)!;
      const exited = new Promise((resolve) => victim.child.once("exit", resolve));
      victim.child.kill("SIGKILL");
      await exited;
      await until(
        `a replica to take over from the master on ${port}`,
        async () => {
          // Right after the kill the others still list it as a master: wait until they mark it failed.
          for (const other of live()) {
            const masters = await mastersOf(other);
            if (masters.includes(port) || masters.length !== 3) return false;
          }
          return clusterOk();
        },
        60_000,
      );
      return port;
    },
    stop: () => stopAll(nodes, dir),
  };
}

/** Ports of the masters that serve slots and are not failed, as one node sees them. */
async function mastersOf(port: number): Promise<number[]> {
  return (await ask(port, "CLUSTER", "NODES"))
    .trim()
    .split("\n")
    .map((line) => line.split(" "))
    .filter((f) => f[2]!.includes("master") && !f[2]!.includes("fail") && f.length > 8)
    .map((f) => Number(/:(\d+)@/.exec(f[1]!)![1]));
}

/** Port of the master that serves `key`'s slot. */
async function masterOfKey(port: number, key: string): Promise<number> {
  const slot = Number(await ask(port, "CLUSTER", "KEYSLOT", key));
  return withNode(port, async (redis) => {
    const ranges = (await redis.call("CLUSTER", "SLOTS")) as [number, number, [string, number]][];
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (range === undefined) throw new Error(`no master serves slot ${slot}`);
    return range[2][1];
  });
}

/** A running local Sentinel set-up. */
export interface LocalRedisSentinel {
  /** `redis+sentinel://127.0.0.1:S1,…/<masterName>`. */
  url: string;
  masterName: string;
  masterPort: number;
  replicaPort: number;
  /** SIGKILLs the master and waits until the sentinels name the replica as master. */
  killMaster(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a master, one replica and `sentinels` sentinels (quorum: a majority) on loopback. */
export async function startRedisSentinel(sentinels = 1): Promise<LocalRedisSentinel> {
  const dir = await mkdtemp(path.join(tmpdir(), "saiga-sentinel-"));
  const [masterPort, replicaPort, ...sentinelPorts] = await freePorts(2 + sentinels, 0);
  const masterName = "saiga-test-master";
  const nodes = [
    startServer(dir, masterPort!, ["--dbfilename", "master.rdb"]),
    startServer(dir, replicaPort!, [
      "--dbfilename",
      "replica.rdb",
      "--replicaof",
      "127.0.0.1",
      String(masterPort),
    ]),
  ];
  const sentinelMaster = async (port: number): Promise<number> => {
    const reply = await ask(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName);
    return Number(reply.split(",")[1]);
  };
  try {
    await until(
      "the master and replica to listen",
      async () => (await ask(masterPort!, "PING")) === "PONG" && (await ask(replicaPort!, "PING")) === "PONG",
    );
    for (const port of sentinelPorts) {
      const file = path.join(dir, `sentinel-${port}.conf`);
      await writeFile(
        file,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} ${Math.floor(sentinels / 2) + 1}`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 5000`,
          "",
        ].join("\n"),
      );
      nodes.push({ port, child: spawn("redis-server", [file, "--sentinel"], { stdio: "ignore" }) });
    }
    await until("the sentinels to know the replica", async () => {
      for (const port of sentinelPorts) {
        if ((await sentinelMaster(port)) !== masterPort) return false;
        if (!(await ask(port, "SENTINEL", "REPLICAS", masterName)).includes(String(replicaPort)))
          return false;
      }
      return (await ask(replicaPort!, "INFO", "replication")).includes("master_link_status:up");
    });
  } catch (error) {
    await stopAll(nodes, dir);
    throw error;
  }
  return {
    url: `redis+sentinel://${sentinelPorts.map((port) => `127.0.0.1:${port}`).join(",")}/${masterName}`,
    masterName,
    masterPort: masterPort!,
    replicaPort: replicaPort!,
    async killMaster() {
      const master = nodes[0]!;
      const exited = new Promise((resolve) => master.child.once("exit", resolve));
      master.child.kill("SIGKILL");
      await exited;
      await until(
        "the sentinels to promote the replica",
        async () => {
          for (const port of sentinelPorts) if ((await sentinelMaster(port)) !== replicaPort) return false;
          return (await ask(replicaPort!, "INFO", "replication")).includes("role:master");
        },
        60_000,
      );
    },
    stop: () => stopAll(nodes, dir),
  };
}
