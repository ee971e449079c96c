// `vitrine disk upload FILE`: Azure's direct upload done in one command, the part Azure leaves to
// AzCopy included. The image is read locally in any format the server's readers take, the disk is
// created for upload, only the data the image holds is sent as page writes (in parallel), then the
// fixed-VHD footer; revoking access makes the server ingest, and the disk's content digest must
// equal the one computed here from what was sent.

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { CliError, reportCliError, type VitrineClient } from "../client.js";
import type { DiskImage, Extent } from "../../src/blob/disk-image.js";
import { openDiskImage } from "../../src/blob/formats/detect.js";
import { openFileReader } from "../../src/blob/formats/range-reader.js";
import { buildFixedVhdFooter } from "../../src/blob/formats/vhd.js";
import { AccessUrl } from "../transfer/access-url.js";
import { ContentDigest, DIGEST_CHUNK } from "../transfer/content-digest.js";
import { formatBytes, formatRate, TransferProgress } from "../transfer/progress.js";
import { forEachParallelWithBuffer, nonZeroRuns, WINDOW, windowsOf } from "../transfer/windows.js";
import { connect, printJson, withConnectionOptions, type Connected, type ServerFlags } from "./connected-command.js";
import {
  addDiskOptions,
  addDiskPropertyOptions,
  diskBody,
  diskPath,
  DISKS,
  grantAccess,
  positive,
  revokeAccess,
  withDiskApiVersion,
  type DiskFlags,
  type DiskPropertyFlags,
} from "./disk-shared.js";
import { locationOrDefault } from "./sig-shared.js";

export interface UploadOptions extends DiskFlags, DiskPropertyFlags {
  location?: string;
  parallel: number;
}

interface UploadFlags extends ServerFlags, UploadOptions {}

const MIB = 1024 * 1024;
/** Azure's bounds for a disk made by direct upload. */
const MIN_DISK = 20 * MIB;
const MAX_DISK = 32 * 1024 * 1024 * MIB;
/** Long enough for a slow link to move a large disk; revoked as soon as the upload ends. */
const GRANT_SECONDS = 24 * 3600;

export function registerDiskUploadCommand(disk: Command): void {
  const command = disk
    .command("upload")
    .summary("Upload a disk image (raw, VHD, qcow2, ...) as a new managed disk, checked by its content digest.")
    .description(
      "Upload a disk image as a new managed disk: create it for upload, send the image's data as page writes " +
        "(zero ranges are skipped), let the server ingest it, and check its content digest against what was sent. " +
        "FILE may be raw, a fixed or dynamic VHD, or qcow2 (VHDX and VMDK too where qemu-img is installed). " +
        "The virtual disk must be a whole number of MiB from 20 MiB to 32 TiB, as Azure requires: other sizes are refused, not padded. " +
        "Prints the disk; a summary (bytes sent, rate) goes to stderr, with a progress bar when stderr is a terminal.",
    )
    .argument("<file>", "the disk image to upload");
  addDiskOptions(command, DISKS)
    .option("-l, --location <location>", "location (default: the resource group's)")
    .option("--parallel <count>", "page writes in flight at once", positive, 8);
  withConnectionOptions(addDiskPropertyOptions(command, DISKS)).action(async (file: string, flags: UploadFlags) => {
    try {
      printJson(await uploadDisk(connect(flags), file, flags));
    } catch (error) {
      reportCliError(error);
    }
  });
}

/**
 * Uploads `file` as the new disk `flags.name` and returns the disk as the server shows it; the
 * summary line goes to stderr. A disk created here and not filled is deleted again.
 */
export async function uploadDisk({ client, subscriptionId }: Connected, file: string, flags: UploadOptions): Promise<unknown> {
  const image = await openImage(file);
  try {
    const size = image.virtualSize;
    if (size % MIB !== 0 || size < MIN_DISK || size > MAX_DISK) {
      const suggestion = Math.max(MIN_DISK / MIB, Math.ceil(size / MIB));
      throw new Error(
        `${file} (read as ${image.format}): its virtual disk is ${size} bytes, which Azure does not take: a disk must be a whole number of MiB from 20 MiB to 32 TiB. ` +
          `Grow it with zeros first, e.g. qemu-img resize ${file} ${suggestion}M (for a VHD, convert it to raw or qcow2 first), and upload the result.`,
      );
    }
    const extents: Extent[] = [];
    for await (const extent of image.extents()) extents.push(extent);

    const path = diskPath(subscriptionId, DISKS, flags);
    await refuseExisting(client, path, flags);
    const location = await locationOrDefault(client, subscriptionId, flags.resourceGroup, flags.location);
    const body = diskBody(DISKS, location, { createOption: "Upload", uploadSizeBytes: size + 512 }, flags);
    await client.request("PUT", withDiskApiVersion(path), body);

    let sent: Sent;
    try {
      const url = await grantAccess(client, path, "Write", GRANT_SECONDS);
      sent = await sendImage(image, extents, new AccessUrl(url, readFileSync(client.connection.caCertFile), flags.parallel), flags.parallel);
      if (process.stderr.isTTY) process.stderr.write("Waiting for the server to ingest the disk...\n");
      await revokeAccess(client, path);
    } catch (error) {
      await discard(client, path, flags.name);
      throw error;
    }

    const uploaded = (await client.request("GET", withDiskApiVersion(path))).body as { properties?: { contentDigest?: unknown } };
    const stored = uploaded.properties?.contentDigest;
    if (stored !== sent.digest) {
      throw new CliError(
        500,
        "ContentDigestMismatch",
        `The server stored disk '${flags.name}' with content digest ${String(stored)}, but what was sent has ${sent.digest}. The disk is kept for inspection; delete it with vitrine disk delete.`,
      );
    }
    process.stderr.write(
      `Uploaded ${file} (${image.format}, ${formatBytes(size)}) to disk '${flags.name}': sent ${sent.bytes} bytes in ${sent.writes} page writes, ` +
        `skipped ${size - sent.bytes} zero bytes, in ${sent.seconds.toFixed(1)} s (${formatRate(sent.bytes, sent.seconds)}); content digest ${sent.digest} verified.\n`,
    );
    return uploaded;
  } finally {
    await image.close();
  }
}

/** The image at `file`, or an error that names the file and says what is wrong with it. */
async function openImage(file: string): Promise<DiskImage> {
  const reader = await openFileReader(file).catch((error: unknown) => {
    throw new Error(`Cannot open ${file}: ${error instanceof Error ? error.message : String(error)}`);
  });
  try {
    return await openDiskImage(reader, { path: file });
  } catch (error) {
    await reader.close();
    throw new Error(`${file} cannot be uploaded: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * An upload never writes into an existing disk: stale bytes staged there would stay wherever this
 * image is zero, and a PUT could change a disk someone else made.
 */
async function refuseExisting(client: VitrineClient, path: string, flags: DiskFlags): Promise<void> {
  const existing = await client.request("GET", withDiskApiVersion(path)).then(
    () => true,
    (error: unknown) => {
      if (error instanceof CliError && error.status === 404) return false;
      throw error;
    },
  );
  if (existing) {
    throw new CliError(409, "Conflict", `Disk '${flags.name}' already exists in resource group '${flags.resourceGroup}': delete it first (vitrine disk delete) or upload under another name.`);
  }
}

interface Sent {
  bytes: number;
  writes: number;
  seconds: number;
  digest: string;
}

/** Sends the non-zero chunks that meet the image's extents, `parallel` windows at a time, then the footer. */
async function sendImage(image: DiskImage, extents: readonly Extent[], target: AccessUrl, parallel: number): Promise<Sent> {
  const size = image.virtualSize;
  const digest = new ContentDigest(size);
  const dataBytes = extents.reduce((sum, extent) => sum + extent.length, 0);
  const progress = new TransferProgress("Uploading", dataBytes);
  let bytes = 0;
  let writes = 0;
  let seconds: number;
  try {
    // Each window is read into a buffer that is reused once its pages are written.
    await forEachParallelWithBuffer(windowsOf(extents, size), parallel, WINDOW, async (window, buffer) => {
      const data = await image.read(window.offset, window.length, buffer);
      const first = window.offset / DIGEST_CHUNK;
      for (const [start, end] of nonZeroRuns(data, (chunk, bytesOfChunk) => digest.add(first + chunk, bytesOfChunk))) {
        await target.writePages(window.offset + start, data.subarray(start, end));
        bytes += end - start;
        writes++;
      }
      progress.advance(window.dataBytes);
    });
    await target.writePages(size, buildFixedVhdFooter(size));
    writes++;
  } finally {
    seconds = progress.stop();
    target.close();
  }
  return { bytes, writes, seconds, digest: digest.digest() };
}

/**
 * After a failed upload: revoking ends the grant (the server finds no footer and refuses the
 * bytes), then the disk this command created is deleted, so that the upload can simply be run again.
 */
async function discard(client: VitrineClient, path: string, name: string): Promise<void> {
  try {
    await revokeAccess(client, path).catch(() => undefined);
    await client.request("DELETE", withDiskApiVersion(path));
    process.stderr.write(`The upload failed; disk '${name}', created for it, was deleted.\n`);
  } catch {
    process.stderr.write(`The upload failed, and disk '${name}', created for it, could not be deleted: delete it with vitrine disk revoke-access and vitrine disk delete.\n`);
  }
}
