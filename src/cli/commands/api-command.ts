// `saiga api`: the OpenAI-compatible HTTP API on its own (engines elsewhere answer through Redis),
// and `saiga api key NAME`, which makes a new key and prints the `api.keys` entry with its hash.
import { Command, InvalidArgumentError } from "commander";
import { hashApiKey, newApiKey } from "../../api/api-keys.js";
import { serveRoles } from "../serve-roles.js";

const KEY_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function apiCommand(): Command {
  const api = new Command("api")
    .description(
      "Run the OpenAI-compatible HTTP API on api.host:api.port:\n" +
        "/v1/chat/completions, /v1/completions, /v1/models, and /health, /metrics.\n" +
        "Engines on the same REDIS_URL answer, from the queue Telegram chats share.\n" +
        "Keys and their limits: api.keys (make a key with `saiga api key NAME`).\n" +
        "SIGTERM/SIGINT: running requests finish, then exit (twice: cancel them).",
    )
    .action((_options: unknown, command: Command) =>
      serveRoles(command, { engine: false, gateway: false, trainer: false, api: true, embeddedRedis: false }),
    );
  api
    .command("key")
    .summary("make an API key and print its api.keys entry")
    .description(
      "Make a new random API key for NAME; print it and the entry for api.keys in your\n" +
        "configuration file. Only the key's sha256 is kept: note the key, it is not shown again.",
    )
    .argument(
      "<name>",
      "who the key is for (letters, digits, ., _ or -): limits count under api:<name>",
      keyName,
    )
    .option("--json", "print {name, key, sha256} as JSON")
    .action((name: string, options: { json?: boolean }) => {
      const key = newApiKey();
      const sha256 = hashApiKey(key);
      if (options.json) {
        process.stdout.write(JSON.stringify({ name, key, sha256 }) + "\n");
        return;
      }
      process.stdout.write(
        `${key}\n\n` +
          "Give this key to the client (Authorization: Bearer <key>); it is not stored and not shown again.\n" +
          "Add this entry to api.keys in your configuration file (optionally with messagesPerMinute,\n" +
          "dailyTokens and concurrent of its own), then restart the API:\n\n" +
          `  - name: ${name}\n    sha256: ${sha256}\n`,
      );
    });
  return api;
}

function keyName(value: string): string {
  if (!KEY_NAME.test(value)) throw new InvalidArgumentError("expected 1-64 letters, digits, ., _ or -");
  return value;
}
