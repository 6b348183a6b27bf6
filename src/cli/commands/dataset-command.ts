// `saiga dataset export`: the feedback users gave (👍 👎 🔄), read from Redis, as a dataset: Saiga
// JSONL for people and other tools, tokenized JSONL (the served chat format and tokenizer) for the
// trainer, and dataset.json with the hash and counts.
import path from "node:path";
import { Command, Option } from "commander";
import { modelsDirOf, resolveModelPath } from "../../engine/index.js";
import { FeedbackStore, PrivacyChoices, type FeedbackRecord } from "../../store/index.js";
import { DATASET_FILES, exportDataset, type DatasetManifest } from "../../training/index.js";
import { startCli } from "../cli-runtime.js";
import { withRedis } from "../with-redis.js";
import { parseCountOption } from "../parse-number-option.js";

interface ExportOptions {
  out: string;
  since?: number;
  tokens: boolean;
  model?: string;
}

export function datasetCommand(): Command {
  const dataset = new Command("dataset")
    .summary("Export the feedback users gave as a training dataset.")
    .description(
      "Training data from the feedback users gave: 👍 answers are desirable examples,\n" +
        "👎 undesirable, answers replaced with 🔄 undesirable with a smaller weight\n" +
        "(training.regeneratedWeight).",
    );
  dataset
    .command("export")
    .exitOverride()
    .description(
      [
        "Export the feedback stored in Redis (REDIS_URL, keys under redis.prefix) as a",
        "dataset in DIR:",
        `  ${DATASET_FILES.train}, ${DATASET_FILES.validation}: Saiga JSONL, one example per line,`,
        '    {"messages":[{"role":"system|user|bot","content":"…"},…],"label":…,"weight":…}',
        `  ${DATASET_FILES.trainTokens}, ${DATASET_FILES.validationTokens}: the same tokenized`,
        "    with the configured model and chat format as the engine serves them",
        "    (input_ids, loss_mask on the answer and its end token, label, weight)",
        `  ${DATASET_FILES.manifest}: the dataset hash, counts, options and model`,
        "An example is the conversation the model saw (system prompt included) and its",
        "answer. E-mails, phone and card numbers and @usernames become placeholders;",
        "answers outside training.minAnswerChars..maxAnswerChars are left out; the same",
        "content is kept once (the newest vote decides its label); the share",
        "training.validationShare of the prompts, chosen by hash, is for validation.",
      ].join("\n"),
    )
    .requiredOption("--out <dir>", "folder to write the files into (created when missing)")
    .option(
      "--since <ms>",
      "only feedback given or changed after this time (ms since 1970; default: all)",
      parseCountOption,
    )
    .option("--no-tokens", "write only the Saiga JSONL files and dataset.json (no model needed)")
    .addOption(
      new Option(
        "--model <source>",
        "model to tokenize with: a GGUF path, an hf: URI, demo or smollm2 (env: MODEL)",
      ),
    )
    .action(async (options: ExportOptions, command: Command) => {
      const { config, log } = startCli(command, { "model.source": options.model });
      const since = options.since ?? 0;
      const { records, optedOut } = await readFeedback(config, log, since);
      const modelPath = options.tokens
        ? await resolveModelPath(config.model.source, { modelsDir: modelsDirOf(config) })
        : null;
      const manifest = await exportDataset(records, {
        ...config.training,
        optedOut,
        outDir: options.out,
        since,
        tokenize: modelPath
          ? {
              modelPath,
              modelSource: config.model.source,
              chatFormat: config.model.chatFormat,
              contextSize: config.model.contextSize,
              systemPrompt: config.model.systemPrompt,
              log,
            }
          : null,
      });
      process.stdout.write(summary(manifest, path.resolve(options.out)));
    });
  return dataset;
}

function readFeedback(
  config: ReturnType<typeof startCli>["config"],
  log: ReturnType<typeof startCli>["log"],
  since: number,
): Promise<{ records: FeedbackRecord[]; optedOut: Set<string> }> {
  return withRedis(config, log, "saiga-dataset", async ({ redis, keys }) => ({
    records: await new FeedbackStore({ redis, keys, log }).since(since),
    // Users who opted out (/privacy off): their records are counted as excluded, never written.
    optedOut: await new PrivacyChoices({ redis, keys }).optedOut(),
  }));
}

function summary(manifest: DatasetManifest, dir: string): string {
  const c = manifest.counts;
  const lines = [
    `dataset ${manifest.hash.slice(0, 12)} → ${dir}`,
    `  ${c.records} feedback records (${c.excluded} excluded: opted out of training) → ` +
      `${c.examples} examples: ${c.desirable} desirable, ` +
      `${c.undesirable} undesirable (${c.regenerated} regenerated)`,
    `  train ${c.train}, validation ${c.validation}`,
    `  left out: ${c.duplicates} duplicates, ${c.conflicts} outvoted, ${c.tooShort} too short, ` +
      `${c.tooLong} too long, ${c.zeroWeight + c.invalid} other`,
  ];
  if (manifest.tokens) {
    const t = manifest.tokens;
    lines.push(
      `  tokens: ${t.train} train + ${t.validation} validation (${t.chatFormat}, ` +
        `${t.contextSize}-token context; ${t.dropped} did not fit)`,
    );
  } else lines.push("  tokens: not written (--no-tokens)");
  return lines.join("\n") + "\n";
}
