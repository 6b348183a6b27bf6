// Makes a Redis URL safe to log: REDIS_URL usually carries the password (redis://:secret@host).

/** Query parameters that carry a secret (ioredis reads `password`; Sentinel URLs `sentinelPassword`). */
const SECRET_PARAMS = /([?&](?:password|sentinelPassword)=)[^&#]*/gi;

/**
 * Returns `url` with its password (and, for `user:pass@`, only the password) replaced by `***`,
 * in every form REDIS_URL takes: one server, `redis+cluster://` and `redis+sentinel://` with
 * several hosts. Text that is not a URL is reduced to what surely holds no secret.
 *
 * @example redisUrlForLog("redis://:s3cret@10.0.0.5:6379/0") // "redis://:***@10.0.0.5:6379/0"
 * @example redisUrlForLog("redis+cluster://:s3cret@h1:7000,h2:7000") // "redis+cluster://:***@h1:7000,h2:7000"
 */
export function redisUrlForLog(url: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url);
  if (scheme === null) {
    // Not a URL: drop everything up to the last "@", where credentials would be.
    const at = url.lastIndexOf("@");
    return at === -1 ? url : `***@${url.slice(at + 1)}`;
  }
  // Not `new URL`: it cannot read several comma-separated hosts. The authority ends at the first
  // "/", "?" or "#"; credentials end at its last "@".
  const rest = url.slice(scheme[0].length);
  const end = rest.search(/[/?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  const tail = end === -1 ? "" : rest.slice(end);
  const at = authority.lastIndexOf("@");
  let userInfo = at === -1 ? "" : authority.slice(0, at);
  if (userInfo !== "") {
    const colon = userInfo.indexOf(":");
    // `user:pass` keeps the user; a lone `pass` (ioredis reads it as the password) is hidden whole.
    userInfo = colon === -1 ? "***" : `${userInfo.slice(0, colon)}:***`;
  }
  const hosts = at === -1 ? authority : authority.slice(at + 1);
  return `${scheme[0]}${userInfo === "" ? "" : `${userInfo}@`}${hosts}${tail.replace(SECRET_PARAMS, "$1***")}`;
}
