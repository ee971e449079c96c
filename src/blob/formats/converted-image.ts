// Images in formats that are not read natively (VHDX, VMDK, compressed qcow2), read through a
// sparse raw conversion made by qemu-img in a scratch directory.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DiskFormat, DiskImage, RangeReader } from "../disk-image.js";
import { qemuImgConvertToRaw, qemuImgMap } from "./qemu-img.js";
import { openFileReader } from "./range-reader.js";
import { openRaw } from "./raw.js";

/**
 * Converts the local image at `path` to raw and opens the result; the image reports `format`.
 * On success the image owns `source` (the reader of the original) and closes it with its own.
 */
export async function openConverted(source: RangeReader, path: string, format: DiskFormat, workDir = tmpdir()): Promise<DiskImage> {
  const dir = await mkdtemp(join(workDir, "vitrine-convert-"));
  try {
    const rawPath = join(dir, "disk.raw");
    await qemuImgConvertToRaw(path, format, rawPath);
    const extents = await qemuImgMap(rawPath, "raw");
    const raw = await openRaw(await openFileReader(rawPath), extents);
    return {
      ...raw,
      format,
      async close() {
        await Promise.all([raw.close(), source.close()]);
      },
    };
  } finally {
    // The open handle keeps the conversion readable; removing its name now means a crash cannot
    // leave a disk-sized file behind.
    await rm(dir, { recursive: true, force: true });
  }
}
