// `node dist/bench/chunk-size.js`: why chunks are 1 MiB. For 256 KiB, 1 MiB and 4 MiB chunks it
// measures what share of an image's chunks a change to 5% of its 1 MiB blocks (chosen at random)
// touches, which is what a new version costs to store and to replicate, and SHA-256 throughput
// over chunks of that size; it derives the store operations per GiB and the manifest per TiB.
// BENCH_IMAGE_GIB (default 32), BENCH_TRIALS (20) and BENCH_HASH_MIB (1024) scale it.
import { createHash, randomBytes } from "node:crypto";
import { arch, cpus } from "node:os";
import { seededRandom } from "./seeded-random.js";

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;
const CHUNK_SIZES = [256 * KIB, MIB, 4 * MIB];
const CHANGED_SHARE = 0.05;
const IMAGE_GIB = Number(process.env.BENCH_IMAGE_GIB ?? 32);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 20);
const HASH_MIB = Number(process.env.BENCH_HASH_MIB ?? 1024);
/** Manifest: a 24-byte header and 36 bytes per listed chunk (src/blob/manifest.ts). */
const MANIFEST_HEADER = 24;
const MANIFEST_ENTRY = 36;


/** `count` distinct block numbers below `blocks`, by a partial Fisher-Yates shuffle. */
function pickBlocks(blocks: number, count: number, next: () => number): number[] {
  const order = Array.from({ length: blocks }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(next() * (blocks - i));
    [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
  }
  return order.slice(0, count);
}

/** Chunks of `chunkSize` that the changed 1 MiB blocks overlap. */
function touchedChunks(changed: readonly number[], chunkSize: number): number {
  const touched = new Set<number>();
  for (const block of changed) {
    const first = Math.floor((block * MIB) / chunkSize);
    const last = Math.floor(((block + 1) * MIB - 1) / chunkSize);
    for (let chunk = first; chunk <= last; chunk++) touched.add(chunk);
  }
  return touched.size;
}

/** MiB/s of SHA-256 over `HASH_MIB` MiB hashed as chunks of `chunkSize`. */
function sha256Throughput(chunkSize: number, data: Buffer): number {
  const rounds = Math.max(1, Math.round((HASH_MIB * MIB) / chunkSize));
  for (let i = 0; i < 16; i++) createHash("sha256").update(data.subarray(0, chunkSize)).digest();
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    const at = (i * chunkSize) % (data.length - chunkSize + 1);
    createHash("sha256").update(data.subarray(at, at + chunkSize)).digest();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return (rounds * chunkSize) / MIB / seconds;
}

function size(bytes: number): string {
  const [unit, name] = bytes >= GIB ? [GIB, "GiB"] : bytes >= MIB ? [MIB, "MiB"] : [KIB, "KiB"];
  const amount = bytes / unit;
  return `${Number.isInteger(amount) ? amount : amount.toFixed(2)} ${name}`;
}

function main(): void {
  const blocks = IMAGE_GIB * 1024;
  const changedCount = Math.round(blocks * CHANGED_SHARE);
  const touched = new Map<number, number>(CHUNK_SIZES.map((chunkSize) => [chunkSize, 0]));
  for (let trial = 0; trial < TRIALS; trial++) {
    const changed = pickBlocks(blocks, changedCount, seededRandom(trial + 1));
    for (const chunkSize of CHUNK_SIZES) touched.set(chunkSize, (touched.get(chunkSize) ?? 0) + touchedChunks(changed, chunkSize));
  }
  const data = randomBytes(8 * MIB);

  console.log(`chunk size: ${IMAGE_GIB} GiB image, ${changedCount} of its ${blocks} 1 MiB blocks (5%) changed at random, mean of ${TRIALS} trials`);
  console.log(`SHA-256: ${HASH_MIB} MiB per chunk size, node:crypto, node ${process.version}, ${arch()}, ${cpus()[0]?.model.trim() ?? "unknown cpu"}`);
  console.log("");
  const header = ["chunk", "chunks touched", "new bytes per version", "chunks per GiB", "manifest per full TiB", "SHA-256 MiB/s"];
  const rows = CHUNK_SIZES.map((chunkSize) => {
    const total = (IMAGE_GIB * GIB) / chunkSize;
    const mean = (touched.get(chunkSize) ?? 0) / TRIALS;
    return [
      size(chunkSize),
      `${((100 * mean) / total).toFixed(1)}%`,
      size(mean * chunkSize),
      String(GIB / chunkSize),
      size(MANIFEST_HEADER + MANIFEST_ENTRY * ((1024 * GIB) / chunkSize)),
      sha256Throughput(chunkSize, data).toFixed(0),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
}

main();
