// `saiga prompt`: prints exactly what the model sees for a conversation, to debug chat formats.
import { readFile } from "node:fs/promises";
import { Command, Option } from "commander";
import { CHAT_FORMATS } from "../../config/index.js";
import {
  chatMessagesSchema,
  createEngine,
  displayPrompt,
  InvalidConversationError,
} from "../../engine/index.js";
import { startCli } from "../cli-runtime.js";

export function promptCommand(): Command {
  return new Command("prompt")
    .description(
      "Print the prompt the model sees for a conversation: the chat format applied, the default system\n" +
        "prompt added when none is given, old turns trimmed to the context. Special tokens are shown as\n" +
        "the model writes them (<s>, </s>, <|eot_id|>, …). FILE.json is an array of {role, content} with\n" +
        "roles system, user and assistant; the last message must be from the user.",
    )
    .requiredOption("--messages <file.json>", "the conversation")
    .addOption(
      new Option("--format <format>", "chat format (default: model.chatFormat)").choices(CHAT_FORMATS),
    )
    .option("--tokens", "print the token ids (one JSON array) instead of the text")
    .addOption(new Option("--model <source>", "model: a GGUF path, an hf: URI, demo or smollm2 (env: MODEL)"))
    .action(
      async (
        options: { messages: string; format?: string; tokens?: boolean; model?: string },
        command: Command,
      ) => {
        const { config, log } = startCli(command, {
          "model.chatFormat": options.format,
          "model.source": options.model,
        });
        const messages = await readMessages(options.messages);
        const engine = await createEngine(config, { log, sequences: 1 });
        try {
          const prompt = engine.buildPrompt(messages);
          process.stdout.write(
            options.tokens ? JSON.stringify(prompt.tokens) + "\n" : displayPrompt(engine.model, prompt.text),
          );
          if (prompt.droppedMessages > 0)
            log.info(`${prompt.droppedMessages} old messages left out to fit the context`);
        } finally {
          await engine.close();
        }
      },
    );
}

async function readMessages(file: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new InvalidConversationError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  const result = chatMessagesSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new InvalidConversationError(
      `${file}: expected an array of {role: "system"|"user"|"assistant", content: string}; ` +
        `at ${issue?.path.join(".") || "the top"}: ${issue?.message}`,
    );
  }
  return result.data;
}
