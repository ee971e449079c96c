// The `vitrine` command tree, built once here so that the binary and the generated reference
// (docs/cli.md, scripts/generate-cli-docs.mjs) share it.

import { Command } from "commander";
import { registerAdminCommands } from "./commands/admin.js";
import { registerAppCommands } from "./commands/app.js";
import { registerBillingCommands } from "./commands/billing.js";
import { registerDiskCommands } from "./commands/disk.js";
import { registerEnvCommand } from "./commands/env.js";
import { registerGroupCommands } from "./commands/group.js";
import { registerRoleCommands } from "./commands/role.js";
import { registerServeCommand } from "./commands/serve.js";
import { registerSigCommands } from "./commands/sig.js";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("vitrine")
    .description("A self-hostable, ARM-compatible Azure Compute Gallery.\nDocumentation: docs/ in the source tree.")
    .version("0.1.0");
  registerServeCommand(program);
  registerEnvCommand(program);
  registerAdminCommands(program);
  registerGroupCommands(program);
  registerSigCommands(program);
  registerDiskCommands(program);
  registerAppCommands(program);
  registerBillingCommands(program);
  registerRoleCommands(program);
  return program;
}

/** Every command's full help text, depth first, as `vitrine <path> --help` prints it. */
export function helpTexts(program: Command): Array<{ path: string; help: string }> {
  const out: Array<{ path: string; help: string }> = [];
  const walk = (command: Command, path: string) => {
    // A fixed width: the reference must not depend on the terminal it was generated in.
    command.configureHelp({ ...command.configureHelp(), helpWidth: 100 });
    out.push({ path, help: command.helpInformation() });
    for (const sub of command.commands) walk(sub, `${path} ${sub.name()}`);
  };
  walk(program, program.name());
  return out;
}
