// docs/cli.md: every command's --help, generated from the command tree.

import { buildProgram, helpTexts } from "./program.js";

export function renderCliReference(): string {
  const sections = helpTexts(buildProgram()).map(({ path, help }) => `## ${path}\n\n\`\`\`\n${help.trimEnd()}\n\`\`\`\n`);
  return [
    "# The vitrine command",
    "",
    "Generated from the command tree by `npm run docs:cli`; it is exactly what `--help` prints.",
    "Commands other than `serve` talk HTTPS to a server, with the credentials in",
    "`<data dir>/connection.json` (`--data-dir`, `--connection`, or the `AZURE_*` / `VITRINE_*`",
    "variables that `vitrine env` prints).",
    "",
    ...sections,
  ].join("\n");
}
