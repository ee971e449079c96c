// Replication of image versions between regions against the copies it should approach, on one
// server and one set of data (docs/benchmarks.md, "Replication"):
//   1. full replication of a version into a second region vs cp --sparse=always of its raw image
//      (1b: the same cp with its source read from the device, as Vitrine reads the source replica)
//   2. delta replication of a next version (a share of its blocks changed) into that region, which
//      holds the first version already: (a) its time vs figure 1's, (b) bytes moved vs bytes
//      changed, (c) its time vs rsync --no-whole-file --inplace of the raw images
// `npm run bench` runs it after the disk part (BENCH_REPLICATION=0 leaves it out);
// `node dist/bench/replication-bench.js` alone. BENCH_IMAGE_GIB (4), BENCH_CHANGED_PERCENT (5)
// and BENCH_DIR (the OS temp dir) configure it; BENCH_SERVER_NODE_FLAGS reach the server.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runWithBenchCa, startFileServer, type FileServer } from "./bench-processes.js";
import { copyFile, LOCATION, settle } from "./disk-figures.js";
import { printSummary, reportCost, reportSpeed } from "./disk-report.js";
import { BenchServer } from "./disk-server.js";
import { addRegion, cacheOnly, checkDeployable, createDefinition, createVersion, rsyncOnto, type ReplicationTiming } from "./replication-figures.js";
import { makeReplicationImages } from "./replication-images.js";
import { reportAgainstTool, reportBytes } from "./replication-report.js";

const env = process.env;
const IMAGE_GIB = Number(env.BENCH_IMAGE_GIB ?? 4);
const CHANGED_PERCENT = Number(env.BENCH_CHANGED_PERCENT ?? 5);
/** The region the versions are added to; LOCATION is their own. */
const SECOND_REGION = "eastus";
const MIB = 2 ** 20;

const self = fileURLToPath(import.meta.url);

/** Runs the replication benchmark in a child process that trusts the bench servers' CA (bench-processes.ts). */
export async function runReplicationBench(): Promise<void> {
  await runWithBenchCa(self, "the replication benchmark");
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mib = (bytes: number): string => `${(bytes / MIB).toFixed(0)} MiB`;
const placed = (timing: ReplicationTiming): string => timing.row.replicas.map((replica) => `${timing.row.region}/${replica.targets.join("+")}`).join(", ");

async function measure(caDir: string): Promise<void> {
  const work = await mkdtemp(join(env.BENCH_DIR ?? tmpdir(), "vitrine-replication-bench-"));
  let fileServer: FileServer | undefined;
  let server: BenchServer | undefined;
  try {
    const imagesDir = join(work, "images");
    await mkdir(imagesDir);
    const images = await makeReplicationImages(imagesDir, IMAGE_GIB, CHANGED_PERCENT);
    // The fixed VHDs are imported from a page blob's stand-in, which lists their page ranges (as in the disk bench).
    fileServer = await startFileServer(imagesDir, undefined, [basename(images.first.vhd), basename(images.second.vhd)]);
    const url = (path: string) => `${fileServer?.url}/${basename(path)}`;
    console.log(`\nreplication: a ${IMAGE_GIB} GiB disk, half incompressible data, half zeros (16 MiB runs of each), from ${LOCATION} to ${SECOND_REGION}; one run`);
    console.log(`  images in ${work}; server: vitrine serve (child process), default settings, local chunk stores (packs); status read every 50 ms`);

    server = await BenchServer.start(join(work, "server"), caDir);
    await createDefinition(server);
    const first = await createVersion(server, "1.0.0", url(images.first.vhd), images.first.digest);
    const copy = join(work, "copy.raw");
    const rsyncTarget = join(work, "rsync-target.raw");
    const files = [images.first.raw, images.first.vhd, images.second.raw, images.second.vhd, copy, rsyncTarget];
    // Before each timed step, the files it reads are cached and the others not (cacheOnly).
    await cacheOnly(files, [images.first.raw]);
    const cp = await copyFile(images.first.raw, copy, true);
    await rm(copy);
    // The same cp with its source read from the device, as Vitrine reads the source region's replica.
    await cacheOnly(files, []);
    const cpFromDevice = await copyFile(images.first.raw, copy, true);
    await rm(copy);
    await cacheOnly(files, []);
    const full = await addRegion(server, "1.0.0", SECOND_REGION);
    await checkDeployable(server, "1.0.0", SECOND_REGION, images.first.digest);

    const second = await createVersion(server, "1.0.1", url(images.second.vhd), images.second.digest);
    await copyFile(images.first.raw, rsyncTarget, true);
    await cacheOnly(files, [images.second.raw, rsyncTarget]);
    const rsync = await rsyncOnto(images.second.raw, rsyncTarget);
    await cacheOnly(files, []);
    const delta = await addRegion(server, "1.0.1", SECOND_REGION);
    await checkDeployable(server, "1.0.1", SECOND_REGION, images.second.digest);
    const peakRss = server.peakRss();
    await server.stop();
    server = undefined;

    const before = (made: { importMs: number; versionMs: number }) => `Import of its fixed VHD ${secs(made.importMs)}, then the version Succeeded in ${LOCATION} in ${secs(made.versionMs)}`;
    reportSpeed("1", `full replication: adding ${SECOND_REGION} to version 1.0.0 (already Succeeded in ${LOCATION}), until ${SECOND_REGION} shows Completed`, { name: "cp --sparse=always of the raw image, then fsync of the copy", ms: [cp.copyMs + cp.syncMs], copyMs: [cp.copyMs] }, [full], 0.8, images.size, [
      `moved (bytesCopied): ${mib(full.row.bytesCopied)} of ${mib(full.row.bytesTotal)} of data; replica on ${placed(full)}; ${full.polls} status reads`,
      `beforehand, untimed: ${before(first)}`,
      "the baseline's source is in the page cache; Vitrine reads the source region's replica from the device (figure 1b: the same cp reading from the device)",
    ]);
    reportSpeed("1b", "the full replication of figure 1 vs the same cp with its source read from the device, as Vitrine reads its own", { name: "cp --sparse=always of the raw image, not in the page cache, then fsync of the copy", ms: [cpFromDevice.copyMs + cpFromDevice.syncMs], copyMs: [cpFromDevice.copyMs] }, [full], 0.8, images.size);
    console.log(`\n2. delta replication: version 1.0.1, whose 1 MiB blocks differ from 1.0.0's in ${images.changedChunks} of its ${images.dataChunks} data blocks (${CHANGED_PERCENT}%, scattered), added to ${SECOND_REGION}, which holds 1.0.0's replica`);
    console.log(`  beforehand, untimed: ${before(second)}`);
    console.log(`  replica on ${placed(delta)} (1.0.0's: ${placed(full)}); ${delta.polls} status reads`);
    reportCost("2a", "delta replication time vs the full replication of figure 1", { name: "figure 1, the full replication", timings: [full] }, { name: "the delta replication", timings: [delta] }, 0.15);
    reportBytes("2b", `bytes the delta replication moved (bytesCopied of ${SECOND_REGION}) vs the bytes that changed`, { name: `${images.changedChunks} changed blocks of 1 MiB`, bytes: images.changedBytes }, { name: "moved", bytes: delta.row.bytesCopied }, 1.5);
    reportAgainstTool("2c", "delta replication vs rsync --no-whole-file --inplace of the second raw image onto a copy of the first (made beforehand), then fsync", { name: "rsync, then fsync of the target", runMs: rsync.copyMs, syncMs: rsync.syncMs }, delta, 0.25);
    console.log(`\npeak RSS of the server process (VmHWM) over the whole run: ${mib(peakRss)} (the disk bench's budget: 300 MiB)`);
    printSummary();
  } finally {
    await server?.stop();
    fileServer?.stop();
    await rm(work, { recursive: true, force: true });
    await settle();
  }
}

if (process.argv[1] === self) {
  if (env.BENCH_CA_DIR) await measure(env.BENCH_CA_DIR);
  else await runReplicationBench();
}
