// placeholder: being written (issue 12)
import { Command } from "commander";

export function dataSelfInstructCommand(): Command {
  return new Command("self-instruct").description("(being written)");
}
