// `vitrine sig image-version ...`: gallery image versions, with az's commands, flags and output,
// plus `download`, which deploys a version into a temporary disk and downloads that.

import { Option, type Command } from "commander";
import { connect, printJson, serverAction } from "./connected-command.js";
import { positive } from "./disk-shared.js";
import { endOfLifeDate, genericUpdate, oneOf, propertiesOf, withApiVersion, type Json } from "./sig-shared.js";
import { registerImageVersionCreateCommand } from "./sig-image-version-create.js";
import { registerImageVersionDownloadCommand } from "./sig-image-version-download.js";
import { addVersionOptions, ALLOW_DELETION_HELP, STORAGE_ACCOUNT_TYPES, targetRegionsOf, threeState, versionPath, type VersionFlags } from "./sig-image-version-shared.js";
import { addDefinitionOptions, definitionPath, type DefinitionFlags } from "./sig-shared.js";
import { registerImageVersionWaitCommand } from "./sig-image-version-wait.js";

interface ShowFlags extends VersionFlags {
  expand?: string;
}

interface UpdateFlags extends VersionFlags {
  targetRegions?: string[];
  replicaCount?: number;
  storageAccountType?: string;
  excludeFromLatest?: boolean;
  endOfLifeDate?: string;
  allowReplicatedLocationDeletion?: boolean;
  wait: boolean;
}

interface DeleteFlags extends VersionFlags {
  wait: boolean;
}

export function registerImageVersionCommands(sig: Command): void {
  const group = sig.command("image-version").description("Manage gallery image versions, and download their disks.");
  registerImageVersionCreateCommand(group);

  addVersionOptions(group.command("show").description("Show an image version; exits 3 when it does not exist."))
    .option(
      "--expand <expand>",
      "expand expression, e.g. ReplicationStatus (adds properties.replicationStatus: the state per target region; a warning on stderr when a region has fewer replicas than its concurrent deployments call for)",
    )
    .action(
      serverAction(
        async (flags: ShowFlags) => {
          const { client, subscriptionId } = connect(flags);
          const expand = flags.expand === undefined ? "" : `&$expand=${encodeURIComponent(flags.expand)}`;
          const version = (await client.request("GET", `${withApiVersion(versionPath(subscriptionId, flags))}${expand}`)).body;
          printJson(version);
          for (const warning of scalingWarnings(version)) process.stderr.write(`warning: ${warning}\n`);
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
      .summary("Update an image version's publishing profile (target regions, replica count, exclude-from-latest, end-of-life date) and safety profile.")
      .description(
        "Update an image version as az does: read it, edit its publishing and safety profiles, and write it back with an empty storage " +
          "profile (the sources are kept). Taking a region out of --target-regions is refused unless the version allows it " +
          "(--allow-replicated-location-deletion true, also in the same update). Waits until added regions hold their copy and prints " +
          "the version; with --no-wait, prints nothing: follow the copies with `vitrine sig image-version wait --replicated`.",
      ),
  )
    .option("--target-regions <regions...>", "the regions to replicate to, replacing the current ones: each <region>[=<replica count>][=<storage account type>]; a region keeps its storage type")
    .option("--replica-count <count>", "replicas per region, where a target region does not say", positive)
    .option(
      "--storage-account-type <type>",
      `storage type of the regions that --target-regions adds, where they do not say (a region keeps its own); allowed: ${STORAGE_ACCOUNT_TYPES.join(", ")}`,
      oneOf(...STORAGE_ACCOUNT_TYPES),
    )
    .option("--exclude-from-latest [bool]", "leave the version out of 'latest' (true when given alone; false puts it back)", threeState)
    .option("--end-of-life-date <date>", "end-of-life date, e.g. 2030-01-01 (informational)", endOfLifeDate)
    .option("--allow-replicated-location-deletion [bool]", ALLOW_DELETION_HELP, threeState)
    .addOption(new Option("--no-wait", "do not wait for added regions to be copied; print nothing"))
    .action(
      serverAction(async (flags: UpdateFlags) => {
        if (flags.storageAccountType !== undefined && flags.targetRegions === undefined) {
          throw new Error("usage error: --storage-account-type applies to the regions --target-regions adds: pass --target-regions too.");
        }
        const { client, subscriptionId } = connect(flags);
        const updated = await genericUpdate(client, versionPath(subscriptionId, flags), (version) => {
          const properties = propertiesOf(version);
          // What az's model leaves out of a PUT: the sources (kept by the server) and read-only state.
          properties.storageProfile = {};
          delete properties.provisioningState;
          const { publishedDate: _published, ...profile } = (properties.publishingProfile ?? {}) as Json;
          const targetRegions = targetRegionsOf(flags.targetRegions);
          if (targetRegions !== undefined) profile.targetRegions = withStorageType(targetRegions, profile.targetRegions, flags.storageAccountType);
          if (flags.replicaCount !== undefined) profile.replicaCount = flags.replicaCount;
          if (flags.excludeFromLatest !== undefined) profile.excludeFromLatest = flags.excludeFromLatest;
          if (flags.endOfLifeDate !== undefined) profile.endOfLifeDate = flags.endOfLifeDate;
          properties.publishingProfile = profile;
          if (flags.allowReplicatedLocationDeletion !== undefined) {
            properties.safetyProfile = { ...(properties.safetyProfile as Json | undefined), allowDeletionOfReplicatedLocations: flags.allowReplicatedLocationDeletion };
          }
        }, { wait: flags.wait });
        if (flags.wait) printJson(updated);
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

/**
 * The regions asked for, those not yet among the version's taking `storageAccountType` where they
 * do not name one: the version's own storageAccountType is not updatable, and a region's type is fixed.
 */
function withStorageType(regions: Json[], current: unknown, storageAccountType: string | undefined): Json[] {
  if (storageAccountType === undefined) return regions;
  const key = (name: unknown) => String(name).toLowerCase().replace(/\s+/g, "");
  const existing = new Set(((current ?? []) as Json[]).map((region) => key(region.name)));
  return regions.map((region) => (region.storageAccountType === undefined && !existing.has(key(region.name)) ? { ...region, storageAccountType } : region));
}

interface ScalingRow {
  region: string;
  replicas?: unknown[];
  scaling?: { concurrentDeploymentsPeak: number; windowSeconds: number; recommendedReplicas: number };
}

/** Azure's guidance (one replica per 20 VMs created at the same time) against what the server measured per region. */
function scalingWarnings(version: unknown): string[] {
  const rows = ((version as { properties?: { replicationStatus?: { summary?: ScalingRow[] } } }).properties?.replicationStatus?.summary ?? []);
  return rows.flatMap(({ region, replicas = [], scaling }) =>
    scaling && scaling.recommendedReplicas > replicas.length
      ? [
          `${region} saw ${scaling.concurrentDeploymentsPeak} deployments within ${scaling.windowSeconds} s, and has ${replicas.length} replica(s): ` +
            `Azure's guidance is one replica per 20 VMs created at the same time, ${scaling.recommendedReplicas} here (--target-regions ${region}=${scaling.recommendedReplicas}).`,
        ]
      : [],
  );
}
