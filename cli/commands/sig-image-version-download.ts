// `vitrine sig image-version download`: a version's disk into a local file. The version is
// deployed into a temporary disk (FromImage, in the region asked for), that disk is downloaded
// with `vitrine disk download`'s code, checked against the version's content digest, and deleted.
// `-e latest` deploys the definition's latest in that region; the disk's digest tells which it was.

import type { Command } from "commander";
import { CliError, type VitrineClient } from "../client.js";
import { connect, printJson, serverAction } from "./connected-command.js";
import { addDownloadOptions, downloadDisk, requireFormatTools, type DownloadOptions } from "./disk-download.js";
import { diskBody, diskPath, DISKS, withDiskApiVersion } from "./disk-shared.js";
import { defined, integer, withApiVersion } from "./sig-shared.js";
import { addVersionOptions, deleteTemporaryDisks, temporaryDiskName, versionPath, type VersionFlags } from "./sig-image-version-shared.js";
import { definitionPath } from "./sig-shared.js";

interface DownloadFlags extends VersionFlags, DownloadOptions {
  lun?: number;
  region?: string;
}

interface DiskImage {
  lun?: number;
  contentDigest?: string;
}

interface Version {
  id: string;
  name: string;
  location: string;
  properties?: {
    storageProfile?: { osDiskImage?: DiskImage; dataDiskImages?: DiskImage[] };
    publishingProfile?: { excludeFromLatest?: boolean; targetRegions?: Array<{ name: string; excludeFromLatest?: boolean }> };
  };
}

export function registerImageVersionDownloadCommand(group: Command): void {
  const command = group
    .command("download")
    .summary("Download an image version's OS or data disk into a raw, VHD or qcow2 file, checked by its content digest.")
    .description(
      "Download one disk of an image version: it is deployed into a temporary managed disk (createOption FromImage) in the resource group and region, " +
        "downloaded as `vitrine disk download` does (sparse, in parallel, checked against the version's contentDigest), and the " +
        "temporary disk is deleted, also when something fails. With -e latest the definition's latest version in the region is " +
        "used, and the output says which version that was. Prints what was written; a summary goes to stderr, with a progress bar " +
        "when stderr is a terminal.",
    );
  addDownloadOptions(addVersionOptions(command, "gallery image version, Major.Minor.Patch, or latest for the definition's latest in the region"))
    .option("--lun <lun>", "the data disk at this LUN (default: the OS disk)", integer)
    .option("--region <region>", "region to deploy the temporary disk in, where the version must be complete (default: the version's location; with latest, the definition's)")
    .action(serverAction(download));
}

async function download(flags: DownloadFlags): Promise<void> {
  await requireFormatTools(flags.format);
  const connected = connect(flags);
  const { client, subscriptionId } = connected;
  const latest = flags.galleryImageVersion.toLowerCase() === "latest";
  const sourcePath = latest ? definitionPath(subscriptionId, flags) : versionPath(subscriptionId, flags);
  const source = (await client.request("GET", withApiVersion(sourcePath))).body as Version;
  const region = flags.region ?? source.location;

  const name = temporaryDiskName(`${flags.galleryImageDefinition}-${flags.galleryImageVersion}`);
  const disk = { resourceGroup: flags.resourceGroup, name };
  let version: Version | undefined = latest ? undefined : source;
  try {
    const creationData = { createOption: "FromImage", galleryImageReference: defined({ id: source.id, lun: flags.lun }) };
    const created = (await client.request("PUT", withDiskApiVersion(diskPath(subscriptionId, DISKS, disk)), diskBody(DISKS, region, creationData, {}))).body as {
      properties?: { contentDigest?: string };
    };
    const digest = created.properties?.contentDigest;
    if (latest) {
      version = await versionHolding(client, definitionPath(subscriptionId, flags), digest, flags.lun, region);
      if (!version) throw new CliError(409, "Conflict", `The server deployed ${source.id} as latest with content digest ${String(digest)}, which no version of it holds (was one deleted meanwhile?).`);
      process.stderr.write(`The latest version in ${region} is ${version.name}.\n`);
    }
    const expected = version && diskOf(version, flags.lun)?.contentDigest;
    if (digest === undefined || digest !== expected) {
      throw new CliError(
        500,
        "ContentDigestMismatch",
        `The disk deployed from ${source.id} has content digest ${String(digest)}, but the image version's ${flags.lun === undefined ? "OS disk" : `data disk at LUN ${flags.lun}`} has ${String(expected)}.`,
      );
    }
    const result = await downloadDisk(connected, { ...disk, output: flags.output, format: flags.format, parallel: flags.parallel });
    printJson({ ...result, imageVersion: version?.name, imageVersionId: version?.id, ...defined({ lun: flags.lun }), region });
  } finally {
    await deleteTemporaryDisks(client, subscriptionId, flags.resourceGroup, [name]);
  }
}

function diskOf(version: Version, lun: number | undefined): DiskImage | undefined {
  const profile = version.properties?.storageProfile;
  return lun === undefined ? profile?.osDiskImage : profile?.dataDiskImages?.find((disk) => disk.lun === lun);
}

/**
 * The version whose disk holds `digest`. Versions made from the same bytes share a digest; of
 * those, the one "latest" picks: not excluded in the region, then the highest version number.
 */
async function versionHolding(client: VitrineClient, definition: string, digest: string | undefined, lun: number | undefined, region: string): Promise<Version | undefined> {
  const versions = (await client.listAll(withApiVersion(`${definition}/versions`))) as Version[];
  const key = (name: string) => name.toLowerCase().replace(/\s+/g, "");
  const excluded = (version: Version) => {
    const profile = version.properties?.publishingProfile;
    const regional = profile?.targetRegions?.find((target) => key(target.name) === key(region))?.excludeFromLatest;
    return regional ?? profile?.excludeFromLatest ?? false;
  };
  const numbers = (version: Version) => version.name.split(".").map(Number);
  const newer = (a: Version, b: Version) => numbers(b).reduce((order, part, i) => order || part - (numbers(a)[i] ?? 0), 0);
  return versions
    .filter((candidate) => digest !== undefined && diskOf(candidate, lun)?.contentDigest === digest)
    .sort((a, b) => Number(excluded(a)) - Number(excluded(b)) || newer(a, b))[0];
}
