// placeholder: being written (issue 12)
import { Command } from "commander";

export function evalAnswersCommand(): Command {
  return new Command("answers").description("(being written)");
}
