// @ts-check
import eslint from "@eslint/js";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import globals from "globals";
import tseslint from "typescript-eslint";

/**
 * The layers of src/, lower first, and what each may import besides itself (docs/ARCHITECTURE.md).
 * Never upward: the engine is inference only, channels (bot = Telegram, api = HTTP) sit on the
 * service layer and not on each other, nothing imports the CLI. src/index.ts (the public entry) and
 * tests/, bench/, examples/ may import anything.
 */
const BASE = ["errors", "log", "gguf", "metrics", "config", "files"];
const MAY_IMPORT = {
  errors: [],
  files: ["errors"],
  gguf: ["errors"],
  log: ["errors"],
  config: ["errors", "log"],
  metrics: ["errors", "log", "config"],
  engine: ["errors", "log", "gguf", "config"],
  store: [...BASE, "engine"],
  service: [...BASE, "engine", "store"],
  eval: [...BASE, "engine", "store", "service"],
  training: [...BASE, "engine", "store", "service", "eval"],
  bot: [...BASE, "engine", "store", "service", "eval", "training"],
  api: [...BASE, "engine", "store", "service", "eval", "training"],
  dashboard: [...BASE, "engine", "store", "service", "eval", "training"],
  cli: [...BASE, "engine", "store", "service", "eval", "training", "bot", "api", "dashboard"],
};

/** One `import-x/no-restricted-paths` zone per layer: everything in src/ but what it may import. */
const layerZones = Object.entries(MAY_IMPORT).map(([layer, allowed]) => ({
  target: `./src/${layer}`,
  from: "./src",
  except: [layer, ...allowed].map((name) => `./${name}`),
  message: `src/${layer} may import only ${allowed.length === 0 ? "itself" : allowed.join(", ")} (layers: docs/ARCHITECTURE.md)`,
}));

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "bench/results/", "adapters/", "data/"] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      // Our sources import `./x.js` for `./x.ts` (NodeNext), so the resolver maps the extension back.
      "import-x/resolver-next": [createNodeResolver({ extensionAlias: { ".js": [".ts", ".js"] } })],
    },
    rules: {
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            ...layerZones,
            { target: "./src", from: "./src/index.ts", message: "src/index.ts is for users of the package" },
          ],
        },
      ],
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
);
