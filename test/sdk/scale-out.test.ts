// The scaled-out shape: two API servers and two workers (separate processes) on one fresh
// PostgreSQL database, every region's storage target a container of Azurite (started here).
// - Definitions with one publisher/offer/sku created at once through both servers: one wins.
// - Galleries created at once through both servers past a small quota: exactly the quota succeed.
// - A version replicated to four regions while the worker copying is killed with SIGKILL: the
//   other worker takes the copy over once its lease expires, every replica is copied exactly once
//   and reads back verified from its container, holding nothing else; the version's long-running
//   operation, started on one API server, is polled on the other.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { AzureBlobChunkStore } from "../../src/blob/drivers/azure-blob-chunk-store.js";
import { Secret } from "../../src/blob/drivers/secret.js";
import { readRange } from "../../src/blob/export.js";
import { decodeManifest } from "../../src/blob/manifest.js";
import { startAzurite, DEV_ACCOUNT_KEY, type Azurite } from "../support/azurite.js";
import { raw as rawRequest, sdkClients, tokenFor, type RawResponse } from "../support/clients.js";
import { makeDefinition, uploadedDisk } from "../support/gallery-fixtures.js";
import { contentDigestOf, convertImage, makeRawImage, makeTempDir, qemuSkip } from "../support/images.js";
import { temporaryDatabases } from "../support/postgres.js";
import { exitOf, serve } from "../support/serve-process.js";
import { freshDataDir } from "../support/server.js";

const RG = "rg-scale-out";
const MIB = 1024 * 1024;
const API_VERSION = "api-version=2023-07-03";
const REGIONS = ["westus", "eastus", "northeurope", "westeurope"];
/** The galleries quota of every process: small, so that concurrent creates run into it. */
const GALLERY_LIMIT = 3;
/** The regions the quota is tested in: ones where the set-up made no gallery. */
const QUOTA_REGIONS = ["centralus", "eastus2", "southcentralus", "northcentralus"];
const databases = temporaryDatabases();

type Process = Awaited<ReturnType<typeof serve>>;
const containerOf = (region: string) => `${region}-replicas`;

describe("API servers and workers on one PostgreSQL, regions on Azurite", { skip: qemuSkip }, () => {
  let azurite: Azurite;
  let dataDir: string;
  let databaseUrl: string;
  const processes: Process[] = [];
  let api1: Process;
  let api2: Process;
  /** A bearer token per API server, fetched once so that the requests of a race leave together. */
  const tokens = new Map<Process, string>();
  const request = (api: Process, method: string, path: string, body?: unknown): Promise<RawResponse> =>
    rawRequest(api.connection, method, path, { token: tokens.get(api) ?? null, ...(body !== undefined && { body }) });
  const resourceGroupPath = () => `/subscriptions/${api1.connection.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute`;

  before(async () => {
    azurite = await startAzurite();
    databaseUrl = await databases.create();
    dataDir = freshDataDir();
    const target = (region: string) => ({ id: "blob", zone: 1, class: "standard", driver: "azure-blob", accountUrl: azurite.accountUrl, container: containerOf(region), accountKey: DEV_ACCOUNT_KEY });
    const configFile = join(dataDir, "scale-out.json");
    writeFileSync(configFile, JSON.stringify({ regionStorage: Object.fromEntries(REGIONS.map((region) => [region, { targets: [target(region)] }])) }));
    // Copies between regions paced to 4 MiB/s (a simulation), so that the kill lands in one; short leases and polls, so that a take-over comes soon.
    const start = (role: string, workerId: string) =>
      serve(dataDir, ["--role", role, "--config", configFile, "--database-url", databaseUrl, "--log-level", "info"], {
        VITRINE_WORKER_ID: workerId,
        VITRINE_LEASE_SECONDS: "2",
        VITRINE_WORKER_POLL_SECONDS: "1",
        VITRINE_SIMULATED_INTER_REGION_MIBPS: "4",
        VITRINE_LIMIT_GALLERIES: String(GALLERY_LIMIT),
      });
    // One at a time: each start writes the shared connection.json, which `serve` waits on.
    for (const [role, id] of [["api", "api-1"], ["api", "api-2"], ["worker", "worker-1"], ["worker", "worker-2"]] as const) processes.push(await start(role, id));
    [api1, api2] = processes as [Process, Process];
    for (const api of [api1, api2]) tokens.set(api, await tokenFor(api.connection));
    await makeDefinition(sdkClients(api1.connection), RG);
  });

  after(async () => {
    for (const { child } of processes) child.kill("SIGTERM");
    await Promise.all(processes.map(({ child }) => exitOf(child)));
    await azurite?.stop();
    await databases.dropAll();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("lets exactly one of concurrent creates of one image identifier through both servers win", async () => {
    const definitions = `${resourceGroupPath()}/galleries/g/images`;
    for (let round = 0; round < 4; round++) {
      // Six definitions of other names and one identifier, in letter cases that differ: Azure compares identifiers case-insensitively.
      const attempts = Array.from({ length: 6 }, (_, i) => ({
        name: `race-${round}-${i}`,
        api: i % 2 === 0 ? api1 : api2,
        identifier: { publisher: i % 3 === 0 ? "RACE" : "Race", offer: `Offer${round}`, sku: i % 2 === 0 ? "sku" : "SKU" },
      }));
      const responses = await Promise.all(
        attempts.map(({ name, api, identifier }) =>
          request(api, "PUT", `${definitions}/${name}?${API_VERSION}`, { location: "westus", properties: { osType: "Linux", osState: "Generalized", identifier } }),
        ),
      );
      const won = attempts.filter((_, i) => responses[i]!.status < 300);
      assert.equal(won.length, 1, `round ${round}: one create wins: ${responses.map((response) => `${response.status} ${response.text}`).join("\n")}`);
      for (const response of responses.filter((response) => response.status >= 300)) {
        assert.equal(response.status, 409, response.text);
        assert.equal(errorCodeOf(response), "GalleryImageIdentifierAlreadyExists", response.text);
      }
      // Both servers see the one definition.
      for (const api of [api1, api2]) {
        const listed = await listAll(request, api, `${definitions}?${API_VERSION}`);
        const holders = listed.filter((definition) => (definition.properties as { identifier: { offer: string } }).identifier.offer === `Offer${round}`);
        assert.deepEqual(holders.map((definition) => definition.name), [won[0]!.name], `round ${round}: one definition holds the identifier`);
      }
    }
  });

  it("holds the galleries quota under concurrent creates through both servers", async () => {
    // Several regions (each its own quota) raced at once, many creates each: the more that overlap, the surer a lost count shows.
    const attempts = QUOTA_REGIONS.flatMap((region) => Array.from({ length: 4 * GALLERY_LIMIT }, (_, i) => ({ region, name: `quota_${region}_${i}` })));
    const responses = await Promise.all(
      attempts.map(({ region, name }, i) => request(i % 2 === 0 ? api1 : api2, "PUT", `${resourceGroupPath()}/galleries/${name}?${API_VERSION}`, { location: region })),
    );
    for (const region of QUOTA_REGIONS) {
      const ofRegion = responses.filter((_, i) => attempts[i]!.region === region);
      const created = ofRegion.filter((response) => response.status < 300);
      assert.equal(created.length, GALLERY_LIMIT, `${region}: ${ofRegion.map((response) => `${response.status} ${response.text}`).join("\n")}`);
      for (const response of ofRegion.filter((response) => response.status >= 300)) {
        assert.equal(response.status, 409, response.text);
        assert.equal(errorCodeOf(response), "QuotaExceeded", response.text);
      }
    }
    for (const api of [api1, api2]) {
      const galleries = await listAll(request, api, `${resourceGroupPath()}/galleries?${API_VERSION}`);
      for (const region of QUOTA_REGIONS) assert.equal(galleries.filter((gallery) => gallery.location === region).length, GALLERY_LIMIT, `${region}: as many galleries as the quota`);
    }
  });

  it("survives a worker killed mid-copy, copies each replica once, and serves an operation on any server", async () => {
    const [, , worker1, worker2] = processes as [Process, Process, Process, Process];
    const scratch = await makeTempDir();
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const clients = sdkClients(api1.connection);
      const blocks = Array.from({ length: 8 }, (_, i) => ({ offset: i * MIB, bytes: 0x20 + i, length: MIB }));
      const rawPath = await makeRawImage(scratch.dir, "disk.raw", { sizeBytes: 20 * MIB, blocks });
      const rawBytes = readFileSync(rawPath);
      const diskId = await uploadedDisk(clients, RG, "source", readFileSync(await convertImage(rawPath, "vpc-fixed")));

      const created = await request(api1, "PUT", `${resourceGroupPath()}/galleries/g/images/d/versions/1.0.0?${API_VERSION}`, {
        location: "westus",
        properties: { storageProfile: { osDiskImage: { source: { id: diskId } } }, publishingProfile: { targetRegions: REGIONS.map((name) => ({ name })) } },
      });
      assert.equal(created.status, 201, created.text);
      const operationUrl = new URL(created.headers.get("azure-asyncoperation") ?? "");
      // The operation started on server 1, polled on server 2.
      const onApi2 = `${operationUrl.pathname}${operationUrl.search}`;
      const operationStatus = async () => ((await request(api2, "GET", onApi2)).body as { status: string }).status;
      await until("the version's operation ends, seen on server 2", async () => (await operationStatus()) !== "InProgress");
      assert.equal(await operationStatus(), "Succeeded");

      // The copies to the regions run on a worker: kill the one holding a replica's lease, mid-copy.
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
        const store = new AzureBlobChunkStore({ accountUrl: azurite.accountUrl, container: containerOf(region), accountKey: new Secret(DEV_ACCOUNT_KEY) });
        // get() checks each chunk's digest as it reads it back.
        const manifest = decodeManifest(await store.get(digest));
        assert.ok((await readRange(manifest, store, 0, manifest.size)).equals(rawBytes), `${region}: every chunk read back and verified`);
        const stored: string[] = [];
        for await (const { digest: name } of store.list()) stored.push(name);
        assert.deepEqual(stored.sort(), [...new Set([digest, ...manifest.chunks.map((chunk) => chunk.digest)])].sort(), `${region}: the chunks and the manifest in its container, nothing else`);
        assert.deepEqual(filesUnder(join(dataDir, "regions", region, "targets")), [], `${region}: nothing of the replica in the data directory`);
      }
      const metrics = await (await fetch(`${survivor.connection.endpoint}/metrics`)).text();
      assert.match(metrics, /^vitrine_replica_copies_total\{region="[a-z]+"\} [1-9]/m);
      assert.match(metrics, /^vitrine_replicated_bytes_total\{from="[a-z]+",to="[a-z]+"\} [1-9]/m);
    } finally {
      await db.end();
      await scratch.remove();
    }
  });
});

function errorCodeOf(response: RawResponse): string | undefined {
  return (response.body as { error?: { code?: string } } | undefined)?.error?.code;
}

/** Every item of an ARM list, following its nextLinks. */
async function listAll(
  request: (api: Process, method: string, path: string) => Promise<RawResponse>,
  api: Process,
  path: string,
): Promise<Array<{ name: string; location: string; properties: unknown }>> {
  const items: Array<{ name: string; location: string; properties: unknown }> = [];
  for (let next: string | undefined = path; next; ) {
    const response = await request(api, "GET", next);
    assert.equal(response.status, 200, response.text);
    const page = response.body as { value: typeof items; nextLink?: string };
    items.push(...page.value);
    const link = page.nextLink ? new URL(page.nextLink) : undefined;
    next = link && `${link.pathname}${link.search}`;
  }
  return items;
}

/** The replicas (`region/index`) whose copy a process's log says it completed. */
function copiesLogged(output: string): string[] {
  return output
    .split("\n")
    .filter((line) => line.includes('"replica copy completed"'))
    .map((line) => JSON.parse(line) as { region: string; index: number })
    .map((copy) => `${copy.region}/${copy.index}`);
}

function filesUnder(dir: string): string[] {
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
