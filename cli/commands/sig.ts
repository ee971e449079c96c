// `vitrine sig ...`: the gallery commands, with the names, flags and JSON output of `az sig`
// (Azure CLI 2.45), so that scripts written for one run against the other.

import type { Command } from "commander";
import { registerApplicationCommands } from "./sig-application.js";
import { registerGalleryCommands } from "./sig-gallery.js";
import { registerImageDefinitionCommands } from "./sig-image-definition.js";
import { registerImageVersionCommands } from "./sig-image-version.js";
import { registerShareCommands } from "./sig-share.js";

export function registerSigCommands(program: Command): void {
  const sig = program
    .command("sig")
    .description("Manage galleries, image definitions, image versions and gallery applications, like `az sig` (prints the server's JSON).");
  registerGalleryCommands(sig);
  registerImageDefinitionCommands(sig);
  registerImageVersionCommands(sig);
  registerApplicationCommands(sig);
  registerShareCommands(sig);
}
