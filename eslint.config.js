// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";

// The dependency rule of the architecture: `src/core` decides and never talks to the world.
// It may use pure libraries (yaml, ajv, kubernetes-models validators) but no framework,
// no I/O module, no adapter and no process environment.
const coreForbiddenImports = {
  patterns: [
    {
      group: ["**/adapters/**", "**/server/**", "**/cli/**", "**/main/**", "**/web/**"],
      message: "core must not import delivery or adapter code (dependencies point inward).",
    },
    {
      group: ["fastify", "fastify/*", "@fastify/*", "kysely", "better-sqlite3", "pg", "commander", "prom-client", "ws", "nodemailer", "smtp-server"],
      message: "core must not import frameworks or drivers; define a port in src/core/ports instead.",
    },
    {
      group: [
        "node:fs",
        "node:fs/*",
        "fs",
        "fs/*",
        "node:child_process",
        "child_process",
        "node:net",
        "net",
        "node:http",
        "http",
        "node:https",
        "https",
        "node:os",
        "os",
        "node:process",
        "process",
        "node:dgram",
        "node:worker_threads",
      ],
      message: "core performs no I/O; use a port.",
    },
  ],
};

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "web/dist/**", ".plateau/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        URL: "readonly",
        Buffer: "readonly",
        AbortController: "readonly",
        fetch: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
        structuredClone: "readonly",
        queueMicrotask: "readonly",
        setImmediate: "readonly",
        performance: "readonly",
        AbortSignal: "readonly",
        Response: "readonly",
        Headers: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-syntax": ["error", { selector: "ExportDefaultDeclaration", message: "Use named exports." }],
    },
  },
  {
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", coreForbiddenImports],
      "no-restricted-globals": [
        "error",
        { name: "process", message: "core never reads process or its environment; configuration is passed in by src/main." },
        { name: "fetch", message: "core performs no I/O." },
      ],
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "core never reads process.env." }],
    },
  },
  {
    // The portal runs in browsers: it speaks to Plateau through the API only, typed by the
    // shared contracts (types only from TypeBox, whose runtime stays out of the bundle).
    files: ["src/web/**/*.{ts,tsx}"],
    // React's two rules of hooks: called in the same order at every render, and every value an
    // effect, memo or callback reads listed in its dependencies (a stale closure otherwise).
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/core/**", "**/adapters/**", "**/server/**", "**/cli/**", "**/main/**"],
              message: "the portal talks to Plateau through the API (src/contracts) only.",
            },
            { group: ["node:*"], message: "the portal runs in browsers." },
            {
              group: ["typebox", "typebox/*", "**/contracts/api.js"],
              allowTypeImports: true,
              message: "import types only: TypeBox's runtime stays out of the bundle.",
            },
          ],
        },
      ],
    },
  },
  {
    // The CLI talks to Plateau through the API (src/cli/client.ts): of core it may use only the
    // error vocabulary; what it shares with the server is in src/contracts (pure).
    files: ["src/cli/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/core/**", "!**/core/errors.js"],
              message: "the CLI may import only src/core/errors.ts of core; share pure code through src/contracts, or ask the API.",
            },
            {
              group: ["**/adapters/**", "**/server/**", "**/main/**", "**/web/**"],
              message: "the CLI talks to Plateau through the API (src/cli/client.ts).",
            },
          ],
        },
      ],
    },
  },
  {
    // configuration files of tools are the one place where a default export is the convention
    files: ["eslint.config.js", "vitest.config.ts", "vite.config.ts", "test/support/global-setup.ts", "test/support/build.ts"],
    rules: { "no-restricted-syntax": "off" },
  },
);
