// The two images of the replication benchmark: the disk bench's raw image (half incompressible
// data, half holes) and a next version of it whose 1 MiB blocks differ from it in a given share of
// the data blocks, at scattered positions drawn from a fixed seed (the same blocks every run); each
// as a raw file (for cp and rsync) and as a fixed VHD (for Import), with the content digests their
// ingests must arrive at.
import { execFile } from "node:child_process";
import { createCipheriv } from "node:crypto";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { CHUNK_SIZE, type ManifestChunk } from "../src/blob/manifest.js";
import { sha256Hex } from "../src/blob/digest.js";
import { contentDigest, fixedVhdOf, makeRawImage } from "./disk-images.js";
import { seededRandom } from "./seeded-random.js";

const run = promisify(execFile);
/** The seed of the changed blocks' positions. */
const SEED = 0x5eed_0004;

export interface ImageFiles {
  raw: string;
  vhd: string;
  /** The content digest an ingest must arrive at. */
  digest: string;
}

export interface ReplicationImages {
  size: number;
  /** Non-zero 1 MiB blocks of each image. */
  dataChunks: number;
  first: ImageFiles;
  second: ImageFiles;
  /** Blocks of the second image that differ from the first, and their bytes. */
  changedChunks: number;
  changedBytes: number;
}


/** `count` distinct items of `items`, drawn by a partial Fisher-Yates shuffle, in their original order. */
function pick<T extends { index: number }>(items: readonly T[], count: number, next: () => number): T[] {
  const pool = [...items];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(next() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j] as T, pool[i] as T];
  }
  return pool.slice(0, count).sort((a, b) => a.index - b.index);
}

/** New bytes for block `index` of the second image: another AES-CTR keystream, unlike any block of the first. */
function changedBlock(index: number): Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32BE(index, 0);
  key.write("vitrine-delta", 4, "latin1");
  return createCipheriv("aes-128-ctr", key, Buffer.alloc(16)).update(Buffer.alloc(CHUNK_SIZE));
}

export async function makeReplicationImages(dir: string, imageGib: number, changedPercent: number): Promise<ReplicationImages> {
  const first = { raw: join(dir, "first.raw"), vhd: join(dir, "first-fixed.vhd") };
  const second = { raw: join(dir, "second.raw"), vhd: join(dir, "second-fixed.vhd") };
  const { size, chunks, digest } = await makeRawImage(first.raw, imageGib);
  await fixedVhdOf(first.raw, first.vhd);

  const changed = pick(chunks, Math.round((chunks.length * changedPercent) / 100), seededRandom(SEED));
  const digests = new Map<number, string>();
  await run("cp", ["--sparse=always", first.raw, second.raw]);
  const file = await open(second.raw, "r+");
  try {
    for (const { index } of changed) {
      const block = changedBlock(index);
      await file.write(block, 0, block.length, index * CHUNK_SIZE);
      digests.set(index, sha256Hex(block));
    }
    await file.datasync();
  } finally {
    await file.close();
  }
  await fixedVhdOf(second.raw, second.vhd);
  const secondChunks: ManifestChunk[] = chunks.map((chunk) => ({ index: chunk.index, digest: digests.get(chunk.index) ?? chunk.digest }));
  return {
    size,
    dataChunks: chunks.length,
    first: { ...first, digest },
    second: { ...second, digest: contentDigest(size, secondChunks) },
    changedChunks: changed.length,
    changedBytes: changed.length * CHUNK_SIZE,
  };
}
