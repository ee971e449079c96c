// What happens to a version's bytes over time: chunks nothing references any more are collected
// (never while a disk or version still needs them), and an ingest cut short by kill -9 of the
// server finishes after a restart.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { raw as rawRequest, sdkClients } from "../support/clients.js";
import { packBytesUnder } from "../support/pack-store.js";
import { contentDigestOf, convertImage, makeRawImage, makeTempDir, qemuSkip } from "../support/images.js";
import { exitOf, serve } from "../support/serve-process.js";
import { freshDataDir, startTestServer, type TestServer } from "../support/server.js";
import { makeDefinition, uploadedDisk } from "../support/gallery-fixtures.js";

const MIB = 1024 * 1024;
const RG = "rg-life";


async function until(what: string, condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Serves `bytes` with Range support; reads past the first MiB wait until `open()` is called. */
async function gatedServer(bytes: Buffer): Promise<{ url: string; open(): void; close(): Promise<void> }> {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const server = http.createServer((request, response) => {
    const range = /bytes=(\d+)-(\d+)/.exec(request.headers.range ?? "");
    const [start, end] = range ? [Number(range[1]), Number(range[2])] : [0, bytes.length - 1];
    const send = () => {
      response.writeHead(range ? 206 : 200, {
        "content-length": end - start + 1,
        "accept-ranges": "bytes",
        ...(range && { "content-range": `bytes ${start}-${end}/${bytes.length}` }),
      });
      response.end(request.method === "HEAD" ? undefined : bytes.subarray(start, end + 1));
    };
    if (start >= MIB && end < bytes.length - 512) void gate.then(send);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/disk.vhd`,
    open,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe("the bytes of versions over time", { skip: qemuSkip }, () => {
  let scratch: Awaited<ReturnType<typeof makeTempDir>>;
  let raw: Buffer;
  let vhd: Buffer;

  before(async () => {
    scratch = await makeTempDir();
    const rawPath = await makeRawImage(scratch.dir, "disk.raw", { sizeBytes: 20 * MIB, blocks: [{ offset: 0, bytes: 0x61, length: 3 * MIB }, { offset: 17 * MIB, bytes: 0x62, length: MIB }] });
    raw = readFileSync(rawPath);
    vhd = readFileSync(await convertImage(rawPath, "vpc-fixed"));
  });
  after(() => scratch.remove());

  describe("garbage collection", () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ gcGraceSeconds: 0 });
    });
    after(() => server.close());

    it("keeps chunks while anything references them, and frees them after the last delete", async () => {
      const clients = sdkClients(server.connection);
      await makeDefinition(clients, RG);
      await uploadedDisk(clients, RG, "disk", vhd);
      const snapshot = await clients.compute.snapshots.beginCreateOrUpdateAndWait(RG, "snap", { location: "westus", creationData: { createOption: "Copy", sourceResourceId: `/subscriptions/${server.connection.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/disk` } });
      await clients.compute.galleryImageVersions.beginCreateOrUpdateAndWait(RG, "g", "d", "1.0.0", { location: "westus", storageProfile: { osDiskImage: { source: { id: snapshot.id } } } });
      const store = join(server.dataDir, "regions", "westus");
      const targets = join(store, "targets");
      // Three chunks of 0x61 are one chunk stored once, with the chunk of 0x62: two chunks and a
      // manifest in the region's home store (the disk and the snapshot), the same on the storage
      // target of the version's replica.
      const onTargets = packBytesUnder(targets);
      assert.ok(onTargets >= 2 * MIB && onTargets < 3 * MIB, `the replica holds two distinct chunks (${onTargets} bytes)`);
      assert.ok(packBytesUnder(store) - onTargets >= 2 * MIB, "the home store holds the disk's");

      await clients.compute.snapshots.beginDeleteAndWait(RG, "snap");
      await clients.compute.disks.beginDeleteAndWait(RG, "disk");
      const collected = await server.collectGarbage();
      assert.equal(collected.deleted, 3, "the home store's two chunks and manifest: nothing references them any more");
      assert.equal(packBytesUnder(targets), onTargets, "the version's replica is kept");
      assert.equal(packBytesUnder(store), onTargets);

      await clients.compute.galleryImageVersions.beginDeleteAndWait(RG, "g", "d", "1.0.0");
      // No call: the delete schedules a collection.
      await until("the store is empty", () => packBytesUnder(store) === 0);
    });
  });

  it("counts versions against the subscription's limit in their region", async () => {
    const server = await startTestServer({ limits: { galleryImageVersions: 1 } });
    try {
      const clients = sdkClients(server.connection);
      const definitionId = await makeDefinition(clients, RG);
      const disk = await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "empty", { location: "westus", diskSizeGB: 1, creationData: { createOption: "Empty" } });
      const body = { location: "westus", storageProfile: { osDiskImage: { source: { id: disk.id } } } };
      await clients.compute.galleryImageVersions.beginCreateOrUpdateAndWait(RG, "g", "d", "1.0.0", body);
      const refused = await rawRequest(server.connection, "PUT", `${definitionId}/versions/1.0.1?api-version=2024-03-03`, { body: { location: "westus", properties: { storageProfile: body.storageProfile } } });
      assert.equal((refused.body as { error: { code: string } }).error.code, "QuotaExceeded");
      const usages = await rawRequest(server.connection, "GET", `/subscriptions/${server.connection.subscriptionId}/providers/Microsoft.Compute/locations/westus/usages?api-version=2024-07-01`);
      const versions = (usages.body as { value: Array<{ name: { value: string }; currentValue: number; limit: number }> }).value.find((u) => u.name.value === "galleryImageVersions");
      assert.deepEqual([versions?.currentValue, versions?.limit], [1, 1]);
    } finally {
      await server.close();
    }
  });

  it("imports from its own access URLs, trusting its own CA without NODE_EXTRA_CA_CERTS", async () => {
    const { child, connection } = await serve(freshDataDir(), [], { NODE_EXTRA_CA_CERTS: "" });
    try {
      const clients = sdkClients(connection);
      await clients.resources.resourceGroups.createOrUpdate(RG, { location: "westus" });
      await uploadedDisk(clients, RG, "disk", vhd);
      const read = await clients.compute.disks.beginGrantAccessAndWait(RG, "disk", { access: "Read", durationInSeconds: 600 });
      const imported = await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "imported", { location: "westus", creationData: { createOption: "Import", sourceUri: read.accessSAS } });
      assert.equal(imported.provisioningState, "Succeeded");
      assert.equal(imported.diskSizeBytes, raw.length);
    } finally {
      child.kill("SIGTERM");
      await exitOf(child);
    }
  });

  it("finishes ingests that kill -9 cut short, after a restart, under the operations clients poll", async () => {
    const dataDir = freshDataDir();
    const source = await gatedServer(vhd);
    let { child, connection } = await serve(dataDir);
    try {
      const clients = sdkClients(connection);
      const definitionId = await makeDefinition(clients, RG);
      const put = await rawRequest(connection, "PUT", `${definitionId}/versions/1.0.0?api-version=2024-03-03`, {
        body: { location: "westus", properties: { storageProfile: { osDiskImage: { source: { uri: source.url } } } } },
      });
      assert.equal(put.status, 201);
      const operation = await rawRequest(connection, "GET", (put.headers.get("azure-asyncoperation") ?? "").slice(connection.endpoint.length));
      assert.equal((operation.body as { status: string }).status, "InProgress");
      assert.equal(operation.headers.get("retry-after"), "1", "az waits 30 s between polls without it");
      const status = async () => (await clients.compute.galleryImageVersions.get(RG, "g", "d", "1.0.0", { expand: "ReplicationStatus" })).replicationStatus?.summary?.[0]?.state;
      await until("the ingest runs", async () => (await status()) === "Replicating");
      const running = (await clients.compute.galleryImageVersions.get(RG, "g", "d", "1.0.0", { expand: "ReplicationStatus" })).replicationStatus;
      assert.equal(running?.aggregatedState, "InProgress");
      assert.ok((running?.summary?.[0]?.progress ?? 100) < 100, "the reads wait past the first MiB: the ingest is not done");

      // A disk imported from the same URL is cut short too.
      const diskPut = await rawRequest(connection, "PUT", `/subscriptions/${connection.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/imported?api-version=2025-01-02`, {
        body: { location: "westus", properties: { creationData: { createOption: "Import", sourceUri: source.url } } },
      });
      assert.equal(diskPut.status, 202);

      child.kill("SIGKILL");
      await exitOf(child);
      ({ child, connection } = await serve(dataDir));
      source.open();
      const restarted = sdkClients(connection);
      await until("the version is Succeeded", async () => (await restarted.compute.galleryImageVersions.get(RG, "g", "d", "1.0.0")).provisioningState === "Succeeded");
      // The operations the clients were polling before the kill end too: they ran again under their ids.
      for (const started of [put, diskPut]) {
        const url = (started.headers.get("azure-asyncoperation") ?? "").slice(connection.endpoint.length);
        await until("the operation ends", async () => ((await rawRequest(connection, "GET", url)).body as { status: string }).status !== "InProgress");
        assert.equal(((await rawRequest(connection, "GET", url)).body as { status: string }).status, "Succeeded");
      }
      const disk = await restarted.compute.disks.get(RG, "imported");
      assert.deepEqual([disk.provisioningState, disk.diskSizeBytes], ["Succeeded", raw.length]);
      const shown = await rawRequest(connection, "GET", `${definitionId}/versions/1.0.0?api-version=2024-03-03`);
      const osDisk = (shown.body as { properties: { storageProfile: { osDiskImage: { contentDigest: string } } } }).properties.storageProfile.osDiskImage;
      assert.equal(osDisk.contentDigest, contentDigestOf(raw));
    } finally {
      child.kill("SIGTERM");
      await exitOf(child);
      await source.close();
    }
  });
});
