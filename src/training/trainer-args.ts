// The `training` settings as train.py arguments: one place, so that the scheduled trainer and
// `saiga train --dataset` train with the same hyperparameters.
import type { Config } from "../config/index.js";

/**
 * train.py arguments for the configured hyperparameters (model, data and output are the caller's).
 * Settings that are `auto` are left out: the trainer chooses them from the model and the data
 * (src/training/trainer/saiga_trainer/defaults.py) and reports its choice in its first JSON line
 * (`{"plan": …}`). A step budget (`maxSteps` > 0) and numeric `epochs` both cap the run;
 * either turns the `minSteps` minimum off.
 */
export function trainerArgsOf(training: Config["training"], loss: "sft" | "kto" = training.loss): string[] {
  const given = (flag: string, value: number | "auto") => (value === "auto" ? [] : [flag, String(value)]);
  return [
    ...["--loss", loss, ...given("--lr", training.learningRate)],
    ...(training.maxSteps > 0 ? ["--max-steps", String(training.maxSteps)] : []),
    ...given("--epochs", training.epochs),
    ...["--min-steps", String(training.minSteps), ...given("--batch-size", training.batchSize)],
    ...["--lora-r", String(training.loraR), "--lora-alpha", String(training.loraAlpha)],
    ...["--lora-dropout", String(training.loraDropout), "--targets", training.targets.join(",")],
    ...["--beta", String(training.beta), "--lambda-d", String(training.lambdaD)],
    ...["--lambda-u", String(training.lambdaU), "--sft-weight", String(training.sftWeight)],
    ...evalArgsOf(training),
  ];
}

/** The arguments that matter for evaluation runs too: device and threads. */
export function evalArgsOf(training: Config["training"]): string[] {
  return [
    "--device",
    training.device,
    ...(training.threads === "auto" ? [] : ["--threads", String(training.threads)]),
  ];
}
