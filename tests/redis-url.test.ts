// REDIS_URL in every layout: one server, Cluster, Sentinel; what is accepted, what is refused
// with which message, and that no form's password reaches a log line.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { InvalidRedisUrlError, parseRedisUrl } from "../src/store/redis-url.js";
import { redisUrlForLog } from "../src/store/redis-url-for-log.js";

describe("parseRedisUrl", () => {
  it("passes a one-server URL on as it is", () => {
    expect(parseRedisUrl("redis://:pw@10.0.0.5:6379/2")).toEqual({
      kind: "single",
      url: "redis://:pw@10.0.0.5:6379/2",
    });
    expect(parseRedisUrl("rediss://host:6380").kind).toBe("single");
  });

  it("reads a Cluster's nodes, credentials and TLS", () => {
    expect(parseRedisUrl("redis+cluster://:p%40ss@10.0.0.1:7000,10.0.0.2:7001,h3")).toEqual({
      kind: "cluster",
      nodes: [
        { host: "10.0.0.1", port: 7000 },
        { host: "10.0.0.2", port: 7001 },
        { host: "h3", port: 6379 },
      ],
      password: "p@ss",
      tls: false,
    });
    expect(parseRedisUrl("rediss+cluster://bot:pw@[::1]:7000/")).toEqual({
      kind: "cluster",
      nodes: [{ host: "::1", port: 7000 }],
      username: "bot",
      password: "pw",
      tls: true,
    });
  });

  it("reads Sentinel's sentinels, master name, db and passwords", () => {
    expect(parseRedisUrl("redis+sentinel://:pw@s1:26379,s2/mymaster/3?sentinelPassword=spw")).toEqual({
      kind: "sentinel",
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26379 },
      ],
      masterName: "mymaster",
      db: 3,
      password: "pw",
      sentinelPassword: "spw",
      tls: false,
    });
    expect(parseRedisUrl("redis+sentinel://s1:5000/bot-master")).toMatchObject({ db: 0, tls: false });
  });

  it("refuses malformed URLs with the error naming the expected forms", () => {
    const refused = [
      ["http://host:6379", /known scheme/],
      ["redis+cluster://", /names no host/],
      ["redis+cluster://h1:99999", /bad node "h1:99999"/],
      ["redis+cluster://h1:7000/2", /only db 0/],
      ["redis+sentinel://s1:26379", /names no Sentinel master/],
      ["redis+sentinel://s1:26379/mymaster/x", /bad db/],
      ["redis+sentinel://s1:26379/mymaster/1/2", /bad db/],
    ] as const;
    for (const [url, reason] of refused) {
      const error = (() => {
        try {
          parseRedisUrl(url);
        } catch (thrown) {
          return thrown;
        }
        return undefined;
      })();
      expect(error, url).toBeInstanceOf(InvalidRedisUrlError);
      expect((error as InvalidRedisUrlError).code).toBe("REDIS_URL_INVALID");
      expect((error as Error).message).toMatch(reason);
      expect((error as Error).message).toContain(
        "redis+sentinel://[:PASSWORD@]HOST:PORT,HOST:PORT…/MASTER_NAME[/DB]",
      );
    }
  });

  it("is accepted as redis.url by the configuration", () => {
    for (const url of ["redis+cluster://127.0.0.1:7000,127.0.0.1:7001", "rediss+sentinel://s1/m"]) {
      expect(loadConfig({ env: { REDIS_URL: url } }).redis.url).toBe(url);
    }
    expect(() => loadConfig({ env: { REDIS_URL: "http://x" } })).toThrow(/redis\+cluster:\/\//);
  });
});

describe("redisUrlForLog", () => {
  it("hides the password of every form, and keeps the rest readable", () => {
    expect(redisUrlForLog("redis://:pw@10.0.0.5:6379/2")).toBe("redis://:***@10.0.0.5:6379/2");
    expect(redisUrlForLog("rediss://user:pw@host:6380")).toBe("rediss://user:***@host:6380");
    expect(redisUrlForLog("redis://host:6379?password=pw")).toBe("redis://host:6379?password=***");
    expect(redisUrlForLog("redis+cluster://:s3cr%2Fet@h1:7000,h2:7001")).toBe(
      "redis+cluster://:***@h1:7000,h2:7001",
    );
    expect(redisUrlForLog("rediss+cluster://bot:s3cret@[::1]:7000")).toBe(
      "rediss+cluster://bot:***@[::1]:7000",
    );
    expect(redisUrlForLog("redis+sentinel://:s3cret@s1:26379,s2:26379/mymaster/1?sentinelPassword=s3")).toBe(
      "redis+sentinel://:***@s1:26379,s2:26379/mymaster/1?sentinelPassword=***",
    );
    expect(redisUrlForLog("redis://lonepw@host")).toBe("redis://***@host");
    expect(redisUrlForLog("redis+cluster://h1:7000,h2:7001")).toBe("redis+cluster://h1:7000,h2:7001");
    expect(redisUrlForLog("not a url :pw@host")).toBe("***@host");
  });
});
