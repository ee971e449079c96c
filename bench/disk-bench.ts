// The disk data plane against the copy it should approach, on one image (docs/benchmarks.md):
//   1. ingest through the upload URL vs cp --sparse=always     4. download via the read URL vs cp
//   2. Import of a fixed VHD from an http URL vs cp --sparse=always
//   3. Import of a 1 TiB-provisioned qcow2 vs the same bytes in a 4 GiB qcow2
//   5. the server's peak RSS during all of that                6. GET latency during an ingest
// `npm run bench` runs it after the other benchmarks; `node dist/bench/disk-bench.js` alone.
// BENCH_IMAGE_GIB (4), BENCH_SPARSE_GIB (1024), BENCH_RUNS (3), BENCH_UPLOAD_CONCURRENCY (8),
// BENCH_DOWNLOAD_CONCURRENCY (8) and BENCH_DIR (the OS temp dir) configure it.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { runWithBenchCa, startFileServer, type FileServer } from "./bench-processes.js";
import { makeBenchImages, type BenchImages } from "./disk-images.js";
import { bareHttps, controlPlaneLatency, copyFile, downloadDisk, ingestByCli, ingestByImport, ingestByUpload, ingestLocally, settle, type CopyTiming, type IngestTiming, type Timing } from "./disk-figures.js";
import { median, printSummary, reportCost, reportLatency, reportMemory, reportSpeed } from "./disk-report.js";
import { BenchServer } from "./disk-server.js";

const env = process.env;
const IMAGE_GIB = Number(env.BENCH_IMAGE_GIB ?? 4);
const SPARSE_GIB = Number(env.BENCH_SPARSE_GIB ?? 1024);
const RUNS = Number(env.BENCH_RUNS ?? 3);
const UPLOAD_CONCURRENCY = Number(env.BENCH_UPLOAD_CONCURRENCY ?? 8);
const DOWNLOAD_CONCURRENCY = Number(env.BENCH_DOWNLOAD_CONCURRENCY ?? 8);
const RSS_LIMIT_MIB = 300;
/** ext4 skips inodes freed in the last 5 s when it allocates, and discards freed blocks at commit. */
const SETTLE_AFTER_DELETE_MS = 6000;

const run = promisify(execFile);
const self = fileURLToPath(import.meta.url);

/** Runs the disk benchmarks in a child process that trusts the bench servers' CA (bench-processes.ts). */
export async function runDiskBench(): Promise<void> {
  await runWithBenchCa(self, "the disk benchmarks");
}

function check(what: string, timing: IngestTiming, expected: string): IngestTiming {
  if (timing.contentDigest !== expected) throw new Error(`${what} gave the content digest ${timing.contentDigest}, not ${expected}`);
  return timing;
}

/** Deleting gigabytes costs the next measurement (ext4 discards, inode scans of recent deletes): wait it out. */
async function removeAndSettle(paths: string[]): Promise<void> {
  for (const path of paths) await rm(path, { recursive: true, force: true });
  await settle();
  await sleep(SETTLE_AFTER_DELETE_MS);
}

async function measure(caDir: string): Promise<void> {
  const work = await mkdtemp(join(env.BENCH_DIR ?? tmpdir(), "vitrine-disk-bench-"));
  let fileServer: FileServer | undefined;
  let bareServer: FileServer | undefined;
  let garbage: string[] = [];
  const peaks = new Map<string, number[]>();
  const peak = (what: string, bytes: number) => peaks.set(what, [...(peaks.get(what) ?? []), bytes]);
  /** A fresh server (fresh chunk store: nothing to deduplicate against) for `task`, then stopped. */
  const withServer = async <T>(task: (server: BenchServer) => Promise<T>): Promise<T> => {
    const dir = join(work, `server-${garbage.length}`);
    garbage.push(dir);
    const server = await BenchServer.start(dir, caDir);
    try {
      return await task(server);
    } finally {
      await server.stop();
    }
  };

  try {
    const imagesDir = join(work, "images");
    await mkdir(imagesDir);
    const images: BenchImages = await makeBenchImages(imagesDir, IMAGE_GIB, SPARSE_GIB);
    const vhdBytes = (await stat(images.vhdFixed)).size;
    // Azure imports a VHD from a page blob, which lists its page ranges: this server lists the fixed VHD's too.
    fileServer = await startFileServer(imagesDir, undefined, [basename(images.vhdFixed)]);
    bareServer = await startFileServer(imagesDir, caDir, [basename(images.vhdFixed)]);
    const url = (path: string) => `${fileServer?.url}/${path.slice(imagesDir.length + 1)}`;
    console.log(`\ndisk data plane: a ${IMAGE_GIB} GiB disk, half incompressible data, half zeros (16 MiB runs of each); ${RUNS} run(s), medians`);
    console.log(`  images in ${work}; sparse image ${SPARSE_GIB} GiB provisioned; server: vitrine serve (child process), local chunk stores (packs)`);

    const cpSparse: CopyTiming[] = [];
    const cp: CopyTiming[] = [];
    const t = { cli: [] as IngestTiming[], upload: [] as IngestTiming[], download: [] as Timing[], importVhd: [] as IngestTiming[], qcow2: [] as IngestTiming[], sparse: [] as IngestTiming[] };
    const bare = { upload: [] as number[], download: [] as number[] };
    const local: number[] = [];
    for (let round = 0; round < RUNS; round++) {
      await removeAndSettle(garbage);
      garbage = [join(work, "copy-sparse"), join(work, "copy"), join(work, "download"), join(imagesDir, "bare-upload.vhd"), join(work, "bare-download")];
      cpSparse.push(await copyFile(images.vhdFixed, join(work, "copy-sparse"), true));
      cp.push(await copyFile(images.vhdFixed, join(work, "copy"), false));
      const floors = await bareHttps(bareServer.url, images.vhdFixed, join(imagesDir, "bare-upload.vhd"), join(work, "bare-download"), { upload: UPLOAD_CONCURRENCY, download: DOWNLOAD_CONCURRENCY });
      bare.upload.push(floors.uploadMs);
      bare.download.push(floors.downloadMs);

      await withServer(async (server) => {
        t.upload.push(check("the upload", await ingestByUpload(server, "uploaded", images.vhdFixed, vhdBytes, UPLOAD_CONCURRENCY), images.digest));
        peak("ingest through the upload URL", server.peakRss());
        t.download.push(await downloadDisk(server, "uploaded", join(work, "download"), DOWNLOAD_CONCURRENCY));
        peak("download through the read URL (after the upload)", server.peakRss());
      });
      await withServer(async (server) => {
        t.cli.push(check("the CLI upload", await ingestByCli(server, "cli", images.vhdFixed), images.digest));
        peak("vitrine disk upload", server.peakRss());
      });
      // The disks must be equal; the footers differ (Vitrine writes its own, as Azure does).
      await run("cmp", ["-n", String(images.size), join(work, "download"), images.vhdFixed]);
      await withServer(async (server) => {
        t.importVhd.push(check("the fixed VHD import", await ingestByImport(server, "vhd", url(images.vhdFixed)), images.digest));
        peak(`Import of the ${IMAGE_GIB} GiB fixed VHD`, server.peakRss());
      });
      garbage.push(join(work, "local-store"));
      local.push(await ingestLocally(images.vhdFixed, join(work, "local-store"), images.digest));
      await withServer(async (server) => {
        t.qcow2.push(check("the qcow2 import", await ingestByImport(server, "qcow2", url(images.qcow2)), images.digest));
        peak(`Import of the ${IMAGE_GIB} GiB qcow2`, server.peakRss());
      });
      await withServer(async (server) => {
        t.sparse.push(check("the sparse qcow2 import", await ingestByImport(server, "sparse", url(images.sparseQcow2)), images.sparseDigest));
        peak(`Import of the ${SPARSE_GIB} GiB qcow2`, server.peakRss());
      });
    }
    await removeAndSettle(garbage);
    garbage = [];
    const latency = await withServer((server) => controlPlaneLatency(server, url(images.vhdFixed)));

    const copies = (timings: CopyTiming[]) => ({ ms: timings.map((c) => c.copyMs + c.syncMs), copyMs: timings.map((c) => c.copyMs) });
    const sparseBaseline = { name: "cp --sparse=always, then fsync of the copy", ...copies(cpSparse) };
    const pageWrites = t.upload.map((u) => u.pageWrites).filter((w): w is Timing => w !== undefined);
    const secs = (ms: number[]) => `${(median(ms) / 1000).toFixed(2)} s`;
    reportSpeed("1", `ingest through the upload URL: create (Upload), beginGetAccess Write, uploadPages of 4 MiB x${UPLOAD_CONCURRENCY} (zero pages skipped), endGetAccess, ingest LRO`, sparseBaseline, t.upload, 0.5, images.size, [
      `of which the page writes: ${secs(pageWrites.map((w) => w.ms))} (server CPU ${secs(pageWrites.map((w) => w.serverCpuMs))}), then the ingest: ${secs(t.upload.map((u, i) => u.ms - (pageWrites[i]?.ms ?? 0)))}`,
      `floor: the same page writes to a bare node:https server writing them to a file, fdatasync each: ${secs(bare.upload)}`,
    ]);
    reportSpeed("2", "server-side ingest: disk Import of the fixed VHD from an http URL (a local server with Range support and Get Page Ranges, as a page blob, in its own process)", sparseBaseline, t.importVhd, 0.75, images.size, [
      `the blob layer alone: the same file ingested in-process from its local path (holes mapped by qemu-img, local chunk store): ${secs(local)}`,
    ]);
    reportCost("3", `Import of a ${SPARSE_GIB} GiB-provisioned qcow2 holding the same bytes (16 pieces spread across it) vs the ${IMAGE_GIB} GiB qcow2`, { name: `the ${IMAGE_GIB} GiB qcow2`, timings: t.qcow2 }, { name: `the ${SPARSE_GIB} GiB qcow2`, timings: t.sparse }, 2);
    reportSpeed("4", `download through the read URL: beginGetAccess Read, getPageRanges, ranged GETs of the listed ranges in pieces of 4 MiB x${DOWNLOAD_CONCURRENCY} into a file (the rest left as holes), fsync`, { name: "cp, then fsync of the copy", ...copies(cp) }, t.download, 0.8, vhdBytes, [
      `floor: the same download from a bare node:https server listing the image file's non-zero chunks and reading them: ${secs(bare.download)}`,
    ]);
    reportMemory("5", peaks, RSS_LIMIT_MIB);
    reportLatency("6", latency.idle, latency.busy, 20);
    reportSpeed("7", "ingest through the CLI: vitrine disk upload of the fixed VHD (its own process: create, page writes, endGetAccess, digest check)", sparseBaseline, t.cli, 0.5, images.size, []);
    printSummary();
  } finally {
    fileServer?.stop();
    bareServer?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === self) {
  if (env.BENCH_CA_DIR) await measure(env.BENCH_CA_DIR);
  else await runDiskBench();
}
