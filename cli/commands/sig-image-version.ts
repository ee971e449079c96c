// `vitrine sig image-version ...`: gallery image versions, with az's commands, flags and output,
// plus `download`, which deploys a version into a temporary disk and downloads that.

import { Option, type Command } from "commander";
import { connect, printJson, serverAction } from "./connected-command.js";
import { positive } from "./disk-shared.js";
import { endOfLifeDate, genericUpdate, propertiesOf, withApiVersion, type Json } from "./sig-shared.js";
import { registerImageVersionCreateCommand } from "./sig-image-version-create.js";
import { registerImageVersionDownloadCommand } from "./sig-image-version-download.js";
import { addVersionOptions, targetRegionsOf, threeState, versionPath, type VersionFlags } from "./sig-image-version-shared.js";
import { addDefinitionOptions, definitionPath, type DefinitionFlags } from "./sig-shared.js";
import { registerImageVersionWaitCommand } from "./sig-image-version-wait.js";

interface ShowFlags extends VersionFlags {
  expand?: string;
}

interface UpdateFlags extends VersionFlags {
  targetRegions?: string[];
  replicaCount?: number;
  excludeFromLatest?: boolean;
  endOfLifeDate?: string;
}

interface DeleteFlags extends VersionFlags {
  wait: boolean;
}

export function registerImageVersionCommands(sig: Command): void {
  const group = sig.command("image-version").description("Manage gallery image versions, and download their disks.");
  registerImageVersionCreateCommand(group);

  addVersionOptions(group.command("show").description("Show an image version; exits 3 when it does not exist."))
    .option("--expand <expand>", "expand expression, e.g. ReplicationStatus (adds properties.replicationStatus: the state per target region)")
    .action(
      serverAction(
        async (flags: ShowFlags) => {
          const { client, subscriptionId } = connect(flags);
          const expand = flags.expand === undefined ? "" : `&$expand=${encodeURIComponent(flags.expand)}`;
          printJson((await client.request("GET", `${withApiVersion(versionPath(subscriptionId, flags))}${expand}`)).body);
        },
        { show: true },
      ),
    );

  addDefinitionOptions(group.command("list").description("List the versions of an image definition.")).action(
    serverAction(async (flags: DefinitionFlags) => {
      const { client, subscriptionId } = connect(flags);
      printJson(await client.listAll(withApiVersion(`${definitionPath(subscriptionId, flags)}/versions`)));
    }),
  );

  addVersionOptions(
    group
      .command("update")
      .summary("Update an image version's publishing profile: target regions, replica count, exclude-from-latest, end-of-life date.")
      .description(
        "Update an image version as az does: read it, edit its publishing profile, and write it back with an empty storage profile " +
          "(the sources are kept). Waits until added regions hold their copy, and prints the version.",
      ),
  )
    .option("--target-regions <regions...>", "the regions to replicate to, replacing the current ones: each <region>[=<replica count>][=<storage account type>]; a region keeps its storage type")
    .option("--replica-count <count>", "replicas per region, where a target region does not say", positive)
    .option("--exclude-from-latest [bool]", "leave the version out of 'latest' (true when given alone; false puts it back)", threeState)
    .option("--end-of-life-date <date>", "end-of-life date, e.g. 2030-01-01 (informational)", endOfLifeDate)
    .action(
      serverAction(async (flags: UpdateFlags) => {
        const { client, subscriptionId } = connect(flags);
        const updated = await genericUpdate(client, versionPath(subscriptionId, flags), (version) => {
          const properties = propertiesOf(version);
          // What az's model leaves out of a PUT: the sources (kept by the server) and read-only state.
          properties.storageProfile = {};
          delete properties.provisioningState;
          const { publishedDate: _published, ...profile } = (properties.publishingProfile ?? {}) as Json;
          const targetRegions = targetRegionsOf(flags.targetRegions);
          if (targetRegions !== undefined) profile.targetRegions = targetRegions;
          if (flags.replicaCount !== undefined) profile.replicaCount = flags.replicaCount;
          if (flags.excludeFromLatest !== undefined) profile.excludeFromLatest = flags.excludeFromLatest;
          if (flags.endOfLifeDate !== undefined) profile.endOfLifeDate = flags.endOfLifeDate;
          properties.publishingProfile = profile;
        });
        printJson(updated);
      }),
    );

  addVersionOptions(group.command("delete").description("Delete an image version, with its replicas in every region."))
    .addOption(new Option("--no-wait", "do not wait for the deletion to end"))
    .action(
      serverAction(async (flags: DeleteFlags) => {
        const { client, subscriptionId } = connect(flags);
        const path = withApiVersion(versionPath(subscriptionId, flags));
        if (flags.wait) await client.request("DELETE", path);
        else await client.request("DELETE", path, undefined, { wait: false });
      }),
    );

  registerImageVersionWaitCommand(group);
  registerImageVersionDownloadCommand(group);
}
