// The images the disk benchmarks ingest, all holding the same bytes: a sparse raw disk of
// BENCH_IMAGE_GIB GiB, alternating runs of incompressible data and holes (half each), turned by
// qemu-img into a fixed VHD and a qcow2; and a BENCH_SPARSE_GIB GiB sparse raw holding those same
// bytes cut into pieces spread across it, turned into a qcow2.
//
// The data is an AES-CTR keystream, one key per run: it does not compress, and no two 1 MiB chunks
// are alike, so that neither compression nor deduplication can make a measurement look faster.
import { execFile } from "node:child_process";
import { createCipheriv } from "node:crypto";
import { open, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { CHUNK_SIZE, encodeManifest, manifestDigest, type ManifestChunk } from "../src/blob/manifest.js";
import { sha256Hex } from "../src/blob/digest.js";

const run = promisify(execFile);

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;
/** One run of data, then one hole of the same length: the image is half data, half zeros. */
const RUN = 16 * MIB;
/** Pieces the small image is cut into to spread it over the large one. */
const PIECES = 16;

export interface BenchImages {
  /** Bytes of the disk (without any container). */
  size: number;
  /** Non-zero bytes of the disk. */
  dataBytes: number;
  raw: string;
  vhdFixed: string;
  qcow2: string;
  /** The large provisioned disk holding the same bytes. */
  sparseSize: number;
  sparseQcow2: string;
  /** The content digests the ingests must arrive at (docs/content-digest.md). */
  digest: string;
  sparseDigest: string;
}

/** The bytes of data run `index` (the run at `2 * index * RUN` of the small image). */
function dataRun(index: number): Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32BE(index, 0);
  key.write("vitrine-bench", 4, "latin1");
  return createCipheriv("aes-128-ctr", key, Buffer.alloc(16)).update(Buffer.alloc(RUN));
}

/**
 * Writes the data runs of a `size`-byte disk into `path` (made sparse to `fileSize`), each run at
 * `place(offset)` for its offset in the small disk.
 */
async function writeRaw(path: string, size: number, fileSize: number, place: (offset: number) => number): Promise<void> {
  const file = await open(path, "w");
  try {
    await file.truncate(fileSize);
    for (let index = 0; 2 * index * RUN < size; index++) {
      const offset = 2 * index * RUN;
      const data = dataRun(index).subarray(0, Math.min(RUN, size - offset));
      await file.write(data, 0, data.length, place(offset));
    }
    await file.datasync();
  } finally {
    await file.close();
  }
}

async function qemuImg(...args: string[]): Promise<void> {
  await run("qemu-img", args, { maxBuffer: 16 * MIB });
}

/** qemu-img's fixed VHD of a raw disk (sparse where the raw is). */
export async function fixedVhdOf(raw: string, vhd: string): Promise<void> {
  await qemuImg("convert", "-O", "vpc", "-o", "subformat=fixed,force_size=on", raw, vhd);
}

export interface RawImage {
  size: number;
  /** The non-zero chunks and their digests: what an ingest of the raw disk stores. */
  chunks: ManifestChunk[];
  /** The content digest an ingest must arrive at. */
  digest: string;
}

/** The raw disk of `imageGib` GiB at `path`: runs of data and holes, half each. */
export async function makeRawImage(path: string, imageGib: number): Promise<RawImage> {
  const size = Math.round(imageGib * GIB);
  if (size < 2 * RUN || size % (2 * RUN) !== 0) throw new RangeError(`BENCH_IMAGE_GIB must be a multiple of ${(2 * RUN) / GIB} GiB`);
  await writeRaw(path, size, size, (offset) => offset);
  const chunks = await dataChunks(path, size);
  return { size, chunks, digest: contentDigest(size, chunks) };
}

export async function makeBenchImages(dir: string, imageGib: number, sparseGib: number): Promise<BenchImages> {
  const sparseSize = Math.round(sparseGib * GIB);
  const piece = Math.round(imageGib * GIB) / PIECES;
  const stride = sparseSize / PIECES;
  if (piece % RUN !== 0 || stride < piece || stride % MIB !== 0) {
    throw new RangeError(`BENCH_SPARSE_GIB must be at least BENCH_IMAGE_GIB and split into ${PIECES} whole MiB; BENCH_IMAGE_GIB a multiple of ${(PIECES * RUN) / GIB} GiB`);
  }
  const raw = join(dir, "image.raw");
  const { size, chunks, digest } = await makeRawImage(raw, imageGib);
  const vhdFixed = join(dir, "image-fixed.vhd");
  await fixedVhdOf(raw, vhdFixed);
  const qcow2 = join(dir, "image.qcow2");
  await qemuImg("convert", "-O", "qcow2", raw, qcow2);

  // Piece p of the small disk goes to p * stride of the large one.
  const sparseRaw = join(dir, "sparse.raw");
  await writeRaw(sparseRaw, size, sparseSize, (offset) => Math.floor(offset / piece) * stride + (offset % piece));
  const sparseQcow2 = join(dir, "sparse.qcow2");
  await qemuImg("convert", "-O", "qcow2", sparseRaw, sparseQcow2);

  for (const path of [vhdFixed, qcow2]) {
    if ((await stat(path)).size < size / 2) throw new Error(`qemu-img made ${path} smaller than its data`);
  }
  await rm(sparseRaw);

  // Chunk k of the small disk is chunk place(k) of the large one (pieces and strides are whole MiB).
  const moved = chunks.map(({ index, digest }) => ({ index: (Math.floor((index * CHUNK_SIZE) / piece) * stride + ((index * CHUNK_SIZE) % piece)) / CHUNK_SIZE, digest }));
  return {
    size,
    dataBytes: size / 2,
    raw,
    vhdFixed,
    qcow2,
    sparseSize,
    sparseQcow2,
    digest,
    sparseDigest: contentDigest(sparseSize, moved),
  };
}

/** The non-zero chunks of a raw disk and their SHA-256. */
async function dataChunks(path: string, size: number): Promise<ManifestChunk[]> {
  const chunks: ManifestChunk[] = [];
  const zero = Buffer.alloc(CHUNK_SIZE);
  const buffer = Buffer.alloc(CHUNK_SIZE);
  const file = await open(path, "r");
  try {
    for (let index = 0; index * CHUNK_SIZE < size; index++) {
      const { bytesRead } = await file.read(buffer, 0, CHUNK_SIZE, index * CHUNK_SIZE);
      const data = buffer.subarray(0, bytesRead);
      if (!data.equals(zero.subarray(0, bytesRead))) chunks.push({ index, digest: sha256Hex(data) });
    }
  } finally {
    await file.close();
  }
  return chunks;
}

export function contentDigest(size: number, chunks: ManifestChunk[]): string {
  const encoded = encodeManifest({ version: 1, size, chunkSize: CHUNK_SIZE, chunks, occupiedBytes: chunks.length * CHUNK_SIZE });
  return `sha256:${manifestDigest(encoded)}`;
}
