// placeholder: being written (issue 12)
import { Command } from "commander";

export function evalSbsCommand(): Command {
  return new Command("sbs").description("(being written)");
}
