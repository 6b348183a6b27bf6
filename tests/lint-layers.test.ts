// The import-direction rule of eslint.config.js (import-x/no-restricted-paths zones per layer, and
// import-x/no-cycle), run through ESLint's Node API on made-up files in the tree: a wrong import
// fails `npm run lint`, a right one passes.
import { ESLint } from "eslint";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./helpers/run-saiga.js";

const eslint = new ESLint({ cwd: PROJECT_ROOT });

/** The import-x problems of `code` linted as if it were the file `file` (a path from the root). */
async function importProblems(file: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: path.join(PROJECT_ROOT, file) });
  return result!.messages
    .filter((message) => message.ruleId?.startsWith("import-x/"))
    .map(({ ruleId, message }) => ({ ruleId, message }));
}

describe("the layer rule", () => {
  it("refuses an engine file that imports the service layer", async () => {
    const problems = await importProblems(
      "src/engine/wrong-import.ts",
      'import { ServiceRuntime } from "../service/service-runtime.js";\nexport const runtime = ServiceRuntime;\n',
    );
    expect(problems).toEqual([
      {
        ruleId: "import-x/no-restricted-paths",
        message: expect.stringContaining("src/engine may import only errors, log, gguf, config"),
      },
    ]);
  });

  it("refuses a channel that imports another channel, and the store importing the service", async () => {
    const fromApi = await importProblems(
      "src/api/wrong-import.ts",
      'import { botServicesOf } from "../bot/bot-services.js";\nexport const of = botServicesOf;\n',
    );
    expect(fromApi.map((problem) => problem.ruleId)).toEqual(["import-x/no-restricted-paths"]);
    const fromStore = await importProblems(
      "src/store/wrong-import.ts",
      'import { GenerationClient } from "../service/generation-client.js";\nexport const client = GenerationClient;\n',
    );
    expect(fromStore.map((problem) => problem.ruleId)).toEqual(["import-x/no-restricted-paths"]);
  });

  it("lets imports point down, and tests import anything", async () => {
    expect(
      await importProblems(
        "src/engine/right-import.ts",
        'import { SaigaError } from "../errors/saiga-error.js";\nexport const error = SaigaError;\n',
      ),
    ).toEqual([]);
    expect(
      await importProblems(
        "tests/any-import.test.ts",
        'import { runGateway } from "../src/bot/gateway/run-gateway.js";\nexport const run = runGateway;\n',
      ),
    ).toEqual([]);
  });

  it("refuses an import cycle", async () => {
    // command-menus.ts imports standard-commands.ts; this version of the latter imports it back.
    const problems = await importProblems(
      "src/bot/commands/standard-commands.ts",
      'import { registerCommandMenus } from "./command-menus.js";\nexport const register = registerCommandMenus;\n',
    );
    expect(problems.map((problem) => problem.ruleId)).toEqual(["import-x/no-cycle"]);
  });
});
