// Which format an image is in, from its magic numbers, and the one entry point that opens any
// image Vitrine ingests: natively where it can, through qemu-img for the rest.
import { DiskImageError, type DiskFormat, type DiskImage, type Extent, type RangeReader } from "../disk-image.js";
import { openConverted } from "./converted-image.js";
import { iterateExtents } from "./extents.js";
import { CompressedClustersError, openQcow2 } from "./qcow2.js";
import { qemuImgAvailable, qemuImgMap } from "./qemu-img.js";
import { openRaw } from "./raw.js";
import { VHD_FIXED, VHD_FOOTER_SIZE, hasVhdCookie } from "./vhd-footer.js";
import { openVhd } from "./vhd.js";

const QCOW2_MAGIC = 0x514649fb;
const VMDK_DESCRIPTOR = "# Disk DescriptorFile";

export async function detectFormat(reader: RangeReader): Promise<DiskFormat> {
  const head = reader.size > 0 ? await reader.read(0, Math.min(VHD_FOOTER_SIZE, reader.size)) : Buffer.alloc(0);
  if (head.length >= 4 && head.readUInt32BE(0) === QCOW2_MAGIC) return "qcow2";
  if (head.toString("latin1", 0, 8) === "vhdxfile") return "vhdx";
  if (head.toString("latin1", 0, 4) === "KDMV" || head.toString("latin1", 0, VMDK_DESCRIPTOR.length) === VMDK_DESCRIPTOR) return "vmdk";
  if (reader.size >= VHD_FOOTER_SIZE) {
    const tail = await reader.read(reader.size - VHD_FOOTER_SIZE, VHD_FOOTER_SIZE);
    if (hasVhdCookie(tail)) return tail.readUInt32BE(60) === VHD_FIXED ? "vhd-fixed" : "vhd-dynamic";
    // A footer copy at the start and none at the end: a dynamic VHD cut short, which the VHD
    // reader refuses as truncated rather than this being read as a raw disk.
    if (hasVhdCookie(head)) return "vhd-dynamic";
  }
  return "raw";
}

export interface OpenDiskImageOptions {
  /** Skips detection. */
  format?: DiskFormat;
  /**
   * The image as a local file: lets qemu-img map the holes of raw and fixed-VHD files and
   * convert the formats that are not read natively (VHDX, VMDK, compressed qcow2).
   */
  path?: string;
  /** Where conversions are written (sparse, up to the virtual size); the OS temp dir by default. */
  workDir?: string;
}

/** Opens an image in any supported format. On success the image owns `reader` and closes it. */
export async function openDiskImage(reader: RangeReader, options: OpenDiskImageOptions = {}): Promise<DiskImage> {
  const format = options.format ?? (await detectFormat(reader));
  switch (format) {
    case "raw":
      return openRaw(reader, await dataMap(reader, options.path, reader.size));
    case "vhd-fixed":
    case "vhd-dynamic": {
      const image = await openVhd(reader);
      const map = image.format === "vhd-fixed" ? await dataMap(reader, options.path, image.virtualSize) : undefined;
      return map ? { ...image, extents: () => iterateExtents(map) } : image;
    }
    case "qcow2":
      try {
        return await openQcow2(reader);
      } catch (error) {
        if (!(error instanceof CompressedClustersError) || options.path === undefined || !(await qemuImgAvailable())) throw error;
        return openConverted(reader, options.path, format, options.workDir);
      }
    case "vhdx":
    case "vmdk": {
      if (format === "vmdk") await checkSelfContainedVmdk(reader);
      const name = format.toUpperCase();
      const convert = `or convert it to a VHD first: qemu-img convert -O vpc -o subformat=fixed,force_size=on image.${format} image.vhd`;
      if (!(await qemuImgAvailable())) {
        throw new DiskImageError(`${name} images need qemu-img (Debian package qemu-utils) on the server, ${convert}.`, "unsupported");
      }
      if (options.path === undefined) {
        throw new DiskImageError(`${name} images are read by converting them with qemu-img, which needs the image uploaded to the server, not read from a URL; upload it, ${convert}.`, "unsupported");
      }
      return openConverted(reader, options.path, format, options.workDir);
    }
  }
}

/**
 * Where the first `size` bytes of a raw file may hold data: from qemu-img's map of a local file's
 * holes, or from the source's own list (a page blob's page ranges); undefined when neither can say.
 */
async function dataMap(reader: RangeReader, path: string | undefined, size: number): Promise<Extent[] | undefined> {
  const map = path !== undefined && (await qemuImgAvailable()) ? await qemuImgMap(path, "raw") : await reader.dataRanges?.();
  if (map === undefined) return undefined;
  const extents: Extent[] = [];
  for (const { offset, length } of map) {
    const end = Math.min(offset + length, size);
    if (offset < end) extents.push({ offset, length: end - offset });
  }
  return extents;
}

/**
 * qemu-img follows a VMDK descriptor's extent lines to other files, which for an uploaded image
 * would be files of the server: only single-file VMDKs are taken.
 */
async function checkSelfContainedVmdk(reader: RangeReader): Promise<void> {
  const head = await reader.read(0, Math.min(reader.size, 20));
  // A sparse header with a capacity of zero defers to its embedded descriptor's extents.
  const selfContained = head.toString("latin1", 0, 4) === "KDMV" && head.length >= 20 && head.readBigUInt64LE(12) !== 0n;
  if (!selfContained) {
    throw new DiskImageError(
      "This VMDK refers to separate extent files, which cannot be uploaded with it: upload a single-file VMDK (monolithicSparse or streamOptimized), or a VHD: qemu-img convert -O vpc -o subformat=fixed,force_size=on image.vmdk image.vhd.",
      "unsupported",
    );
  }
}
