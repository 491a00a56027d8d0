// Lint rules that matter in an engine: a dropped promise is a lost task.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".scratch/", "bench/results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: "./tsconfig.check.json", tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": [
        "error",
        // node:test runs the tests it is given; their promises are its to await.
        {
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["test", "describe", "it"] },
          ],
        },
      ],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/only-throw-error": "error",
    },
  },
  // Plain JavaScript, and the notebook modules' type declarations, are outside the typechecked project.
  { files: ["**/*.js", "notebooks/**/*.d.ts"], ...tseslint.configs.disableTypeChecked },
  // Plain JavaScript that runs on Node.js without the TypeScript loader: the entry points that start
  // before it, and the projects a benchmark installs weft into.
  { files: ["scripts/**/*.mjs", "bin/**/*.js", "bench/**/*.js"], languageOptions: { globals: globals.node } },
  // The dashboard is plain browser JavaScript; Chart.js arrives as a global from its UMD bundle.
  { files: ["web/**/*.js"], languageOptions: { globals: { ...globals.browser, Chart: "readonly" } } },
  // The web demo's page script runs in the browser too.
  { files: ["examples/web-mandelbrot/*.js"], languageOptions: { globals: globals.browser } },
);
