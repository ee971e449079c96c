// Fixed and dynamic VHDs, read natively. A fixed VHD is the raw disk followed by its footer; a
// dynamic one maps fixed-size blocks through the Block Allocation Table, so its extents are the
// allocated blocks and the rest of the disk costs nothing. Differencing disks need their parent
// and are refused.
import { DiskImageError, type DiskImage, type Extent, type RangeReader } from "../disk-image.js";
import { appendExtent, iterateExtents } from "./extents.js";
import { LruCache } from "./lru-cache.js";
import { checkReadRange, pushPiece, readByUnits, type Piece } from "./mapped-read.js";
import { VHD_DIFFERENCING, VHD_DYNAMIC, VHD_FIXED, VHD_FOOTER_SIZE, hasVhdCookie, parseVhdFooter, vhdChecksum, type VhdFooter } from "./vhd-footer.js";

// The footer's helpers are part of this module's surface: the export path writes fixed VHDs.
export { buildFixedVhdFooter, checkAzureUploadSize, isFixedVhdFooter } from "./vhd-footer.js";

const SECTOR = 512;
const HEADER_SIZE = 1024;
const HEADER_CHECKSUM_AT = 36;
const UNALLOCATED = 0xffff_ffff;
/** A BAT this large describes a disk far beyond VHD's 2 TiB limit; refusing it bounds memory. */
const MAX_BAT_BYTES = 64 * 1024 * 1024;
/** Sector bitmaps kept for reads: 512 bytes each for 2 MiB blocks, so 4096 cover 8 GiB of disk. */
const BITMAP_CACHE_ENTRIES = 4096;

/** Opens a fixed or dynamic VHD. On success the image owns `reader` and closes it. */
export async function openVhd(reader: RangeReader): Promise<DiskImage> {
  const footer = await readFooter(reader);
  switch (footer.diskType) {
    case VHD_FIXED:
      return openFixed(reader, footer);
    case VHD_DYNAMIC:
      return openDynamic(reader, footer);
    case VHD_DIFFERENCING:
      throw new DiskImageError(
        "This is a differencing VHD, which holds only the changes to a parent disk: merge it into its parent first (e.g. with Hyper-V's Edit Disk or Merge-VHD) and upload the result.",
        "unsupported",
      );
    default:
      throw new DiskImageError(`The VHD footer has an unknown disk type ${footer.diskType} (2 is fixed, 3 dynamic, 4 differencing).`, "malformed");
  }
}

async function readFooter(reader: RangeReader): Promise<VhdFooter> {
  if (reader.size < VHD_FOOTER_SIZE) {
    throw new DiskImageError(`The file is ${reader.size} bytes, shorter than a VHD footer (512 bytes).`, "truncated");
  }
  const tail = await reader.read(reader.size - VHD_FOOTER_SIZE, VHD_FOOTER_SIZE);
  if (hasVhdCookie(tail)) return parseVhdFooter(tail);
  // A dynamic VHD starts with a copy of its footer; with the copy there and the footer gone,
  // the end of the file was cut off.
  if (hasVhdCookie(await reader.read(0, VHD_FOOTER_SIZE))) {
    throw new DiskImageError("The VHD starts with its footer's copy but does not end with its footer: the file is truncated.", "truncated");
  }
  throw new DiskImageError('This is not a VHD: its last 512 bytes are not a footer (no "conectix" cookie).', "malformed");
}

function openFixed(reader: RangeReader, footer: VhdFooter): DiskImage {
  const dataSize = reader.size - VHD_FOOTER_SIZE;
  if (footer.currentSize > dataSize) {
    throw new DiskImageError(`The fixed VHD's footer says ${footer.currentSize} bytes but the file holds ${dataSize} before its footer: the file is truncated.`, "truncated");
  }
  if (footer.currentSize < dataSize) {
    throw new DiskImageError(`The fixed VHD's footer says ${footer.currentSize} bytes but the file holds ${dataSize} before its footer.`, "malformed");
  }
  const size = footer.currentSize;
  const extents: Extent[] = size > 0 ? [{ offset: 0, length: size }] : [];
  return {
    format: "vhd-fixed",
    virtualSize: size,
    extents: () => iterateExtents(extents),
    read(offset, length, into) {
      checkReadRange(offset, length, size);
      return reader.read(offset, length, into);
    },
    close: () => reader.close(),
  };
}

interface DynamicLayout {
  size: number;
  blockSize: number;
  bitmapSize: number;
  /** One uint32 sector offset per block of the virtual disk. */
  bat: Buffer;
}

async function openDynamic(reader: RangeReader, footer: VhdFooter): Promise<DiskImage> {
  const { size, blockSize, bitmapSize, bat } = await readDynamicLayout(reader, footer);
  const blockCount = bat.length / 4;
  const dataEnd = reader.size - VHD_FOOTER_SIZE;
  const extents: Extent[] = [];
  for (let block = 0; block < blockCount; block++) {
    const sector = bat.readUInt32BE(block * 4);
    if (sector === UNALLOCATED) continue;
    const length = Math.min(blockSize, size - block * blockSize);
    const start = sector * SECTOR;
    if (start < VHD_FOOTER_SIZE || start + bitmapSize + length > dataEnd) {
      throw new DiskImageError(`Block ${block} of the VHD points at byte ${start}, outside the file's ${dataEnd} bytes of data.`, "malformed");
    }
    appendExtent(extents, block * blockSize, length);
  }

  // Sector bitmaps by the sector their block starts at; one of all ones is kept as "full".
  const bitmaps = new LruCache(BITMAP_CACHE_ENTRIES, async (sector: number): Promise<Buffer | "full"> => {
    const bitmap = await reader.read(sector * SECTOR, bitmapSize);
    return bitmap.every((byte) => byte === 0xff) ? "full" : bitmap;
  });
  return {
    format: "vhd-dynamic",
    virtualSize: size,
    extents: () => iterateExtents(extents),
    read: (offset, length, into) =>
      readByUnits(
        reader,
        size,
        blockSize,
        offset,
        length,
        async (pieces, block, within, count) => {
          const sector = bat.readUInt32BE(block * 4);
          if (sector === UNALLOCATED) pushPiece(pieces, count, undefined);
          else pushBlockPieces(pieces, sector * SECTOR, bitmapSize, await bitmaps.get(sector), within, count);
        },
        into,
      ),
    close: () => reader.close(),
  };
}

async function readDynamicLayout(reader: RangeReader, footer: VhdFooter): Promise<DynamicLayout> {
  const headerAt = footer.dataOffset;
  if (headerAt === undefined) throw new DiskImageError("The dynamic VHD's footer does not say where its header is.", "malformed");
  if (headerAt + HEADER_SIZE > reader.size - VHD_FOOTER_SIZE) {
    throw new DiskImageError(`The dynamic VHD's header is at byte ${headerAt}, past the end of the file: the file is truncated.`, "truncated");
  }
  const header = await reader.read(headerAt, HEADER_SIZE);
  if (header.toString("latin1", 0, 8) !== "cxsparse") throw new DiskImageError('The dynamic VHD\'s header lacks its "cxsparse" cookie.', "malformed");
  if (header.readUInt32BE(HEADER_CHECKSUM_AT) !== vhdChecksum(header, HEADER_CHECKSUM_AT)) {
    throw new DiskImageError("The dynamic VHD header's checksum is wrong: the file is damaged.", "malformed");
  }
  const tableOffset = header.readBigUInt64BE(16);
  const maxTableEntries = header.readUInt32BE(28);
  const blockSize = header.readUInt32BE(32);
  if (blockSize < SECTOR || (blockSize & (blockSize - 1)) !== 0) {
    throw new DiskImageError(`The dynamic VHD's block size ${blockSize} is not a power of two of at least 512 bytes.`, "malformed");
  }
  const size = footer.currentSize;
  const blockCount = Math.ceil(size / blockSize);
  if (blockCount > maxTableEntries) {
    throw new DiskImageError(`The dynamic VHD needs ${blockCount} blocks of ${blockSize} bytes for ${size} bytes but its table holds ${maxTableEntries}.`, "malformed");
  }
  if (blockCount * 4 > MAX_BAT_BYTES) {
    throw new DiskImageError(`The dynamic VHD's block table would take ${blockCount * 4} bytes; more than ${MAX_BAT_BYTES} is not supported.`, "unsupported");
  }
  if (tableOffset + BigInt(blockCount * 4) > BigInt(reader.size - VHD_FOOTER_SIZE)) {
    throw new DiskImageError(`The dynamic VHD's block table at byte ${tableOffset} runs past the end of the file: the file is truncated.`, "truncated");
  }
  // A sector bitmap has one bit per sector of the block, padded to whole sectors.
  const bitmapSize = Math.ceil(blockSize / SECTOR / 8 / SECTOR) * SECTOR;
  const bat = blockCount > 0 ? await reader.read(Number(tableOffset), blockCount * 4) : Buffer.alloc(0);
  return { size, blockSize, bitmapSize, bat };
}

/**
 * The pieces of [within, within + count) of an allocated block. A sector whose bitmap bit is
 * clear was never written and reads as zeros, as in Hyper-V (qemu ignores the bitmap).
 */
function pushBlockPieces(pieces: Piece[], blockStart: number, bitmapSize: number, bitmap: Buffer | "full", within: number, count: number): void {
  const dataStart = blockStart + bitmapSize;
  if (bitmap === "full") {
    pushPiece(pieces, count, dataStart + within);
    return;
  }
  for (let at = within, end = within + count; at < end; ) {
    const sector = Math.floor(at / SECTOR);
    const upTo = Math.min((sector + 1) * SECTOR, end);
    const written = ((bitmap[sector >> 3] ?? 0) & (0x80 >> (sector & 7))) !== 0;
    pushPiece(pieces, upTo - at, written ? dataStart + at : undefined);
    at = upTo;
  }
}
