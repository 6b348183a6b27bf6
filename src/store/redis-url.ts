// Reads a Redis URL into what to connect to: one server (`redis://`, `rediss://`), a Redis
// Cluster (`redis+cluster://h1:p1,h2:p2`) or a master found through Sentinel
// (`redis+sentinel://h1:p1,h2:p2/mymaster/0`). One REDIS_URL thus names every layout.
import { RedisSetupError } from "./redis-setup-errors.js";

/** A host and port of one node (a cluster node, or a sentinel). */
export interface RedisNode {
  host: string;
  port: number;
}

/** Credentials and transport shared by every layout. */
interface RedisAuth {
  /** ACL user name; `undefined` for the default user. */
  username?: string;
  /** Password; `undefined` when none. */
  password?: string;
  /** TLS to every node (`rediss…`). */
  tls: boolean;
}

/** What a Redis URL names. */
export type RedisTarget =
  | { kind: "single"; url: string }
  | ({ kind: "cluster"; nodes: RedisNode[] } & RedisAuth)
  | ({
      kind: "sentinel";
      sentinels: RedisNode[];
      /** The master's name in the sentinels' configuration (`sentinel monitor <name> …`). */
      masterName: string;
      db: number;
      /** Password of the sentinels themselves (`?sentinelPassword=`), when they have one. */
      sentinelPassword?: string;
    } & RedisAuth);

/** The accepted URL forms, quoted by every parse error. */
export const REDIS_URL_FORMS =
  "redis://[:PASSWORD@]HOST:PORT[/DB], redis+cluster://[:PASSWORD@]HOST:PORT,HOST:PORT… or " +
  "redis+sentinel://[:PASSWORD@]HOST:PORT,HOST:PORT…/MASTER_NAME[/DB] (rediss… for TLS)";

/** A Redis URL that is none of {@link REDIS_URL_FORMS}. */
export class InvalidRedisUrlError extends RedisSetupError {
  override name = "InvalidRedisUrlError";
  constructor(reason: string) {
    super("REDIS_URL_INVALID", `REDIS_URL ${reason}; expected ${REDIS_URL_FORMS}.`);
  }
}

const SCHEME = /^(rediss?)(?:\+(cluster|sentinel))?:\/\//i;
const DEFAULT_PORT = { cluster: 6379, sentinel: 26379 } as const;

/**
 * Parses `url` into a {@link RedisTarget}. A plain `redis://` or `rediss://` URL is passed on as
 * it is (ioredis reads it); the `+cluster` and `+sentinel` forms are taken apart here.
 *
 * @throws {InvalidRedisUrlError} an unknown scheme, no host, a bad port, no master name, a bad db.
 * @example parseRedisUrl("redis+cluster://:pw@10.0.0.1:7000,10.0.0.2:7000")
 * // { kind: "cluster", nodes: [{host: "10.0.0.1", port: 7000}, …], password: "pw", tls: false }
 */
export function parseRedisUrl(url: string): RedisTarget {
  const scheme = SCHEME.exec(url);
  if (scheme === null) throw new InvalidRedisUrlError(`does not start with a known scheme`);
  const tls = scheme[1]!.toLowerCase() === "rediss";
  const layout = scheme[2]?.toLowerCase() as "cluster" | "sentinel" | undefined;
  if (layout === undefined) return { kind: "single", url };

  let rest = url.slice(scheme[0].length);
  const queryAt = rest.indexOf("?");
  const query = new URLSearchParams(queryAt === -1 ? "" : rest.slice(queryAt + 1));
  if (queryAt !== -1) rest = rest.slice(0, queryAt);
  // Credentials end at the last "@" before the first "/" (a percent-encoded password has no raw "/").
  const slash = rest.indexOf("/");
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? "" : rest.slice(slash + 1);
  const at = authority.lastIndexOf("@");
  const auth = { tls, ...credentials(at === -1 ? "" : authority.slice(0, at), query) };
  const nodes = parseNodes(at === -1 ? authority : authority.slice(at + 1), DEFAULT_PORT[layout]);

  if (layout === "cluster") {
    if (path.replace(/\/+$/, "") !== "") {
      throw new InvalidRedisUrlError(`names a path (/${path}), but a Redis Cluster has only db 0`);
    }
    return { kind: "cluster", nodes, ...auth };
  }
  const [masterName = "", dbText = "0", ...extra] = path.split("/").filter((part) => part !== "");
  if (masterName === "") throw new InvalidRedisUrlError(`names no Sentinel master (…/MASTER_NAME)`);
  if (extra.length > 0 || !/^\d+$/.test(dbText)) {
    throw new InvalidRedisUrlError(`has a bad db after the master name (/${path})`);
  }
  const sentinelPassword = query.get("sentinelPassword") ?? undefined;
  return {
    kind: "sentinel",
    sentinels: nodes,
    masterName: decode(masterName),
    db: Number(dbText),
    ...auth,
    ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
  };
}

/** `user:password` or `:password` before the "@" (a lone `user` is a user name, as ioredis reads it); `?password=` also counts. */
function credentials(userInfo: string, query: URLSearchParams): { username?: string; password?: string } {
  const result: { username?: string; password?: string } = {};
  const colon = userInfo.indexOf(":");
  const username = decode(colon === -1 ? userInfo : userInfo.slice(0, colon));
  const password = (colon === -1 ? "" : decode(userInfo.slice(colon + 1))) || query.get("password") || "";
  if (username !== "") result.username = username;
  if (password !== "") result.password = password;
  return result;
}

/** `h1:p1,h2,[::1]:p3` → nodes; a node without a port gets `defaultPort`. */
function parseNodes(list: string, defaultPort: number): RedisNode[] {
  const nodes = list
    .split(",")
    .filter((part) => part !== "")
    .map((part) => {
      const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d+))?$/.exec(part);
      const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
      if (match === null || port < 1 || port > 65535) {
        throw new InvalidRedisUrlError(`has a bad node "${part}" (expected HOST:PORT)`);
      }
      return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
    });
  if (nodes.length === 0) throw new InvalidRedisUrlError("names no host");
  return nodes;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new InvalidRedisUrlError("has a bad percent-encoding in it");
  }
}
