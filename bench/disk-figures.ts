// One measurement each: the baselines (cp of the image file) and the ways a disk's bytes enter and
// leave Vitrine. Every timing ends with the bytes on disk, on both sides: Vitrine acknowledges an
// ingest only once its chunks are fsynced, so the copy it is compared with is fsynced too (and
// both times are reported). Before each one, `sync` flushes what earlier steps left in the page
// cache, so that one measurement's writeback is not paid by the next.
import { execFile } from "node:child_process";
import { basename } from "node:path";
import { promisify } from "node:util";
import { PackChunkStore } from "../src/blob/drivers/pack-chunk-store.js";
import { openDiskImage } from "../src/blob/formats/detect.js";
import { openFileReader } from "../src/blob/formats/range-reader.js";
import { ingestDisk } from "../src/blob/ingest.js";
import type { BenchServer } from "./disk-server.js";
import { downloadFile, uploadFile } from "./page-blob-transfer.js";

const run = promisify(execFile);
export const GROUP = "bench";
export const LOCATION = "westus";
/** Sequential GETs timed while the server is idle. */
const IDLE_GETS = 1000;

export interface CopyTiming {
  copyMs: number;
  syncMs: number;
}

export interface Timing {
  ms: number;
  /** CPU the server used meanwhile, all threads. */
  serverCpuMs: number;
}

export interface IngestTiming extends Timing {
  contentDigest: string;
  /** For an upload: the page writes alone, before endGetAccess, and the server's CPU meanwhile. */
  pageWrites?: Timing;
}

const elapsedMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

export async function settle(): Promise<void> {
  await run("sync");
}

/** `cp` (with `--sparse=always` when `sparse`) of `source` to `target`, then fsync of the copy; the copy stays. */
export async function copyFile(source: string, target: string, sparse: boolean): Promise<CopyTiming> {
  await settle();
  const start = process.hrtime.bigint();
  await run("cp", [...(sparse ? ["--sparse=always"] : []), source, target]);
  const copyMs = elapsedMs(start);
  const synced = process.hrtime.bigint();
  await run("sync", [target]);
  return { copyMs, syncMs: elapsedMs(synced) };
}

async function contentDigestOf(server: BenchServer, disk: string): Promise<string> {
  const { body } = await server.arm("GET", server.diskPath(GROUP, disk));
  const properties = (body as { properties: { contentDigest?: string; provisioningState?: string } }).properties;
  if (properties.provisioningState !== "Succeeded") throw new Error(`disk ${disk} is ${properties.provisioningState}`);
  return properties.contentDigest ?? "";
}

/**
 * Figure 1: Azure's direct upload. Create the disk (Upload), get write access, page-write the
 * fixed VHD at `path` (zero pages skipped), end access, and wait for the ingest it starts.
 */
export async function ingestByUpload(server: BenchServer, disk: string, path: string, uploadSizeBytes: number, concurrency: number): Promise<IngestTiming> {
  await server.createResourceGroup(GROUP);
  await settle();
  const cpu = server.cpuMs();
  const start = process.hrtime.bigint();
  const created = await server.arm("PUT", server.diskPath(GROUP, disk), { location: LOCATION, properties: { creationData: { createOption: "Upload", uploadSizeBytes } } });
  await server.waitFor(created);
  const { body } = await server.arm("POST", server.diskPath(GROUP, disk, "/beginGetAccess"), { access: "Write", durationInSeconds: 3600 });
  await uploadFile((body as { accessSAS: string }).accessSAS, path, concurrency);
  const pageWrites = { ms: elapsedMs(start), serverCpuMs: server.cpuMs() - cpu };
  await server.waitFor(await server.arm("POST", server.diskPath(GROUP, disk, "/endGetAccess")));
  const ms = elapsedMs(start);
  return { ms, pageWrites, serverCpuMs: server.cpuMs() - cpu, contentDigest: await contentDigestOf(server, disk) };
}

/** The PUT of a disk imported from `url`; its ingest runs on in the server. */
function startImport(server: BenchServer, disk: string, url: string) {
  const storageAccountId = server.path(`/resourceGroups/${GROUP}/providers/Microsoft.Storage/storageAccounts/bench`);
  return server.arm("PUT", server.diskPath(GROUP, disk), { location: LOCATION, properties: { creationData: { createOption: "Import", sourceUri: url, storageAccountId } } });
}

/** Figures 2 and 3: a disk Import from an http URL, until its operation succeeds. */
export async function ingestByImport(server: BenchServer, disk: string, url: string): Promise<IngestTiming> {
  await server.createResourceGroup(GROUP);
  await settle();
  const cpu = server.cpuMs();
  const start = process.hrtime.bigint();
  await server.waitFor(await startImport(server, disk, url));
  const ms = elapsedMs(start);
  return { ms, serverCpuMs: server.cpuMs() - cpu, contentDigest: await contentDigestOf(server, disk) };
}

/**
 * Figure 2's decomposition: the same image ingested in this process from its local path through
 * the blob layer alone (file reader, qemu-img's map of the holes, ingestDisk into a fresh
 * PackChunkStore, as the server), without the server, HTTP or the zero half of the image.
 */
export async function ingestLocally(path: string, storeDir: string, expectedDigest: string): Promise<number> {
  await settle();
  const start = process.hrtime.bigint();
  const image = await openDiskImage(await openFileReader(path), { path });
  try {
    const { contentDigest } = await ingestDisk(image, new PackChunkStore(storeDir));
    if (contentDigest !== expectedDigest) throw new Error(`the local ingest gave the content digest ${contentDigest}, not ${expectedDigest}`);
  } finally {
    await image.close();
  }
  return elapsedMs(start);
}

/** Figure 4: read access to `disk`, then its page ranges and parallel ranged GETs of them into `target`, fsynced. */
export async function downloadDisk(server: BenchServer, disk: string, target: string, concurrency: number): Promise<Timing> {
  const { body } = await server.arm("POST", server.diskPath(GROUP, disk, "/beginGetAccess"), { access: "Read", durationInSeconds: 3600 });
  await settle();
  const cpu = server.cpuMs();
  const start = process.hrtime.bigint();
  await downloadFile((body as { accessSAS: string }).accessSAS, target, concurrency);
  const ms = elapsedMs(start);
  const serverCpuMs = server.cpuMs() - cpu;
  await server.waitFor(await server.arm("POST", server.diskPath(GROUP, disk, "/endGetAccess")));
  return { ms, serverCpuMs };
}

/**
 * The floors of figures 1 and 4: the same client against a bare node:https server (bench/
 * range-file-server.ts) that writes page writes to a file, fdatasynced, and serves the image file
 * with its page ranges.
 */
export async function bareHttps(baseUrl: string, image: string, upload: string, download: string, concurrency: { upload: number; download: number }): Promise<{ uploadMs: number; downloadMs: number }> {
  await settle();
  let start = process.hrtime.bigint();
  await uploadFile(`${baseUrl}/images/${basename(upload)}?sig=bench`, image, concurrency.upload);
  const uploadMs = elapsedMs(start);
  await settle();
  start = process.hrtime.bigint();
  await downloadFile(`${baseUrl}/images/${basename(image)}?sig=bench`, download, concurrency.download);
  return { uploadMs, downloadMs: elapsedMs(start) };
}

export interface Latencies {
  idle: number[];
  busy: number[];
}

/**
 * Figure 6: sequential GETs of a gallery (one at a time, keep-alive) on an idle server, then while
 * the server imports the image at `url`, until that ingest ends.
 */
export async function controlPlaneLatency(server: BenchServer, url: string): Promise<Latencies> {
  await server.createResourceGroup(GROUP);
  const gallery = server.path(`/resourceGroups/${GROUP}/providers/Microsoft.Compute/galleries/bench?api-version=2024-03-03`);
  await server.arm("PUT", gallery, { location: LOCATION, properties: { description: "latency probe" } });
  for (let i = 0; i < 100; i++) await server.timeGet(gallery);
  const idle: number[] = [];
  for (let i = 0; i < IDLE_GETS; i++) idle.push(await server.timeGet(gallery));

  await settle();
  const busy: number[] = [];
  let ingesting = true;
  const ingest = startImport(server, "latency", url)
    .then((response) => server.waitFor(response))
    .finally(() => (ingesting = false));
  while (ingesting) busy.push(await server.timeGet(gallery));
  await ingest;
  return { idle, busy };
}

/**
 * Figure 7: `vitrine disk upload` of the image, run as a user runs it (its own process, reading
 * the server's connection.json), against a fresh server, timed until it exits with the disk
 * Succeeded and its content digest checked by the CLI itself.
 */
export async function ingestByCli(server: BenchServer, disk: string, path: string): Promise<IngestTiming> {
  await server.createResourceGroup(GROUP);
  await settle();
  const cpu = server.cpuMs();
  const start = process.hrtime.bigint();
  await run(process.execPath, ["dist/cli/vitrine.js", "disk", "upload", path, "-g", GROUP, "-n", disk, "-l", LOCATION, "--data-dir", server.dataDir], { maxBuffer: 16 * 1024 * 1024 });
  const ms = elapsedMs(start);
  return { ms, serverCpuMs: server.cpuMs() - cpu, contentDigest: await contentDigestOf(server, disk) };
}
