// Disk images for the format tests: a sparse raw file written by hand, converted by the real
// qemu-img into the formats Vitrine ingests, and a few damaged or unusual variants.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdtemp, open, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import assert from "node:assert/strict";
import { DiskImageError, type DiskImage, type Extent, type RangeReader } from "../../src/blob/disk-image.js";
import { openFileReader } from "../../src/blob/formats/range-reader.js";
import { qemuImgAvailable } from "../../src/blob/formats/qemu-img.js";

export { qemuImgAvailable };

/** The `skip` option of a suite whose images qemu-img makes: false where it is installed. */
export const qemuSkip = (await qemuImgAvailable()) ? false : "qemu-img is not installed (Debian package qemu-utils): the images are made with it";

/** Opens the image at `path` with `open`, closing the file when `open` refuses it. */
export async function openImageFile<T>(path: string, open: (reader: RangeReader) => Promise<T>): Promise<T> {
  const reader = await openFileReader(path);
  try {
    return await open(reader);
  } catch (error) {
    await reader.close();
    throw error;
  }
}

/** An `assert.rejects` check: a DiskImageError with this reason (and message). */
export function refusedWith(reason: DiskImageError["reason"], message?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DiskImageError, `expected a DiskImageError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    if (message) assert.match(error.message, message);
    return true;
  };
}

const run = promisify(execFile);

export const MIB = 1024 * 1024;

/** A fresh scratch directory and the function that removes it. */
export async function makeTempDir(prefix = "vitrine-images-"): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface RawBlock {
  offset: number;
  /** The bytes, or a fill byte repeated `length` times. */
  bytes: Buffer | number;
  length?: number;
}

/** Writes a sparse raw file of `sizeBytes` holding `blocks`; returns its path. */
export async function makeRawImage(dir: string, name: string, spec: { sizeBytes: number; blocks: RawBlock[] }): Promise<string> {
  const path = join(dir, name);
  const file = await open(path, "w");
  try {
    await file.truncate(spec.sizeBytes);
    for (const block of spec.blocks) {
      const bytes = typeof block.bytes === "number" ? Buffer.alloc(block.length ?? 512, block.bytes) : block.bytes;
      await file.write(bytes, 0, bytes.length, block.offset);
    }
  } finally {
    await file.close();
  }
  return path;
}

/** Deterministic bytes that are never all zero in any 512-byte stretch. */
export function pattern(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = (state & 0xff) | 1;
  }
  return out;
}

/**
 * The usual test disk, 24 MiB: data at the start, a run that crosses the 12 MiB block and
 * cluster boundary, a lone byte, the last sector; long zero runs between.
 */
export const SAMPLE_SIZE = 24 * MIB;
export const SAMPLE_BLOCKS: RawBlock[] = [
  { offset: 0, bytes: pattern(64 * 1024, 1) },
  { offset: 5 * MIB + 100, bytes: 0x5a, length: 1 },
  { offset: 12 * MIB - 3000, bytes: pattern(10_000, 2) },
  { offset: SAMPLE_SIZE - 512, bytes: 0xee, length: 512 },
];

export function makeSampleRaw(dir: string, name = "sample.raw"): Promise<string> {
  return makeRawImage(dir, name, { sizeBytes: SAMPLE_SIZE, blocks: SAMPLE_BLOCKS });
}

/** The whole virtual disk through read(), in chunks that are deliberately not sector-aligned. */
export async function readWholeImage(image: DiskImage, chunk = 1_000_003): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let at = 0; at < image.virtualSize; at += chunk) parts.push(await image.read(at, Math.min(chunk, image.virtualSize - at)));
  return Buffer.concat(parts);
}

/**
 * The same through read() into one reused buffer, filled with 0xaa before each read: the bytes a
 * reader leaves unwritten (zeros it skips) would show as 0xaa.
 */
export async function readWholeImageInto(image: DiskImage, chunk: number): Promise<Buffer> {
  const into = Buffer.alloc(chunk);
  const parts: Buffer[] = [];
  for (let at = 0; at < image.virtualSize; at += chunk) {
    into.fill(0xaa);
    parts.push(Buffer.from(await image.read(at, Math.min(chunk, image.virtualSize - at), into)));
  }
  return Buffer.concat(parts);
}

export async function collectExtents(image: DiskImage): Promise<Extent[]> {
  const list: Extent[] = [];
  for await (const extent of image.extents()) list.push(extent);
  return list;
}

export function extentTotal(extents: readonly Extent[]): number {
  return extents.reduce((sum, extent) => sum + extent.length, 0);
}

/**
 * The first problem with `extents` for a disk whose bytes are `raw`: out of order, overlapping,
 * out of bounds, or leaving out a non-zero byte. Undefined when there is none.
 */
export function extentProblem(extents: readonly Extent[], raw: Buffer): string | undefined {
  let covered = 0;
  for (const { offset, length } of extents) {
    if (offset < covered || length <= 0 || offset + length > raw.length) return `extent [${offset}, +${length}) is out of order or bounds`;
    const gap = raw.subarray(covered, offset).findIndex((byte) => byte !== 0);
    if (gap >= 0) return `non-zero byte at ${covered + gap} lies outside every extent`;
    covered = offset + length;
  }
  const tail = raw.subarray(covered).findIndex((byte) => byte !== 0);
  return tail >= 0 ? `non-zero byte at ${covered + tail} lies outside every extent` : undefined;
}

export type ConvertFormat = "vpc-fixed" | "vpc-dynamic" | "qcow2" | "qcow2-v2" | "qcow2-compressed" | "vhdx" | "vmdk";

const CONVERSIONS: Record<ConvertFormat, { suffix: string; args: string[] }> = {
  // force_size keeps the VHD's size the raw size instead of rounding it up to a CHS geometry.
  "vpc-fixed": { suffix: "fixed.vhd", args: ["-O", "vpc", "-o", "subformat=fixed,force_size=on"] },
  "vpc-dynamic": { suffix: "dynamic.vhd", args: ["-O", "vpc", "-o", "subformat=dynamic,force_size=on"] },
  qcow2: { suffix: "qcow2", args: ["-O", "qcow2"] },
  "qcow2-v2": { suffix: "v2.qcow2", args: ["-O", "qcow2", "-o", "compat=0.10"] },
  "qcow2-compressed": { suffix: "compressed.qcow2", args: ["-O", "qcow2", "-c"] },
  vhdx: { suffix: "vhdx", args: ["-O", "vhdx"] },
  vmdk: { suffix: "vmdk", args: ["-O", "vmdk"] },
};

/** Converts a raw image with qemu-img; returns the new file's path, next to the raw one. */
export async function convertImage(raw: string, format: ConvertFormat): Promise<string> {
  const { suffix, args } = CONVERSIONS[format];
  const out = `${raw.replace(/\.raw$/, "")}.${suffix}`;
  await run("qemu-img", ["convert", "-f", "raw", ...args, raw, out]);
  return out;
}

/** Runs qemu-img (or qemu-io) with the given arguments; returns stdout. */
export async function qemu(tool: "qemu-img" | "qemu-io", args: string[]): Promise<string> {
  return (await run(tool, args)).stdout;
}

export async function copyImage(path: string, suffix: string): Promise<string> {
  const out = `${path}.${suffix}`;
  await copyFile(path, out);
  return out;
}

/** Cuts the file to `size` bytes. */
export async function cutImage(path: string, size: number): Promise<void> {
  await truncate(path, size);
}

/** Overwrites bytes of a file in place. */
export async function patchImage(path: string, offset: number, bytes: Buffer): Promise<void> {
  const file = await open(path, "r+");
  try {
    await file.write(bytes, 0, bytes.length, offset);
  } finally {
    await file.close();
  }
}

/** The VHD footer checksum, computed here independently of the code under test. */
function footerChecksum(footer: Buffer): number {
  let sum = 0;
  footer.forEach((byte, i) => {
    if (i < 64 || i >= 68) sum += byte;
  });
  return ~sum >>> 0;
}

/**
 * A differencing VHD made from a dynamic one by changing the disk type in both footers (qemu-img
 * cannot create differencing VHDs: "Backing file not supported for file format 'vpc'").
 */
export async function makeDifferencingVhd(dynamicVhd: string): Promise<string> {
  const data = await readFile(dynamicVhd);
  for (const at of [0, data.length - 512]) {
    const footer = data.subarray(at, at + 512);
    footer.writeUInt32BE(4, 60);
    footer.writeUInt32BE(footerChecksum(footer), 64);
  }
  const out = dynamicVhd.replace(/\.vhd$/, ".differencing.vhd");
  await writeFile(out, data);
  return out;
}

/**
 * The content digest of a raw disk, computed as docs/content-digest.md tells a client to, with
 * none of the server's code: what a download is checked against.
 */
export function contentDigestOf(raw: Buffer): string {
  const chunk = 1 << 20;
  const zero = Buffer.alloc(chunk);
  const entries: Buffer[] = [];
  for (let index = 0; index * chunk < raw.length; index++) {
    const piece = raw.subarray(index * chunk, Math.min(raw.length, (index + 1) * chunk));
    if (piece.equals(zero.subarray(0, piece.length))) continue;
    const entry = Buffer.alloc(36);
    entry.writeUInt32BE(index, 0);
    createHash("sha256").update(piece).digest().copy(entry, 4);
    entries.push(entry);
  }
  const header = Buffer.alloc(24);
  header.write("VTRNMF01", 0, "latin1");
  header.writeBigUInt64BE(BigInt(raw.length), 8);
  header.writeUInt32BE(chunk, 16);
  header.writeUInt32BE(entries.length, 20);
  const digest = createHash("sha256").update(header);
  for (const entry of entries) digest.update(entry);
  return `sha256:${digest.digest("hex")}`;
}
