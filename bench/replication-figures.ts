// One measurement each for the replication benchmark: a version made in its own region (untimed),
// the copy that adding a region starts (timed from the update until the region shows Completed),
// and the baseline that the delta copy is compared with, rsync of one raw image onto a copy of
// the other, then fsync. Like the disk figures, every time ends with the bytes on disk: Vitrine's
// copies sync the chunks they write before a region is Completed.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { GROUP, LOCATION, ingestByImport, settle, type CopyTiming, type Timing } from "./disk-figures.js";
import type { BenchServer } from "./disk-server.js";

const run = promisify(execFile);
export const VERSION_API = "2024-03-03";
const GALLERY = "bench";
const DEFINITION = "replicated";
/** How often the replication status is read while a region is being copied. */
const STATUS_POLL_MS = 50;

export interface StatusRow {
  region: string;
  state: string;
  progress: number;
  details?: string;
  bytesDone: number;
  bytesTotal: number;
  bytesCopied: number;
  bytesPerSecond?: number;
  replicas: Array<{ index: number; targets: string[]; state: string }>;
}

export interface ReplicationTiming extends Timing {
  /** The added region's row once Completed. */
  row: StatusRow;
  /** Status reads while it replicated. */
  polls: number;
}

const elapsedMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

function definitionPath(server: BenchServer): string {
  return server.path(`/resourceGroups/${GROUP}/providers/Microsoft.Compute/galleries/${GALLERY}/images/${DEFINITION}`);
}

function versionPath(server: BenchServer, version: string, query = ""): string {
  return `${definitionPath(server)}/versions/${version}?api-version=${VERSION_API}${query}`;
}

/** The resource group, a gallery and a Linux image definition in it, in LOCATION. */
export async function createDefinition(server: BenchServer): Promise<void> {
  await server.createResourceGroup(GROUP);
  await server.waitFor(await server.arm("PUT", server.path(`/resourceGroups/${GROUP}/providers/Microsoft.Compute/galleries/${GALLERY}?api-version=${VERSION_API}`), { location: LOCATION, properties: {} }));
  await server.waitFor(
    await server.arm("PUT", `${definitionPath(server)}?api-version=${VERSION_API}`, {
      location: LOCATION,
      properties: { osType: "Linux", osState: "Generalized", identifier: { publisher: "vitrine", offer: "bench", sku: "replication" } },
    }),
  );
}

/**
 * A managed disk imported from `url`, then a version made from it with LOCATION as its only
 * target region, waited for until Succeeded (its bytes on its replica there). Returns the
 * import's and the version's times; throws unless both reach `digest`.
 */
export async function createVersion(server: BenchServer, version: string, url: string, digest: string): Promise<{ importMs: number; versionMs: number }> {
  const disk = `disk-${version}`;
  const imported = await ingestByImport(server, disk, url);
  if (imported.contentDigest !== digest) throw new Error(`the import of ${url} gave the content digest ${imported.contentDigest}, not ${digest}`);
  const start = process.hrtime.bigint();
  const created = await server.arm("PUT", versionPath(server, version), {
    location: LOCATION,
    properties: {
      storageProfile: { osDiskImage: { source: { id: server.path(`/resourceGroups/${GROUP}/providers/Microsoft.Compute/disks/${disk}`) } } },
      publishingProfile: { targetRegions: [{ name: LOCATION }] },
    },
  });
  await server.waitFor(created);
  const versionMs = elapsedMs(start);
  const { body } = await server.arm("GET", versionPath(server, version));
  const properties = (body as { properties: { provisioningState?: string; storageProfile?: { osDiskImage?: { contentDigest?: string } } } }).properties;
  if (properties.provisioningState !== "Succeeded") throw new Error(`version ${version} is ${properties.provisioningState}`);
  if (properties.storageProfile?.osDiskImage?.contentDigest !== digest) throw new Error(`version ${version} holds ${properties.storageProfile?.osDiskImage?.contentDigest}, not ${digest}`);
  return { importMs: imported.ms, versionMs };
}

async function statusOf(server: BenchServer, version: string, region: string): Promise<StatusRow> {
  const { body } = await server.arm("GET", versionPath(server, version, "&$expand=ReplicationStatus"));
  const summary = (body as { properties: { replicationStatus?: { summary?: StatusRow[] } } }).properties.replicationStatus?.summary ?? [];
  const row = summary.find((candidate) => candidate.region === region);
  if (!row) throw new Error(`version ${version} has no replication status for ${region}: ${JSON.stringify(summary)}`);
  return row;
}

/**
 * Adds `region` to the version's target regions (a PATCH, as `beginUpdate` sends it) and reads
 * the replication status every STATUS_POLL_MS until that region is Completed: the time from the
 * update to then, and the server's CPU meanwhile.
 */
export async function addRegion(server: BenchServer, version: string, region: string): Promise<ReplicationTiming> {
  await settle();
  const cpu = server.cpuMs();
  const start = process.hrtime.bigint();
  const update = await server.arm("PATCH", versionPath(server, version), { properties: { publishingProfile: { targetRegions: [{ name: LOCATION }, { name: region }] } } });
  let polls = 0;
  for (;;) {
    const row = await statusOf(server, version, region);
    polls++;
    if (row.state === "Completed") {
      const timing = { ms: elapsedMs(start), serverCpuMs: server.cpuMs() - cpu, row, polls };
      await server.waitFor(update);
      return timing;
    }
    if (row.state === "Failed") throw new Error(`the copy of version ${version} to ${region} failed: ${row.details}`);
    await sleep(STATUS_POLL_MS);
  }
}

/** A disk made FromImage of the version in `region` (the region serves it) with the content digest `digest`. */
export async function checkDeployable(server: BenchServer, version: string, region: string, digest: string): Promise<void> {
  const disk = `deployed-${version}-${region}`;
  const id = versionPath(server, version).split("?")[0];
  await server.waitFor(await server.arm("PUT", server.diskPath(GROUP, disk), { location: region, properties: { creationData: { createOption: "FromImage", galleryImageReference: { id } } } }));
  const { body } = await server.arm("GET", server.diskPath(GROUP, disk));
  const contentDigest = (body as { properties: { contentDigest?: string } }).properties.contentDigest;
  if (contentDigest !== digest) throw new Error(`a disk of version ${version} in ${region} holds ${contentDigest}, not ${digest}`);
  // Not deleted: a delete schedules a garbage collection, which would run during the next measurement.
}

/**
 * Of the bench's big files (images, copies), leaves only `warm` in the page cache, read once so
 * that they are cached as a file just written is. Where the page cache fills the memory, writing
 * new data waits for reclaim (ten times slower on the VM of docs/benchmarks.md), and the bench's
 * own images would fill it; the chunk stores stay as the server left them.
 */
export async function cacheOnly(files: readonly string[], warm: readonly string[]): Promise<void> {
  await settle();
  for (const file of files.filter((candidate) => !warm.includes(candidate) && existsSync(candidate))) {
    await run("dd", [`if=${file}`, "iflag=nocache", "count=0", "status=none"]);
  }
  for (const file of warm) await run("dd", [`if=${file}`, "of=/dev/null", "bs=4M", "status=none"]);
}

/**
 * The delta baseline: `rsync --no-whole-file --inplace` of `source` onto `target` (a copy of the
 * previous image, made beforehand), then fsync of the target; the target is then equal to the
 * source (checked by cmp, untimed).
 */
export async function rsyncOnto(source: string, target: string): Promise<CopyTiming> {
  await settle();
  const start = process.hrtime.bigint();
  await run("rsync", ["--no-whole-file", "--inplace", source, target]);
  const copyMs = elapsedMs(start);
  const synced = process.hrtime.bigint();
  await run("sync", [target]);
  const syncMs = elapsedMs(synced);
  await run("cmp", [source, target]);
  return { copyMs, syncMs };
}
