// `vitrine sig image-version create`: az's flags and request body (the sources, the publishing
// profile, the resource group's location and [location] as the defaults), plus Vitrine's own
// --os-vhd and --data-vhds: local image files uploaded into temporary managed disks with
// `vitrine disk upload`'s code, used as the disk sources, and deleted once the version is built.

import { InvalidArgumentError, Option, type Command } from "commander";
import { connect, printJson, serverAction, type Connected } from "./connected-command.js";
import { positive } from "./disk-shared.js";
import { uploadDisk } from "./disk-upload.js";
import { defined, endOfLifeDate, integer, locationOrDefault, oneOf, tagsOf, withApiVersion, type Json } from "./sig-shared.js";
import {
  addVersionOptions,
  ALLOW_DELETION_HELP,
  deleteTemporaryDisks,
  idOrName,
  STORAGE_ACCOUNT_TYPES,
  targetRegionsOf,
  temporaryDiskName,
  threeState,
  versionPath,
  type VersionFlags,
} from "./sig-image-version-shared.js";
import { definitionPath } from "./sig-shared.js";

interface CreateFlags extends VersionFlags {
  location?: string;
  targetRegions?: string[];
  replicaCount?: number;
  storageAccountType?: string;
  excludeFromLatest?: boolean;
  endOfLifeDate?: string;
  replicationMode?: string;
  allowReplicatedLocationDeletion?: boolean;
  managedImage?: string;
  imageVersion?: string;
  virtualMachine?: string;
  osSnapshot?: string;
  dataSnapshots?: string[];
  dataSnapshotLuns?: number[];
  osVhdUri?: string;
  osVhdStorageAccount?: string;
  dataVhdsUris?: string[];
  dataVhdsLuns?: number[];
  dataVhdsStorageAccounts?: string[];
  osVhd?: string;
  dataVhds?: string[];
  parallel: number;
  tags?: string[];
  wait: boolean;
}

/** A local image file to upload into a temporary disk: the OS disk (no LUN) or a data disk. */
interface LocalDisk {
  file: string;
  lun?: number;
}

/** The storage profile the flags name, with the local files still to be uploaded. */
interface Sources {
  storageProfile: Json;
  local: LocalDisk[];
}

const lunList = (value: string, previous: number[] | undefined): number[] => {
  const lun = integer(value);
  if (lun < 0) throw new InvalidArgumentError("A LUN must not be negative.");
  return [...(previous ?? []), lun];
};

export function registerImageVersionCreateCommand(group: Command): void {
  addVersionOptions(
    group
      .command("create")
      .summary("Create an image version from a managed image, another version, snapshots, VHD URLs or local image files.")
      .description(
        "Create an image version, with az's flags: a whole image (--managed-image, --image-version, --virtual-machine) or disk by disk " +
          "(--os-snapshot or --os-vhd-uri, with --data-snapshots or --data-vhds-uris for data disks). Vitrine also takes local image files " +
          "(--os-vhd, --data-vhds: raw, fixed or dynamic VHD, qcow2, as `vitrine disk upload` reads them): each is uploaded into a temporary " +
          "managed disk in the version's region, used as the disk's source, and deleted once the version is built or has failed. " +
          "Waits until the version is built in its own region (not --no-wait) and prints it.",
      ),
  )
    .option("-l, --location <location>", "location of the version (default: the resource group's)")
    .option("--target-regions <regions...>", "space-separated regions to replicate to, each <region>[=<replica count>][=<storage account type>] (default: the location)")
    .option("--replica-count <count>", "replicas per region, where a target region does not say", positive)
    .option("--storage-account-type <type>", `storage type, where a target region does not say; allowed: ${STORAGE_ACCOUNT_TYPES.join(", ")}`, oneOf(...STORAGE_ACCOUNT_TYPES))
    .option("--exclude-from-latest [bool]", "leave the version out of 'latest' (true when given alone)", threeState)
    .option("--end-of-life-date <date>", "end-of-life date, e.g. 2030-01-01 (informational)", endOfLifeDate)
    .option(
      "--replication-mode <mode>",
      "replication mode, Full or Shallow (not updatable); Vitrine stores it but always makes full copies: Shallow is treated as Full",
      oneOf("Full", "Shallow"),
    )
    .option("--allow-replicated-location-deletion [bool]", ALLOW_DELETION_HELP, threeState)
    .option("--managed-image <image>", "source: a managed image, by id or by name in the resource group")
    .option("--image-version <id>", "source: another image version's id, of any gallery")
    .option("--virtual-machine <vm>", "source: a virtual machine, by id or by name; Vitrine refuses it (it runs no VMs): snapshot its disks instead")
    .option("--os-snapshot <snapshot>", "OS disk source: a snapshot or managed disk, by id, or a snapshot by name in the resource group")
    .option("--data-snapshots <snapshots...>", "data disk sources: snapshots or managed disks, by id or snapshot name")
    .option("--data-snapshot-luns <luns...>", "LUNs of --data-snapshots, in order (default: 0, 1, ...)", lunList)
    .option("--os-vhd-uri <uri>", "OS disk source: the URL of a VHD (or other image) the server can read")
    .option("--os-vhd-storage-account <id>", "the storage account of --os-vhd-uri (accepted and ignored by Vitrine)")
    .option("--data-vhds-uris <uris...>", "data disk sources: URLs of images the server can read")
    .option("--data-vhds-luns <luns...>", "LUNs of --data-vhds-uris or --data-vhds, in order (default: 0, 1, ...)", lunList)
    .option("--data-vhds-storage-accounts <ids...>", "storage accounts of --data-vhds-uris (default: --os-vhd-storage-account)")
    .option("--os-vhd <file>", "OS disk source: a local image file (raw, VHD, qcow2, ...), uploaded into a temporary disk")
    .option("--data-vhds <files...>", "data disk sources: local image files, uploaded into temporary disks")
    .option("--parallel <count>", "page writes in flight at once while uploading --os-vhd and --data-vhds", positive, 8)
    .option("--tags <tags...>", 'space-separated tags: key[=value]; "" clears them')
    .addOption(new Option("--no-wait", "do not wait for the version to be built; print nothing (not with --os-vhd or --data-vhds)"))
    .action(
      serverAction(async (flags: CreateFlags) => {
        const connected = connect(flags);
        const { client, subscriptionId } = connected;
        const sources = sourcesOf(flags, subscriptionId, flags.resourceGroup);
        if (!flags.wait && sources.local.length > 0) {
          throw new Error("usage error: --no-wait cannot be used with --os-vhd or --data-vhds: their temporary disks are deleted once the version is built.");
        }
        const location = await locationOrDefault(client, subscriptionId, flags.resourceGroup, flags.location);
        const temporary: string[] = [];
        try {
          await createVersion(connected, flags, location, sources, temporary);
        } finally {
          if (temporary.length > 0) await deleteTemporaryDisks(client, subscriptionId, flags.resourceGroup, temporary);
        }
      }),
    );
}

/**
 * Uploads the local files into temporary disks (named in `temporary` before each upload starts),
 * then creates the version from them and the other sources.
 */
async function createVersion(connected: Connected, flags: CreateFlags, location: string, sources: Sources, temporary: string[]): Promise<void> {
  const { client, subscriptionId } = connected;
  if (sources.local.length > 0) {
    // The definition first: a long upload should not precede finding that it does not exist.
    const definition = (await client.request("GET", withApiVersion(definitionPath(subscriptionId, flags)))).body as { properties?: Json };
    for (const disk of sources.local) {
      const name = temporaryDiskName(`${flags.galleryImageVersion}-${disk.lun === undefined ? "os" : `lun${disk.lun}`}`);
      temporary.push(name);
      // The OS disk says what the definition says, so the server's OS checks hold for it.
      const traits = disk.lun === undefined ? { osType: definition.properties?.osType as string, hyperVGeneration: definition.properties?.hyperVGeneration as string } : {};
      const uploaded = (await uploadDisk(connected, disk.file, { resourceGroup: flags.resourceGroup, name, location, parallel: flags.parallel, ...traits })) as { id: string };
      const source = { source: { id: uploaded.id } };
      if (disk.lun === undefined) sources.storageProfile.osDiskImage = source;
      else sources.storageProfile.dataDiskImages = [...((sources.storageProfile.dataDiskImages as Json[] | undefined) ?? []), { lun: disk.lun, ...source }];
    }
  }
  const body = {
    location,
    tags: tagsOf(flags.tags) ?? {},
    properties: {
      publishingProfile: {
        targetRegions: targetRegionsOf(flags.targetRegions) ?? [{ name: location }],
        ...defined({
          replicaCount: flags.replicaCount,
          excludeFromLatest: flags.excludeFromLatest,
          endOfLifeDate: flags.endOfLifeDate,
          storageAccountType: flags.storageAccountType,
          replicationMode: flags.replicationMode,
        }),
      },
      storageProfile: sources.storageProfile,
      ...(flags.allowReplicatedLocationDeletion !== undefined && { safetyProfile: { allowDeletionOfReplicatedLocations: flags.allowReplicatedLocationDeletion } }),
    },
  };
  const path = withApiVersion(versionPath(subscriptionId, flags));
  if (!flags.wait) {
    await client.request("PUT", path, body, { wait: false });
    return;
  }
  printJson((await client.request("PUT", path, body)).body);
}

/** The sources the flags name, checked as az checks them; names become ids in the resource group. */
function sourcesOf(flags: CreateFlags, subscriptionId: string, resourceGroup: string): Sources {
  const id = (value: string, type: string) => idOrName(value, subscriptionId, resourceGroup, type);
  const storageProfile: Json = {};
  const local: LocalDisk[] = [];

  const whole = [flags.managedImage && id(flags.managedImage, "images"), flags.imageVersion, flags.virtualMachine && id(flags.virtualMachine, "virtualMachines")].filter(Boolean);
  if (whole.length > 1) throw new Error("usage error: --managed-image, --image-version and --virtual-machine are alternatives: pass one of them.");
  if (whole[0]) storageProfile.source = { id: whole[0] };

  const osForms = [flags.osSnapshot, flags.osVhdUri, flags.osVhd].filter((value) => value !== undefined);
  if (osForms.length > 1) throw new Error("usage error: --os-snapshot, --os-vhd-uri and --os-vhd are alternatives: pass one of them.");
  if (flags.osSnapshot !== undefined) storageProfile.osDiskImage = { source: { id: id(flags.osSnapshot, "snapshots") } };
  if (flags.osVhdUri !== undefined) storageProfile.osDiskImage = { source: defined({ uri: flags.osVhdUri, storageAccountId: flags.osVhdStorageAccount }) };
  if (flags.osVhd !== undefined) local.push({ file: flags.osVhd });
  if (whole.length === 0 && osForms.length === 0) {
    throw new Error("usage error: name the source: --managed-image, --image-version, --virtual-machine, --os-snapshot, --os-vhd-uri or --os-vhd.");
  }

  const data: Json[] = [];
  const snapshots = flags.dataSnapshots ?? [];
  if (flags.dataSnapshotLuns && snapshots.length === 0) throw new Error("usage error: --data-snapshot-luns must be used together with --data-snapshots.");
  const snapshotLuns = lunsFor(snapshots, flags.dataSnapshotLuns, "--data-snapshots", "--data-snapshot-luns");
  snapshots.forEach((snapshot, i) => data.push({ lun: snapshotLuns[i], source: { id: id(snapshot, "snapshots") } }));

  if (flags.dataVhdsUris && flags.dataVhds) throw new Error("usage error: --data-vhds-uris and --data-vhds share --data-vhds-luns: pass one of them.");
  const uris = flags.dataVhdsUris ?? [];
  const accounts = flags.dataVhdsStorageAccounts ?? uris.map(() => flags.osVhdStorageAccount);
  if (accounts.length !== uris.length) throw new Error("usage error: Length of --data-vhds-uris and --data-vhds-storage-accounts should be equal.");
  const uriLuns = lunsFor(uris, flags.dataVhdsLuns, "--data-vhds-uris", "--data-vhds-luns");
  uris.forEach((uri, i) => data.push({ lun: uriLuns[i], source: defined({ uri, storageAccountId: accounts[i] }) }));

  const files = flags.dataVhds ?? [];
  if (flags.dataVhdsLuns && uris.length === 0 && files.length === 0) throw new Error("usage error: --data-vhds-luns must be used together with --data-vhds-uris or --data-vhds.");
  const fileLuns = lunsFor(files, flags.dataVhdsLuns, "--data-vhds", "--data-vhds-luns");
  files.forEach((file, i) => local.push({ file, lun: fileLuns[i] }));

  if (data.length > 0) storageProfile.dataDiskImages = data;
  return { storageProfile, local };
}

/** The LUNs given for a list of data disks, or az's default 0, 1, ... */
function lunsFor(disks: readonly string[], luns: number[] | undefined, disksFlag: string, lunsFlag: string): number[] {
  if (luns === undefined) return disks.map((_, i) => i);
  if (disks.length > 0 && luns.length !== disks.length) throw new Error(`usage error: Length of ${disksFlag} and ${lunsFlag} should be equal.`);
  return luns;
}
