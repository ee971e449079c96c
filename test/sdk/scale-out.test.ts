// The scaled-out shape on one PostgreSQL database: two API servers and two workers (separate
// processes) sharing the data directory's region stores. A version is replicated to three more
// regions while the worker copying is killed with SIGKILL: the other worker takes the copy over
// once its lease expires, every replica is copied exactly once and reads back verified, and the
// version's long-running operation, started on one API server, is polled on the other.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pg from "pg";
import { FsChunkStore } from "../../src/blob/drivers/fs-chunk-store.js";
import { readRange } from "../../src/blob/export.js";
import { decodeManifest } from "../../src/blob/manifest.js";
import { raw as rawRequest, sdkClients } from "../support/clients.js";
import { makeDefinition, uploadedDisk } from "../support/gallery-fixtures.js";
import { contentDigestOf, convertImage, makeRawImage, makeTempDir, qemuSkip } from "../support/images.js";
import { temporaryDatabases } from "../support/postgres.js";
import { exitOf, serve } from "../support/serve-process.js";
import { freshDataDir } from "../support/server.js";

const RG = "rg-scale-out";
const MIB = 1024 * 1024;
const REGIONS = ["westus", "eastus", "northeurope", "westeurope"];
const databases = temporaryDatabases();
after(() => databases.dropAll());

describe("API servers and workers on one PostgreSQL", { skip: qemuSkip }, () => {
  it("survives a worker killed mid-copy, copies each replica once, and serves an operation on any server", async () => {
    const databaseUrl = await databases.create();
    const dataDir = freshDataDir();
    const scratch = await makeTempDir();
    // Copies between regions paced to 4 MiB/s (a simulation), so that the kill lands in one; short leases and polls, so that a take-over comes soon.
    const start = (role: string, workerId: string) =>
      serve(dataDir, ["--role", role, "--database-url", databaseUrl, "--log-level", "info"], {
        VITRINE_WORKER_ID: workerId,
        VITRINE_LEASE_SECONDS: "2",
        VITRINE_WORKER_POLL_SECONDS: "1",
        VITRINE_SIMULATED_INTER_REGION_MIBPS: "4",
      });
    const processes = [await start("api", "api-1"), await start("api", "api-2"), await start("worker", "worker-1"), await start("worker", "worker-2")];
    const [api1, api2, worker1, worker2] = processes as [(typeof processes)[number], (typeof processes)[number], (typeof processes)[number], (typeof processes)[number]];
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const clients = sdkClients(api1.connection);
      await makeDefinition(clients, RG);
      const blocks = Array.from({ length: 8 }, (_, i) => ({ offset: i * MIB, bytes: 0x20 + i, length: MIB }));
      const rawPath = await makeRawImage(scratch.dir, "disk.raw", { sizeBytes: 20 * MIB, blocks });
      const rawBytes = readFileSync(rawPath);
      const diskId = await uploadedDisk(clients, RG, "source", readFileSync(await convertImage(rawPath, "vpc-fixed")));

      const versionPath = `/subscriptions/${api1.connection.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/galleries/g/images/d/versions/1.0.0`;
      const created = await rawRequest(api1.connection, "PUT", `${versionPath}?api-version=2023-07-03`, {
        body: { location: "westus", properties: { storageProfile: { osDiskImage: { source: { id: diskId } } }, publishingProfile: { targetRegions: REGIONS.map((name) => ({ name })) } } },
      });
      assert.equal(created.status, 201, created.text);
      const operationUrl = new URL(created.headers.get("azure-asyncoperation") ?? "");
      // The operation started on server 1, polled on server 2.
      const onApi2 = `${operationUrl.pathname}${operationUrl.search}`;
      await until("the version's operation ends, seen on server 2", async () => {
        const status = ((await rawRequest(api2.connection, "GET", onApi2)).body as { status: string }).status;
        return status !== "InProgress";
      });
      assert.equal(((await rawRequest(api2.connection, "GET", onApi2)).body as { status: string }).status, "Succeeded");

      // The copies to the other regions run on a worker: kill the one holding a replica's lease, mid-copy.
      let holder = "";
      await until("a worker copies a replica", async () => {
        const leases = await db.query<{ owner: string }>("select owner from leases where name like 'replica:%'");
        holder = leases.rows[0]?.owner ?? "";
        return holder.startsWith("worker-");
      });
      const [victim, survivor] = holder === "worker-1" ? [worker1, worker2] : [worker2, worker1];
      victim.child.kill("SIGKILL");
      await exitOf(victim.child);

      const status = async () => (await sdkClients(api2.connection).compute.galleryImageVersions.get(RG, "g", "d", "1.0.0", { expand: "ReplicationStatus" })).replicationStatus;
      await until("every region is complete", async () => (await status())?.aggregatedState === "Completed", 60_000);

      // Each replica copied to completion exactly once, whoever did it (the killed copy never completed).
      const completed = processes.flatMap((process) => copiesLogged(process.output()));
      const replicas = REGIONS.map((region) => `${region}/0`);
      assert.deepEqual([...completed].sort(), [...replicas].sort(), "one completed copy per replica");
      assert.ok(copiesLogged(survivor.output()).length >= 1, "the surviving worker finished the copy");

      const digest = contentDigestOf(rawBytes).replace(/^sha256:/, "");
      for (const region of REGIONS) {
        const targets = join(dataDir, "regions", region, "targets");
        const store = new FsChunkStore(join(targets, "z1-standard"));
        const manifest = decodeManifest(await store.get(digest));
        assert.ok((await readRange(manifest, store, 0, manifest.size)).equals(rawBytes), `${region}: every chunk read back and verified`);
        assert.deepEqual(chunkFiles(targets).sort(), [digest, ...manifest.chunks.map((chunk) => chunk.digest)].sort(), `${region}: the chunks and the manifest, nothing else`);
      }
      const metrics = await (await fetch(`${survivor.connection.endpoint}/metrics`)).text();
      assert.match(metrics, /^vitrine_replica_copies_total\{region="[a-z]+"\} [1-9]/m);
      assert.match(metrics, /^vitrine_replicated_bytes_total\{from="[a-z]+",to="[a-z]+"\} [1-9]/m);
    } finally {
      await db.end();
      for (const { child } of processes) child.kill("SIGTERM");
      await Promise.all(processes.map(({ child }) => exitOf(child)));
      await scratch.remove();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

/** The replicas (`region/index`) whose copy a process's log says it completed. */
function copiesLogged(output: string): string[] {
  return output
    .split("\n")
    .filter((line) => line.includes('"replica copy completed"'))
    .map((line) => JSON.parse(line) as { region: string; index: number })
    .map((copy) => `${copy.region}/${copy.index}`);
}

function chunkFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
}

async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  for (const started = Date.now(); Date.now() - started < timeoutMs; ) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

