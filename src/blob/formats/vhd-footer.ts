// The 512-byte VHD footer (Microsoft's "Virtual Hard Disk Image Format Specification"): read by
// the VHD reader, written by the export path (a disk served as a fixed VHD ends with one), and
// the size rule of Azure's direct upload, which takes fixed VHDs only.
import { DiskImageError } from "../disk-image.js";

export const VHD_FOOTER_SIZE = 512;
export const VHD_FIXED = 2;
export const VHD_DYNAMIC = 3;
export const VHD_DIFFERENCING = 4;

const COOKIE = Buffer.from("conectix", "latin1");
const CHECKSUM_AT = 64;
/** The data offset of a fixed disk, which has no dynamic header. */
const NO_DATA_OFFSET = 0xffff_ffff_ffff_ffffn;
const MIB = 1024 * 1024;

export interface VhdFooter {
  diskType: number;
  /** Where the dynamic header is; undefined for a fixed disk. */
  dataOffset: number | undefined;
  currentSize: number;
}

export function hasVhdCookie(buf: Buffer): boolean {
  return buf.length >= VHD_FOOTER_SIZE && buf.subarray(0, COOKIE.length).equals(COOKIE);
}

/**
 * The one's complement of the sum of a structure's bytes, its own 4-byte checksum field left
 * out: the checksum of the footer (field at 64) and of the dynamic header (field at 36).
 */
export function vhdChecksum(buf: Buffer, checksumAt: number): number {
  let sum = 0;
  for (let i = 0; i < buf.length; i++) if (i < checksumAt || i >= checksumAt + 4) sum += buf[i] ?? 0;
  return ~sum >>> 0;
}

/** Parses a footer whose cookie was found; a wrong checksum or an unknown version is refused. */
export function parseVhdFooter(buf: Buffer): VhdFooter {
  if (!hasVhdCookie(buf)) throw new DiskImageError('This is not a VHD: its footer lacks the "conectix" cookie.', "malformed");
  const footer = buf.subarray(0, VHD_FOOTER_SIZE);
  if (footer.readUInt32BE(CHECKSUM_AT) !== vhdChecksum(footer, CHECKSUM_AT)) {
    throw new DiskImageError("The VHD footer's checksum is wrong: the file is damaged.", "malformed");
  }
  const version = footer.readUInt32BE(12);
  if (version >>> 16 !== 1) {
    throw new DiskImageError(`The VHD footer has format version ${version >>> 16}.${version & 0xffff}; only version 1.x exists.`, "unsupported");
  }
  const dataOffset = footer.readBigUInt64BE(16);
  const currentSize = footer.readBigUInt64BE(48);
  if (currentSize > BigInt(Number.MAX_SAFE_INTEGER)) throw new DiskImageError(`The VHD footer claims an impossible size of ${currentSize} bytes.`, "malformed");
  return {
    diskType: footer.readUInt32BE(60),
    dataOffset: dataOffset === NO_DATA_OFFSET || dataOffset > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(dataOffset),
    currentSize: Number(currentSize),
  };
}

/** Cylinders, heads and sectors per track for `size` bytes, by the algorithm in the VHD specification's appendix. */
export function vhdGeometry(size: number): { cylinders: number; heads: number; sectorsPerTrack: number } {
  const totalSectors = Math.min(Math.floor(size / 512), 65535 * 16 * 255);
  let sectorsPerTrack: number;
  let heads: number;
  let cylinderTimesHeads: number;
  if (totalSectors >= 65535 * 16 * 63) {
    sectorsPerTrack = 255;
    heads = 16;
    cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
  } else {
    sectorsPerTrack = 17;
    cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
    heads = Math.max(4, Math.floor((cylinderTimesHeads + 1023) / 1024));
    if (cylinderTimesHeads >= heads * 1024 || heads > 16) {
      sectorsPerTrack = 31;
      heads = 16;
      cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
    }
    if (cylinderTimesHeads >= heads * 1024) {
      sectorsPerTrack = 63;
      heads = 16;
      cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
    }
  }
  return { cylinders: Math.floor(cylinderTimesHeads / heads), heads, sectorsPerTrack };
}

/**
 * The footer of a fixed VHD of `size` bytes, as Azure's exported disks end with. The timestamp
 * is left at zero and the unique id defaults to zeros so that the same disk always exports to
 * the same bytes (and the same digest).
 */
export function buildFixedVhdFooter(size: number, uniqueId: Buffer = Buffer.alloc(16)): Buffer {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`a VHD cannot be ${size} bytes`);
  if (uniqueId.length !== 16) throw new RangeError("a VHD unique id is 16 bytes");
  const footer = Buffer.alloc(VHD_FOOTER_SIZE);
  COOKIE.copy(footer, 0);
  footer.writeUInt32BE(2, 8); // features: the "reserved" bit the specification requires set
  footer.writeUInt32BE(0x0001_0000, 12);
  footer.writeBigUInt64BE(NO_DATA_OFFSET, 16);
  // Hyper-V's creator: qemu and tools like it take the size from the CHS geometry, which rounds
  // down, unless the creator is one they know to mean "use the current size".
  footer.write("win ", 28, "latin1");
  footer.writeUInt32BE(0x0001_0000, 32);
  // What Azure's and Hyper-V's footers say; readers only distinguish Windows from Mac here.
  footer.write("Wi2k", 36, "latin1");
  footer.writeBigUInt64BE(BigInt(size), 40);
  footer.writeBigUInt64BE(BigInt(size), 48);
  const { cylinders, heads, sectorsPerTrack } = vhdGeometry(size);
  footer.writeUInt16BE(cylinders, 56);
  footer.writeUInt8(heads, 58);
  footer.writeUInt8(sectorsPerTrack, 59);
  footer.writeUInt32BE(VHD_FIXED, 60);
  uniqueId.copy(footer, 68);
  footer.writeUInt32BE(vhdChecksum(footer, CHECKSUM_AT), CHECKSUM_AT);
  return footer;
}

/** Whether `buf` is exactly a valid fixed-VHD footer, and, when `size` is given, one for a disk of that many bytes. */
export function isFixedVhdFooter(buf: Buffer, size?: number): boolean {
  if (buf.length !== VHD_FOOTER_SIZE || !hasVhdCookie(buf)) return false;
  try {
    const footer = parseVhdFooter(buf);
    return footer.diskType === VHD_FIXED && (size === undefined || footer.currentSize === size);
  } catch {
    return false;
  }
}

const AZURE_MIN_DISK = 20 * MIB;
const AZURE_MAX_DISK = 32 * 1024 * 1024 * MIB;

/**
 * Why `totalBytes` cannot be the size of a VHD uploaded to Azure directly, or undefined when it
 * can: a fixed VHD whose disk is a whole number of MiB, from 20 MiB to 32 TiB, plus its footer.
 */
export function checkAzureUploadSize(totalBytes: number): string | undefined {
  const disk = totalBytes - VHD_FOOTER_SIZE;
  if (!Number.isSafeInteger(totalBytes) || disk < AZURE_MIN_DISK || disk > AZURE_MAX_DISK || disk % MIB !== 0) {
    const mib = Number.isSafeInteger(disk) && disk > AZURE_MIN_DISK ? Math.min(Math.ceil(disk / MIB), AZURE_MAX_DISK / MIB) : AZURE_MIN_DISK / MIB;
    return (
      `A VHD of ${totalBytes} bytes cannot be uploaded: Azure takes a fixed VHD whose disk is a whole number of MiB ` +
      `from 20 MiB to 32 TiB, followed by its 512-byte footer (for example ${mib * MIB + VHD_FOOTER_SIZE} bytes). ` +
      "Resize the disk first, e.g. qemu-img resize -f raw disk.raw <size>M, then qemu-img convert -O vpc -o subformat=fixed,force_size=on."
    );
  }
  return undefined;
}
