// qcow2 (versions 2 and 3), read natively: the virtual disk is mapped cluster by cluster through
// a two-level table (L1 -> L2 -> data cluster), and the extents are the clusters that hold data.
// Backing files, encryption, external data files, extended L2 entries and compressed clusters
// are refused; compressed images can still be read by converting them with qemu-img.
import { DiskImageError, type DiskImage, type Extent, type RangeReader } from "../disk-image.js";
import { appendExtent, iterateExtents } from "./extents.js";
import { LruCache } from "./lru-cache.js";
import { pushPiece, readByUnits } from "./mapped-read.js";

const MAGIC = 0x514649fb; // "QFI\xfb"
const V2_HEADER_SIZE = 72;
const V3_HEADER_SIZE = 104;
const MIN_CLUSTER_BITS = 9;
const MAX_CLUSTER_BITS = 21;
/** qemu's own limit on the L1 table. */
const MAX_L1_BYTES = 32 * 1024 * 1024;
/** L2 tables kept for reads: 32 MiB of them map 256 GiB of disk at the default 64 KiB clusters. */
const L2_CACHE_BYTES = 32 * 1024 * 1024;

const INCOMPATIBLE_DIRTY = 1;
const INCOMPATIBLE_CORRUPT = 2;
const INCOMPATIBLE_DATA_FILE = 4;
const INCOMPATIBLE_COMPRESSION_TYPE = 8;
const INCOMPATIBLE_EXTENDED_L2 = 16;
const KNOWN_INCOMPATIBLE = INCOMPATIBLE_DIRTY | INCOMPATIBLE_CORRUPT | INCOMPATIBLE_DATA_FILE | INCOMPATIBLE_COMPRESSION_TYPE | INCOMPATIBLE_EXTENDED_L2;

/** A qcow2 image with compressed clusters: refused natively, but qemu-img can convert it. */
export class CompressedClustersError extends DiskImageError {
  constructor() {
    super(
      "This qcow2 image has compressed clusters, which are not read natively. Convert it without compression first: qemu-img convert -O qcow2 image.qcow2 uncompressed.qcow2 (no -c).",
      "unsupported",
    );
    this.name = "CompressedClustersError";
  }
}

interface Layout {
  version: number;
  size: number;
  clusterSize: number;
  /** L2 entries per table. */
  l2Entries: number;
  /** Host offset of each L2 table the virtual disk needs, 0 where none is allocated. */
  l2Offsets: number[];
  fileSize: number;
}

/** Opens a qcow2 image. On success the image owns `reader` and closes it. */
export async function openQcow2(reader: RangeReader): Promise<DiskImage> {
  const layout = await readLayout(reader);
  const { size, clusterSize, l2Entries, l2Offsets } = layout;
  const tables = new LruCache(Math.max(1, Math.floor(L2_CACHE_BYTES / clusterSize)), (offset: number) => reader.read(offset, clusterSize));

  // Every L2 table is read once here: for the extents, and so that a compressed cluster
  // anywhere is refused now rather than halfway through an ingest.
  const extents: Extent[] = [];
  for (let index = 0; index < l2Offsets.length; index++) {
    const tableOffset = l2Offsets[index] ?? 0;
    if (tableOffset === 0) continue;
    const table = await tables.get(tableOffset);
    const first = index * l2Entries;
    const count = Math.min(l2Entries, Math.ceil(size / clusterSize) - first);
    for (let entry = 0; entry < count; entry++) {
      const cluster = first + entry;
      if (dataClusterOffset(layout, table, entry, cluster) !== undefined) {
        appendExtent(extents, cluster * clusterSize, Math.min(clusterSize, size - cluster * clusterSize));
      }
    }
  }

  const hostOffsetOf = async (cluster: number): Promise<number | undefined> => {
    const tableOffset = l2Offsets[Math.floor(cluster / l2Entries)] ?? 0;
    if (tableOffset === 0) return undefined;
    return dataClusterOffset(layout, await tables.get(tableOffset), cluster % l2Entries, cluster);
  };

  return {
    format: "qcow2",
    virtualSize: size,
    extents: () => iterateExtents(extents),
    read: (offset, length, into) =>
      readByUnits(
        reader,
        size,
        clusterSize,
        offset,
        length,
        async (pieces, cluster, within, count) => {
          const host = await hostOffsetOf(cluster);
          pushPiece(pieces, count, host === undefined ? undefined : host + within);
        },
        into,
      ),
    close: () => reader.close(),
  };
}

async function readLayout(reader: RangeReader): Promise<Layout> {
  const fileSize = reader.size;
  if (fileSize < V2_HEADER_SIZE) throw new DiskImageError(`The file is ${fileSize} bytes, shorter than a qcow2 header.`, "truncated");
  const header = await reader.read(0, Math.min(fileSize, V3_HEADER_SIZE));
  if (header.readUInt32BE(0) !== MAGIC) throw new DiskImageError("This is not a qcow2 image (no QFI\\xfb magic).", "malformed");
  const version = header.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw new DiskImageError(`qcow2 version ${version} is not supported (only 2 and 3).`, "unsupported");
  if (version === 3) {
    if (header.length < V3_HEADER_SIZE) throw new DiskImageError(`The file is ${fileSize} bytes, shorter than a qcow2 version 3 header.`, "truncated");
    checkFeatures(header);
  }
  if (header.readBigUInt64BE(8) !== 0n) {
    throw new DiskImageError(
      "This qcow2 image has a backing file: it holds only the changes to another image. Flatten it first: qemu-img convert -O qcow2 image.qcow2 flat.qcow2.",
      "unsupported",
    );
  }
  const clusterBits = header.readUInt32BE(20);
  if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
    throw new DiskImageError(`The qcow2 cluster size 2^${clusterBits} is outside 512 bytes to 2 MiB.`, "malformed");
  }
  if (header.readUInt32BE(32) !== 0) {
    throw new DiskImageError("This qcow2 image is encrypted. Decrypt it first: qemu-img convert --object secret,... -O qcow2 image.qcow2 plain.qcow2.", "unsupported");
  }
  const clusterSize = 2 ** clusterBits;
  const l2Entries = clusterSize / 8;
  const size = safeNumber(header.readBigUInt64BE(24), "virtual size");
  const l1Size = header.readUInt32BE(36);
  const l1Offset = safeNumber(header.readBigUInt64BE(40), "L1 table offset");
  const l1Needed = Math.ceil(size / (clusterSize * l2Entries));
  if (l1Size < l1Needed) throw new DiskImageError(`The qcow2 L1 table has ${l1Size} entries; a ${size}-byte disk needs ${l1Needed}.`, "malformed");
  if (l1Needed * 8 > MAX_L1_BYTES) throw new DiskImageError(`The qcow2 L1 table would take ${l1Needed * 8} bytes, more than qemu allows.`, "unsupported");
  if (l1Needed > 0 && l1Offset % clusterSize !== 0) throw new DiskImageError(`The qcow2 L1 table offset ${l1Offset} is not cluster-aligned.`, "malformed");
  if (l1Offset + l1Needed * 8 > fileSize) throw new DiskImageError(`The qcow2 L1 table at byte ${l1Offset} runs past the end of the file: the file is truncated.`, "truncated");

  const l1 = l1Needed > 0 ? await reader.read(l1Offset, l1Needed * 8) : Buffer.alloc(0);
  const l2Offsets: number[] = [];
  for (let index = 0; index < l1Needed; index++) {
    const offset = tableOffset(l1, index);
    if (offset !== 0 && offset % clusterSize !== 0) throw new DiskImageError(`L2 table ${index} of the qcow2 image is at an unaligned offset ${offset}.`, "malformed");
    if (offset + clusterSize > fileSize) throw new DiskImageError(`L2 table ${index} of the qcow2 image is at byte ${offset}, past the end of the file: the file is truncated.`, "truncated");
    l2Offsets.push(offset);
  }
  return { version, size, clusterSize, l2Entries, l2Offsets, fileSize };
}

function checkFeatures(header: Buffer): void {
  const unknown = header.readBigUInt64BE(72) & ~BigInt(KNOWN_INCOMPATIBLE);
  if (unknown !== 0n) {
    throw new DiskImageError(`This qcow2 image uses incompatible features this reader does not know (bits 0x${unknown.toString(16)}); convert it with qemu-img first.`, "unsupported");
  }
  // The known bits all live in the low word of the big-endian 64-bit field.
  const bits = header.readUInt32BE(76);
  if (bits & INCOMPATIBLE_CORRUPT) {
    throw new DiskImageError("qemu marked this qcow2 image corrupt. Repair it first: qemu-img check -r all image.qcow2.", "malformed");
  }
  if (bits & INCOMPATIBLE_DATA_FILE) {
    throw new DiskImageError("This qcow2 image keeps its data in an external file, which is not supported: convert it into a single file with qemu-img convert -O qcow2.", "unsupported");
  }
  if (bits & INCOMPATIBLE_EXTENDED_L2) {
    throw new DiskImageError("This qcow2 image uses extended L2 entries (subclusters), which are not supported: convert it with qemu-img convert -O qcow2 -o extended_l2=off.", "unsupported");
  }
}

function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new DiskImageError(`The qcow2 ${what} ${value} is impossibly large.`, "malformed");
  return Number(value);
}

/** Bits 9-55 of a big-endian 64-bit table entry: where the table or cluster it points to is. */
function tableOffset(table: Buffer, index: number): number {
  const high = table.readUInt32BE(index * 8) & 0x00ff_ffff;
  const low = table.readUInt32BE(index * 8 + 4) & 0xffff_fe00;
  return high * 2 ** 32 + (low >>> 0);
}

/** Where cluster `cluster`'s data is in the file, or undefined when it reads as zeros. */
function dataClusterOffset(layout: Layout, table: Buffer, entry: number, cluster: number): number | undefined {
  const high = table.readUInt32BE(entry * 8);
  if (high & 0x4000_0000) throw new CompressedClustersError();
  // In version 3, bit 0 says the cluster reads as zeros even if it has a host offset.
  if (layout.version === 3 && (table.readUInt32BE(entry * 8 + 4) & 1) !== 0) return undefined;
  const offset = tableOffset(table, entry);
  if (offset === 0) return undefined;
  if (offset % layout.clusterSize !== 0) throw new DiskImageError(`Cluster ${cluster} of the qcow2 image is at an unaligned offset ${offset}.`, "malformed");
  const needed = Math.min(layout.clusterSize, layout.size - cluster * layout.clusterSize);
  if (offset + needed > layout.fileSize) {
    throw new DiskImageError(`Cluster ${cluster} of the qcow2 image is at byte ${offset}, past the end of the file: the file is truncated.`, "truncated");
  }
  return offset;
}
