// Replicas on storage targets, through @azure/arm-compute: a version in three regions (one with
// two replicas, one zone-redundant) completes everywhere, each replica holds the whole disk on its
// own targets, a zone-redundant replica survives the loss of a zone, and changing the targets
// after creation adds and removes replicas.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { BlobClient } from "@azure/storage-blob";
import { PackChunkStore } from "../../src/blob/drivers/pack-chunk-store.js";
import { readRange } from "../../src/blob/export.js";
import { decodeManifest } from "../../src/blob/manifest.js";
import { raw as rawRequest, sdkClients } from "../support/clients.js";
import { packBytesUnder, storedChunksUnder } from "../support/pack-store.js";
import { makeDefinition, uploadedDisk } from "../support/gallery-fixtures.js";
import { contentDigestOf, convertImage, makeRawImage, makeTempDir, qemuSkip } from "../support/images.js";
import { exitOf, serve } from "../support/serve-process.js";
import { freshDataDir, startTestServer, type TestServer } from "../support/server.js";

const RG = "rg-replication";
const MIB = 1024 * 1024;

interface StatusRow {
  region: string;
  state: string;
  progress: number;
  bytesDone: number;
  bytesTotal: number;
  replicas: Array<{ index: number; storageAccountType: string; targets: string[]; state: string }>;
}

describe("replicas on storage targets", { skip: qemuSkip }, () => {
  let server: TestServer;
  let clients: ReturnType<typeof sdkClients>;
  let scratch: Awaited<ReturnType<typeof makeTempDir>>;
  let raw: Buffer;
  let diskId: string;
  let definitionId: string;

  /** The version's replicationStatus once no region is replicating any more. */
  async function settled(version: string): Promise<{ aggregatedState: string; summary: StatusRow[] }> {
    for (let attempt = 0; attempt < 400; attempt++) {
      const response = await rawRequest(server.connection, "GET", `${definitionId}/versions/${version}?api-version=2024-03-03&$expand=ReplicationStatus`);
      const status = (response.body as { properties: { replicationStatus: { aggregatedState: string; summary: StatusRow[] } } }).properties.replicationStatus;
      if (status.aggregatedState !== "InProgress") return status;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`version ${version} is still replicating`);
  }

  /** The disk as one replica's targets hold it: every target has the manifest and every chunk, verified. */
  async function replicaBytes(region: string, target: string): Promise<Buffer> {
    const store = new PackChunkStore(join(server.dataDir, "regions", region, "targets", target));
    const manifest = decodeManifest(await store.get(contentDigestOf(raw).replace(/^sha256:/, "")));
    return readRange(manifest, store, 0, manifest.size);
  }

  async function deployed(name: string, region: string): Promise<Buffer> {
    await clients.compute.disks.beginCreateOrUpdateAndWait(RG, name, { location: region, creationData: { createOption: "FromImage", galleryImageReference: { id: `${definitionId}/versions/1.0.0` } } });
    const access = await clients.compute.disks.beginGrantAccessAndWait(RG, name, { access: "Read", durationInSeconds: 600 });
    const vhd = await new BlobClient(access.accessSAS ?? "").downloadToBuffer();
    await clients.compute.disks.beginRevokeAccessAndWait(RG, name);
    return vhd.subarray(0, vhd.length - 512);
  }

  before(async () => {
    server = await startTestServer({ gcGraceSeconds: 0 });
    clients = sdkClients(server.connection);
    scratch = await makeTempDir();
    definitionId = await makeDefinition(clients, RG);
    const rawPath = await makeRawImage(scratch.dir, "disk.raw", { sizeBytes: 24 * MIB, blocks: [{ offset: 0, bytes: 0x41, length: 3 * MIB }, { offset: 13 * MIB, bytes: Buffer.from("replicated") }] });
    raw = readFileSync(rawPath);
    const vhd = readFileSync(await convertImage(rawPath, "vpc-fixed"));
    diskId = await uploadedDisk(clients, RG, "source", vhd);
  });
  after(async () => {
    await server.close();
    await scratch.remove();
  });

  it("completes a version in three regions, each replica a whole copy on its own targets", async () => {
    const version = await clients.compute.galleryImageVersions.beginCreateOrUpdateAndWait(RG, "g", "d", "1.0.0", {
      location: "westus",
      storageProfile: { osDiskImage: { source: { id: diskId } } },
      publishingProfile: {
        targetRegions: [{ name: "westus" }, { name: "eastus", regionalReplicaCount: 2 }, { name: "westus2", storageAccountType: "Standard_ZRS" }],
      },
    });
    assert.equal(version.provisioningState, "Succeeded");
    const status = await settled("1.0.0");
    assert.equal(status.aggregatedState, "Completed");
    const rows = new Map(status.summary.map((row) => [row.region, row]));
    assert.deepEqual([...rows.keys()], ["westus", "eastus", "westus2"]);
    assert.deepEqual(rows.get("eastus")?.replicas.map((r) => [r.index, r.state, r.targets.length]), [[0, "Completed", 1], [1, "Completed", 1]]);
    assert.notDeepEqual(rows.get("eastus")?.replicas[0]?.targets, rows.get("eastus")?.replicas[1]?.targets, "two replicas, two targets");
    const zrs = rows.get("westus2")?.replicas[0];
    assert.equal(zrs?.storageAccountType, "Standard_ZRS");
    assert.deepEqual(zrs?.targets, ["z1-standard", "z2-standard", "z3-standard"], "one target in each of three zones");
    for (const row of status.summary) {
      assert.equal(row.progress, 100);
      assert.equal(row.bytesDone, row.bytesTotal);
      for (const replica of row.replicas) {
        for (const target of replica.targets) assert.ok((await replicaBytes(row.region, target)).equals(raw), `${row.region} replica ${replica.index} on ${target}`);
      }
    }
  });

  it("deploys from a zone-redundant replica after one of its zones is lost", async () => {
    const zrs = (await settled("1.0.0")).summary.find((row) => row.region === "westus2")?.replicas[0];
    await rm(join(server.dataDir, "regions", "westus2", "targets", zrs?.targets[0] ?? ""), { recursive: true, force: true });
    assert.ok((await deployed("from-zrs", "westus2")).equals(raw), "read from the two zones left");
    const row = (await settled("1.0.0")).summary.find((r) => r.region === "westus2") as StatusRow & { scaling?: unknown };
    assert.deepEqual(row.scaling, { concurrentDeploymentsPeak: 1, windowSeconds: 60, recommendedReplicas: 1 }, "the deployment is counted for the scaling advice");
  });

  it("adds and removes replicas when the targets change, and frees what a removed one held", async () => {
    const before = packBytesUnder(join(server.dataDir, "regions", "eastus", "targets"));
    // The disk holds two distinct 1 MiB chunks (three alike, and one other).
    assert.ok(before >= 2 * 2 * MIB && before < 5 * MIB, `two replicas of two chunks (${before} bytes)`);
    const targetRegions = [{ name: "westus" }, { name: "eastus", regionalReplicaCount: 1 }, { name: "northeurope" }];
    const refused = await rawRequest(server.connection, "PATCH", `${definitionId}/versions/1.0.0?api-version=2024-03-03`, { body: { properties: { publishingProfile: { targetRegions } } } });
    assert.equal(refused.status, 400);
    const error = (refused.body as { error: { code: string; message: string } }).error;
    assert.equal(error.code, "OperationNotAllowed");
    assert.match(error.message, /'West US 2'.*allowDeletionOfReplicatedLocations is false/);
    const poller = await clients.compute.galleryImageVersions.beginUpdate(RG, "g", "d", "1.0.0", {
      publishingProfile: { targetRegions },
      safetyProfile: { allowDeletionOfReplicatedLocations: true },
    });
    await poller.pollUntilDone();
    const status = await settled("1.0.0");
    assert.equal(status.aggregatedState, "Completed");
    assert.deepEqual(status.summary.map((row) => [row.region, row.replicas.length]), [["westus", 1], ["eastus", 1], ["northeurope", 1]]);
    assert.ok((await deployed("in-north-europe", "northeurope")).equals(raw));
    await server.collectGarbage();
    const after = packBytesUnder(join(server.dataDir, "regions", "eastus", "targets"));
    assert.ok(after >= 2 * MIB && after < 3 * MIB, `one replica left in eastus (${before} -> ${after} bytes)`);
    const westus2 = join(server.dataDir, "regions", "westus2", "targets");
    assert.ok(packBytesUnder(westus2) >= 2 * 2 * MIB, "westus2 is no longer a target, but the disk deployed there still reads the replica's two zones left");
    await clients.compute.disks.beginDeleteAndWait(RG, "from-zrs");
    await server.collectGarbage();
    assert.equal(packBytesUnder(westus2), 0, "once nothing reads it, the replica is gone");
  });

  it("shows a copy onto a failing target as Failed with the reason, and retries it until it recovers", async () => {
    // A file where the target's directory should be: every write to that target fails.
    const blocked = join(server.dataDir, "regions", "centralus", "targets", "z1-standard");
    await mkdir(dirname(blocked), { recursive: true });
    await writeFile(blocked, "not a directory");
    const version = await clients.compute.galleryImageVersions.beginCreateOrUpdateAndWait(RG, "g", "d", "1.0.1", {
      location: "westus",
      storageProfile: { osDiskImage: { source: { id: diskId } } },
      publishingProfile: { targetRegions: [{ name: "westus" }, { name: "centralus" }] },
    });
    assert.equal(version.provisioningState, "Succeeded", "the source region is complete");
    const failed = await settled("1.0.1");
    assert.equal(failed.aggregatedState, "Failed");
    const row = failed.summary.find((r) => r.region === "centralus") as StatusRow & { details: string };
    assert.equal(row.state, "Failed");
    assert.match(row.details, /ENOTDIR|not a directory/i);
    assert.match(row.details, /retrying at/);
    await rm(blocked);
    for (let attempt = 0; attempt < 200 && (await settled("1.0.1")).aggregatedState !== "Completed"; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await settled("1.0.1")).aggregatedState, "Completed", "retried after its backoff, and complete");
  });
});

describe("a replication cut short by kill -9", { skip: qemuSkip }, () => {
  it("finishes after a restart, every chunk verified, none lost or left over", async () => {
    const dataDir = freshDataDir();
    const scratch = await makeTempDir();
    // Copies between regions paced to 4 MiB/s (a simulation), so that the kill lands in the middle of one.
    let { child, connection } = await serve(dataDir, [], { VITRINE_SIMULATED_INTER_REGION_MIBPS: "4" });
    try {
      const clients = sdkClients(connection);
      await makeDefinition(clients, RG);
      // Twelve distinct chunks: three seconds of copy per region at the simulated speed.
      const blocks = Array.from({ length: 12 }, (_, i) => ({ offset: i * MIB, bytes: 0x10 + i, length: MIB }));
      const rawPath = await makeRawImage(scratch.dir, "disk.raw", { sizeBytes: 20 * MIB, blocks });
      const raw = readFileSync(rawPath);
      const vhd = readFileSync(await convertImage(rawPath, "vpc-fixed"));
      const diskId = await uploadedDisk(clients, RG, "source", vhd);
      const version = await clients.compute.galleryImageVersions.beginCreateOrUpdateAndWait(RG, "g", "d", "1.0.0", {
        location: "westus",
        storageProfile: { osDiskImage: { source: { id: diskId } } },
        publishingProfile: { targetRegions: [{ name: "westus" }, { name: "eastus" }, { name: "northeurope" }] },
      });
      assert.equal(version.provisioningState, "Succeeded");

      // Not deployable in a region before its replicas are complete there, by id or as "latest".
      const fromImage = (name: string, id: string) =>
        rawRequest(connection, "PUT", `/subscriptions/${connection.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/${name}?api-version=2025-01-02`, {
          body: { location: "eastus", properties: { creationData: { createOption: "FromImage", galleryImageReference: { id } } } },
        });
      const early = await fromImage("too-early", version.id ?? "");
      assert.equal(early.status, 404);
      assert.equal((early.body as { error: { code: string } }).error.code, "GalleryImageNotFound");
      assert.equal((await fromImage("latest-too-early", `${version.id?.split("/versions/")[0]}`)).status, 404);

      const eastus = join(dataDir, "regions", "eastus", "targets");
      // A copy appends its chunks to packs as it goes and records them all once they are synced, before its manifest.
      await until("the copy into eastus is under way", () => packBytesUnder(eastus) >= 2 * MIB);
      assert.ok(packBytesUnder(eastus) < 12 * MIB && storedChunksUnder(eastus).length === 0, "killed before the copy into eastus was done");
      child.kill("SIGKILL");
      await exitOf(child);

      ({ child, connection } = await serve(dataDir));
      const restarted = sdkClients(connection);
      await until("every region is complete", async () => (await restarted.compute.galleryImageVersions.get(RG, "g", "d", "1.0.0", { expand: "ReplicationStatus" })).replicationStatus?.aggregatedState === "Completed");
      const deployedLater = await restarted.compute.disks.beginCreateOrUpdateAndWait(RG, "in-time", { location: "eastus", creationData: { createOption: "FromImage", galleryImageReference: { id: version.id ?? "" } } });
      assert.equal(deployedLater.provisioningState, "Succeeded", "deployable once eastus is complete");
      const digest = contentDigestOf(raw).replace(/^sha256:/, "");
      for (const region of ["westus", "eastus", "northeurope"]) {
        const targets = join(dataDir, "regions", region, "targets");
        const store = new PackChunkStore(join(targets, "z1-standard"));
        const manifest = decodeManifest(await store.get(digest));
        assert.ok((await readRange(manifest, store, 0, manifest.size)).equals(raw), `${region}: every chunk read back and verified`);
        assert.deepEqual(storedChunksUnder(targets).sort(), [digest, ...manifest.chunks.map((chunk) => chunk.digest)].sort(), `${region}: the chunks and the manifest, nothing else`);
      }
    } finally {
      child.kill("SIGTERM");
      await exitOf(child);
      await scratch.remove();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

async function until(what: string, condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting until ${what}`);
}
