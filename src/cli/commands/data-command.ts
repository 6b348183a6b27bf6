// `saiga data self-instruct`: instruction data from a teacher model, as the Saiga authors made
// ru_turbo_alpaca, written as Saiga JSONL for `saiga train --dataset`.
import { Command } from "commander";
import { dataSelfInstructCommand } from "./data-self-instruct-command.js";

export function dataCommand(): Command {
  return new Command("data")
    .description("Training data before there is feedback: self-instruct with a teacher model.")
    .addCommand(dataSelfInstructCommand());
}
