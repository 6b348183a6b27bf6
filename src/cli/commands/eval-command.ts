// `saiga eval answers|sbs`: the Saiga authors' side-by-side evaluation. `answers` produces one
// side's answers to a task file; `sbs` has a judge compare two answer sets (wins-draws-losses).
import { Command } from "commander";
import { evalAnswersCommand } from "./eval-answers-command.js";
import { evalSbsCommand } from "./eval-sbs-command.js";

export function evalCommand(): Command {
  return new Command("eval")
    .description("Side-by-side evaluation: answer a task file with one side, then judge two sides.")
    .addCommand(evalAnswersCommand())
    .addCommand(evalSbsCommand());
}
