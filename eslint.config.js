import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "web/vendor/"] },
  js.configs.recommended,
  { files: ["scripts/**/*.mjs"], languageOptions: { globals: { process: "readonly", console: "readonly" } } },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The architecture's one hard rule: core is pure. It imports nothing outside core except the
    // port interfaces (types only), and does no I/O.
    files: ["src/core/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/ports/*"], allowTypeImports: true, message: "core uses ports as types only" },
            { group: ["**/store/*", "**/arm/*", "**/blob/*", "**/identity/*", "**/replication/*", "**/config.js", "**/main.js"], message: "core imports nothing outside core" },
            { group: ["node:*", "fastify", "kysely", "pg", "better-sqlite3"], message: "core is pure: no I/O" },
          ],
        },
      ],
    },
  },
);
