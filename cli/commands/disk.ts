// `vitrine disk ...` and `vitrine snapshot ...`: managed disks and snapshots, with the names,
// flags and JSON output of `az disk` and `az snapshot`, plus `disk upload` and `disk download`,
// which move the bytes that Azure leaves to AzCopy.

import type { Command } from "commander";
import { registerDiskDownloadCommand } from "./disk-download.js";
import { registerDiskResourceCommands } from "./disk-resources.js";
import { DISKS, SNAPSHOTS } from "./disk-shared.js";
import { registerDiskUploadCommand } from "./disk-upload.js";

export function registerDiskCommands(program: Command): void {
  const disk = program
    .command("disk")
    .description("Manage managed disks, like `az disk` (prints the server's JSON), and upload or download their bytes.");
  registerDiskResourceCommands(disk, DISKS);
  registerDiskUploadCommand(disk);
  registerDiskDownloadCommand(disk);

  const snapshot = program.command("snapshot").description("Manage snapshots of managed disks, like `az snapshot` (prints the server's JSON).");
  registerDiskResourceCommands(snapshot, SNAPSHOTS);
}
