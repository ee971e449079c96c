// `vitrine disk download`: a disk's bytes into a local file, the part Azure leaves to AzCopy.
// Read access is granted, the server is asked which ranges hold data (Get Page Ranges, as AzCopy
// asks of page blobs; a server that does not list them has everything fetched), those are fetched
// with parallel ranged GETs, all-zero chunks are not written (the file stays sparse), the content
// digest is checked as the bytes arrive, and access is revoked. qcow2 is made from a raw download
// with qemu-img.

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { open, rm, type FileHandle } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import type { Command } from "commander";
import { CliError, reportCliError, type VitrineClient } from "../client.js";
import { qemuImgAvailable } from "../../src/blob/formats/qemu-img.js";
import { AccessUrl, type PageRange } from "../transfer/access-url.js";
import { ContentDigest, DIGEST_CHUNK } from "../transfer/content-digest.js";
import { formatBytes, formatRate, TransferProgress } from "../transfer/progress.js";
import type { Extent } from "../../src/blob/disk-image.js";
import { forEachParallelWithBuffer, nonZeroRuns, readWindowsOf, WINDOW } from "../transfer/windows.js";
import { connect, printJson, withConnectionOptions, type Connected, type ServerFlags } from "./connected-command.js";
import { addDiskOptions, diskPath, DISKS, grantAccess, positive, revokeAccess, withDiskApiVersion, type DiskFlags } from "./disk-shared.js";
import { oneOf } from "./sig-shared.js";

type Format = "raw" | "vhd" | "qcow2";

/** What to write and how: the flags of addDownloadOptions. */
export interface DownloadOptions {
  output: string;
  format: Format;
  parallel: number;
}

interface DownloadFlags extends ServerFlags, DiskFlags, DownloadOptions {}

const FOOTER = 512;
const GRANT_SECONDS = 24 * 3600;

export function registerDiskDownloadCommand(disk: Command): void {
  const command = disk
    .command("download")
    .summary("Download a disk into a sparse raw, VHD or qcow2 file, checked by its content digest.")
    .description(
      "Download a disk into a local file: raw (the disk's bytes), vhd (a fixed VHD: the disk and the footer the server serves) " +
        "or qcow2 (made from a raw download with qemu-img). Only the ranges the server lists as holding data (Get Page Ranges) are fetched, " +
        "or the whole disk from a server that does not list them; all-zero 1 MiB chunks are not written, so the file is sparse. " +
        "The content digest is checked against the disk's contentDigest; on a mismatch the file is deleted. " +
        "Prints what was written; a summary goes to stderr, with a progress bar when stderr is a terminal.",
    );
  withConnectionOptions(addDownloadOptions(addDiskOptions(command, DISKS))).action(async (flags: DownloadFlags) => {
    try {
      await requireFormatTools(flags.format);
      printJson(await downloadDisk(connect(flags), flags));
    } catch (error) {
      reportCliError(error);
    }
  });
}

/** -o, --format and --parallel. */
export function addDownloadOptions(command: Command): Command {
  return command
    .requiredOption("-o, --output <file>", "the file to write (replaced if it exists)")
    .option("--format <format>", "format of the file; allowed: raw, vhd, qcow2", oneOf("raw", "vhd", "qcow2"), "raw")
    .option("--parallel <count>", "ranged reads in flight at once", positive, 8);
}

/** Refuses a format whose tools are missing, before anything is created or fetched. */
export async function requireFormatTools(format: Format): Promise<void> {
  if (format === "qcow2" && !(await qemuImgAvailable())) {
    throw new Error("--format qcow2 needs qemu-img (Debian package qemu-utils); download as raw or vhd, or install it.");
  }
}

/**
 * Downloads disk `flags.name` into `flags.output`, checked by its content digest, and returns
 * what was written; the summary line goes to stderr.
 */
export async function downloadDisk({ client, subscriptionId }: Connected, flags: DiskFlags & DownloadOptions): Promise<DownloadResult> {
  const path = diskPath(subscriptionId, DISKS, flags);
  const disk = (await client.request("GET", withDiskApiVersion(path))).body as { properties?: { contentDigest?: unknown; diskState?: unknown } };
  const expected = disk.properties?.contentDigest;
  if (typeof expected !== "string") {
    throw new CliError(409, "OperationNotAllowed", `Disk '${flags.name}' has no content to download yet (diskState ${String(disk.properties?.diskState)}).`);
  }

  const output = resolve(flags.output);
  // qcow2 is converted from a sparse raw file written next to the output, where there is room for it.
  const rawPath = flags.format === "qcow2" ? `${output}.${process.pid}.raw.partial` : output;
  let received: Received;
  // A file that was there before is left alone when the download fails before replacing it.
  let replaced = false;
  const markReplaced = () => {
    if (rawPath === output) replaced = true;
  };
  try {
    const url = await grantAccess(client, path, "Read", GRANT_SECONDS);
    try {
      received = await receive(new AccessUrl(url, readFileSync(client.connection.caCertFile), flags.parallel), rawPath, flags, markReplaced);
    } finally {
      await revokeQuietly(client, path, flags.name);
    }
    if (received.digest !== expected) {
      throw new CliError(
        500,
        "ContentDigestMismatch",
        `The downloaded disk has content digest ${received.digest}, but disk '${flags.name}' has ${expected}: the download was deleted.`,
      );
    }
    if (flags.format === "qcow2") {
      replaced = true;
      await convertToQcow2(rawPath, output);
    }
  } catch (error) {
    if (replaced) await rm(output, { force: true });
    throw error;
  } finally {
    if (rawPath !== output) await rm(rawPath, { force: true });
  }

  process.stderr.write(
    `Downloaded disk '${flags.name}' (${formatBytes(received.size)}) to ${flags.output} (${flags.format}): received ${received.bytes} bytes ` +
      `(${received.listed ? "the ranges the server lists as data" : "all of it: the server lists no page ranges"}), ` +
      `wrote ${received.written} (the rest is zero, left sparse), in ${received.seconds.toFixed(1)} s (${formatRate(received.bytes, received.seconds)}); ` +
      `content digest ${received.digest} verified.\n`,
  );
  return { file: output, format: flags.format, diskSizeBytes: received.size, contentDigest: received.digest, bytesReceived: received.bytes, bytesWritten: received.written };
}

export interface DownloadResult {
  file: string;
  format: Format;
  diskSizeBytes: number;
  contentDigest: string;
  bytesReceived: number;
  bytesWritten: number;
}

interface Received {
  size: number;
  /** Whether the server listed the data ranges, so that only they were fetched. */
  listed: boolean;
  bytes: number;
  written: number;
  seconds: number;
  digest: string;
}

/**
 * Fetches the disk's data, `parallel` windows at a time, into `file`: the disk, and for vhd its
 * footer. `created` is called once the file exists, so that a failure knows to remove it.
 */
async function receive(source: AccessUrl, file: string, flags: DownloadOptions, created: () => void): Promise<Received> {
  let handle: FileHandle | undefined;
  let progress: TransferProgress | undefined;
  let bytes = 0;
  let written = 0;
  try {
    const total = await source.size();
    const size = total - FOOTER;
    const listed = await source.pageRanges(total);
    // The chunks left out are zeros by the server's word; the digest, which leaves zero chunks
    // out too, checks that word.
    const extents = listed ? withinDisk(listed, size) : size > 0 ? [{ offset: 0, length: size }] : [];
    let toRead = 0;
    for (const window of readWindowsOf(extents, size)) toRead += window.length;
    const digest = new ContentDigest(size);
    const out = await open(file, "w");
    handle = out;
    created();
    // Sized up front: what is never written is a hole that reads as zeros.
    await out.truncate(flags.format === "vhd" ? size + FOOTER : size);
    const bar = new TransferProgress("Downloading", toRead);
    progress = bar;
    // Each window is received into a buffer that is reused once its bytes are written.
    await forEachParallelWithBuffer(readWindowsOf(extents, size), flags.parallel, WINDOW, async (window, buffer) => {
      const data = await source.read(window.offset, window.length, buffer);
      bytes += data.length;
      const first = window.offset / DIGEST_CHUNK;
      for (const [start, end] of nonZeroRuns(data, (chunk, bytesOfChunk) => digest.add(first + chunk, bytesOfChunk))) {
        await writeAll(out, data.subarray(start, end), window.offset + start);
        written += end - start;
      }
      bar.advance(window.length);
    });
    const seconds = bar.stop();
    progress = undefined;
    if (flags.format === "vhd") {
      await writeAll(out, await source.read(size, FOOTER), size);
      bytes += FOOTER;
      written += FOOTER;
    }
    handle = undefined;
    await out.close();
    return { size, listed: listed !== undefined, bytes, written, seconds, digest: digest.digest() };
  } finally {
    progress?.stop();
    await handle?.close();
    source.close();
  }
}

/** The listed ranges of the served VHD that fall in the disk, without its footer. */
function withinDisk(ranges: readonly PageRange[], size: number): Extent[] {
  return ranges.filter((range) => range.start < size).map((range) => ({ offset: range.start, length: Math.min(range.end, size - 1) - range.start + 1 }));
}

async function writeAll(file: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

/** endGetAccess after a download; a failure is reported but does not undo a verified download. */
async function revokeQuietly(client: VitrineClient, path: string, name: string): Promise<void> {
  try {
    await revokeAccess(client, path);
  } catch (error) {
    process.stderr.write(`Warning: could not revoke the access URL of disk '${name}' (${error instanceof Error ? error.message : String(error)}); run vitrine disk revoke-access.\n`);
  }
}

async function convertToQcow2(raw: string, output: string): Promise<void> {
  try {
    await promisify(execFile)("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", raw, output]);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`qemu-img could not convert the download to qcow2: ${stderr || (error instanceof Error ? error.message : String(error))}`);
  }
}
