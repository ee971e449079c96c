// VM applications through @azure/arm-compute: an application version whose package (a tarball
// made here) and configuration are blobs in Azurite is fetched by the server, stored with a
// digest, replicated to two regions, resolved as "latest" per region, and read back byte for byte
// from a complete replica; bad input is refused, each time with a clear ARM error.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startAzurite, type Azurite } from "../support/azurite.js";
import { makeApplication, makeSamplePackage, until, type SamplePackage } from "../support/applications.js";
import { raw as rawRequest, sdkClients } from "../support/clients.js";
import { refusalOf } from "../support/disk-upload.js";
import { makeTempDir } from "../support/images.js";
import { startTestServer, type TestServer } from "../support/server.js";

const RG = "rg-apps";
const API = "api-version=2022-01-03";

interface Access {
  version: string;
  package: { url: string; fileName: string; contentDigest: string; sizeBytes: number };
  configuration?: { url: string; fileName: string; contentDigest: string };
  manageActions: Record<string, string>;
}

describe("gallery application versions", () => {
  let server: TestServer;
  let azurite: Azurite;
  let scratch: Awaited<ReturnType<typeof makeTempDir>>;
  let clients: ReturnType<typeof sdkClients>;
  let sample: SamplePackage;
  let applicationId: string;
  const versions = () => clients.compute.galleryApplicationVersions;
  const manageActions = { install: "tar -xzf app && ./install.sh", remove: "rm -rf /opt/app" };

  const access = (body: Record<string, unknown>) => rawRequest(server.connection, "POST", `${applicationId}/getDeploymentAccess?${API}`, { body });
  const status = async (version: string) =>
    (await versions().get(RG, "g", "app", version, { expand: "ReplicationStatus" })).replicationStatus;

  before(async () => {
    scratch = await makeTempDir("vitrine-apps-");
    azurite = await startAzurite();
    sample = await makeSamplePackage(scratch.dir, azurite);
    server = await startTestServer({ limits: { applicationPackageMiB: 1 } });
    clients = sdkClients(server.connection);
    applicationId = await makeApplication(clients, RG);
  });

  after(async () => {
    await server?.close();
    await azurite?.stop();
    await scratch?.remove();
  });

  it("fetches the package and configuration, replicates them to two regions, and serves them back byte for byte", async () => {
    const created = await versions().beginCreateOrUpdateAndWait(RG, "g", "app", "1.0.0", {
      location: "westus",
      publishingProfile: {
        source: { mediaLink: sample.mediaLink, defaultConfigurationLink: sample.configLink },
        manageActions: { ...manageActions, update: "./update.sh" },
        settings: { packageFileName: "app.tar.gz", configFileName: "app.json" },
        targetRegions: [{ name: "westus" }, { name: "eastus", regionalReplicaCount: 2 }],
      },
    });
    assert.equal(created.provisioningState, "Succeeded");
    // Vitrine's additions to the source, which the SDK's model does not carry: read raw.
    const rawVersion = (await rawRequest(server.connection, "GET", `${created.id}?${API}`)).body as { properties: { publishingProfile: { source: Record<string, unknown> } } };
    const source = rawVersion.properties.publishingProfile.source;
    assert.match(String(source.mediaContentDigest), /^sha256:[0-9a-f]{64}$/);
    assert.equal(source.mediaSizeBytes, sample.tarballBytes.length);
    assert.equal(source.defaultConfigurationSizeBytes, sample.configBytes.length);
    await until("both regions are complete", async () => (await status("1.0.0"))?.aggregatedState === "Completed");
    const rows = (await status("1.0.0"))?.summary ?? [];
    assert.deepEqual(rows.map((row) => [row.region, row.state, row.progress]), [["westus", "Completed", 100], ["eastus", "Completed", 100]]);

    for (const region of ["westus", "eastus"]) {
      const answer = await access({ region, version: "1.0.0", osType: "Linux" });
      assert.equal(answer.status, 200, answer.text);
      const files = answer.body as Access;
      assert.equal(files.package.fileName, "app.tar.gz");
      assert.equal(files.package.contentDigest, source.mediaContentDigest);
      assert.deepEqual(files.manageActions, { ...manageActions, update: "./update.sh" });
      const fetched = await fetch(files.package.url);
      assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), sample.tarballBytes, `the package read back in ${region}`);
      const config = await fetch(files.configuration?.url ?? "");
      assert.deepEqual(Buffer.from(await config.arrayBuffer()), sample.configBytes);
      const ranged = await fetch(files.package.url, { headers: { range: "bytes=10-19" } });
      assert.equal(ranged.status, 206);
      assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), sample.tarballBytes.subarray(10, 20));
    }

    const report = (await rawRequest(server.connection, "GET", `/subscriptions/${server.connection.subscriptionId}/providers/Vitrine.Billing/costReport?api-version=2024-01-01`)).body as { versions: Array<{ id: string; replicas: number; regions: number }> };
    const billed = report.versions.find((version) => version.id === created.id);
    assert.deepEqual(billed && [billed.replicas, billed.regions], [3, 2], "billed like an image version: three replicas in two regions");
  });

  it("resolves latest per region: the highest version complete there and not excluded", async () => {
    const source = { mediaLink: sample.mediaLink };
    await versions().beginCreateOrUpdateAndWait(RG, "g", "app", "1.1.0", { location: "westus", publishingProfile: { source, manageActions } });
    await versions().beginCreateOrUpdateAndWait(RG, "g", "app", "1.2.0", {
      location: "westus",
      publishingProfile: { source, manageActions, targetRegions: [{ name: "westus", excludeFromLatest: true }, { name: "eastus" }] },
    });
    await until("1.2.0 is complete", async () => (await status("1.2.0"))?.aggregatedState === "Completed");
    const latestIn = async (region: string) => ((await access({ region, osType: "Linux" })).body as Access).version;
    assert.equal(await latestIn("westus"), "1.1.0", "1.2.0 is excluded in westus");
    assert.equal(await latestIn("eastus"), "1.2.0");
    const missing = await access({ region: "eastus", version: "1.1.0", osType: "Linux" });
    assert.equal(missing.status, 404);
    assert.equal((missing.body as { error: { code: string } }).error.code, "GalleryApplicationNotFound", "1.1.0 is not in eastus");
    const nowhere = await access({ region: "northeurope", osType: "Linux" });
    assert.equal((nowhere.body as { error: { code: string } }).error.code, "GalleryApplicationNotFound");
  });

  it("keeps versions immutable but for their publishing fields, and deletes as images do", async () => {
    const refused = await refusalOf(versions().beginCreateOrUpdateAndWait(RG, "g", "app", "1.1.0", { location: "westus", publishingProfile: { source: { mediaLink: sample.configLink }, manageActions } }));
    assert.equal(refused.code, "PropertyChangeNotAllowed");
    assert.match(refused.message, /galleryApplicationVersion\.properties\.publishingProfile\.source\.mediaLink/);
    const updated = await versions().beginUpdateAndWait(RG, "g", "app", "1.1.0", { publishingProfile: { source: { mediaLink: sample.mediaLink }, targetRegions: [{ name: "westus" }, { name: "eastus" }] } });
    const kept = updated.publishingProfile?.manageActions;
    assert.deepEqual([kept?.install, kept?.remove], [manageActions.install, manageActions.remove], "kept");
    await until("1.1.0 reaches eastus", async () => (await status("1.1.0"))?.aggregatedState === "Completed");
    const blocked = await refusalOf(clients.compute.galleryApplications.beginDeleteAndWait(RG, "g", "app"));
    assert.equal(blocked.code, "CannotDeleteResource");
    await versions().beginDeleteAndWait(RG, "g", "app", "1.1.0");
    assert.equal((await refusalOf(versions().get(RG, "g", "app", "1.1.0"))).code, "ResourceNotFound");
  });

  it("refuses bad input with clear ARM errors", async () => {
    const create = (name: string, publishingProfile: Record<string, unknown>) =>
      refusalOf(versions().beginCreateOrUpdateAndWait(RG, "g", "app", name, { location: "westus", publishingProfile: publishingProfile as never }));
    const long = "x".repeat(4097);
    const cases: Array<[string, string, Record<string, unknown>, string, RegExp]> = [
      ["install over 4096 characters", "2.0.0", { source: { mediaLink: sample.mediaLink }, manageActions: { install: long, remove: "r" } }, "InvalidParameter", /length 4097 of parameter 'install'/],
      ["no manage actions", "2.0.1", { source: { mediaLink: sample.mediaLink } }, "InvalidParameter", /manageActions' is missing/],
      ["a link that is not http(s)", "2.0.3", { source: { mediaLink: "ftp://example.com/app.tgz" }, manageActions }, "InvalidParameter", /not an http or https URL/],
      ["four replicas in a region", "2.0.4", { source: { mediaLink: sample.mediaLink }, manageActions, replicaCount: 4 }, "InvalidParameter", /between 1 and 3/],
      ["an unreachable package", "2.0.5", { source: { mediaLink: "http://127.0.0.1:1/app.tgz" }, manageActions }, "InvalidApplicationPackage", /package \(mediaLink\) could not be fetched.*could not be read/],
      ["a missing blob", "2.0.6", { source: { mediaLink: azurite.readSasUrl("packages", "gone.tar.gz", new Date(Date.now() + 3_600_000)) }, manageActions }, "InvalidApplicationPackage", /answered HTTP 404/],
    ];
    for (const [what, name, profile, code, message] of cases) {
      const refusal = await create(name, profile);
      assert.equal(refusal.code, code, `${what}: ${refusal.message}`);
      assert.match(refusal.message, message, what);
    }
    // The SDK itself will not send a version without a source.
    const sourceless = await rawRequest(server.connection, "PUT", `${applicationId}/versions/2.0.2?${API}`, { body: { location: "westus", properties: { publishingProfile: { manageActions } } } });
    assert.equal(sourceless.status, 400);
    assert.match((sourceless.body as { error: { message: string } }).error.message, /publishingProfile\.source' is missing/);
    assert.equal((await refusalOf(versions().beginCreateOrUpdateAndWait(RG, "g", "app", "2.0", { location: "westus", publishingProfile: { source: { mediaLink: sample.mediaLink }, manageActions } }))).code, "InvalidParameter");

    const big = Buffer.alloc(2 * 1024 * 1024, 7);
    await (await azurite.createContainer("big")).getBlockBlobClient("big.bin").uploadData(big);
    const oversized = await create("2.0.7", { source: { mediaLink: azurite.readSasUrl("big", "big.bin", new Date(Date.now() + 3_600_000)) }, manageActions });
    assert.equal(oversized.code, "ApplicationPackageTooLarge", oversized.message);

    const mismatch = await access({ region: "westus", version: "1.0.0", osType: "Windows" });
    assert.equal(mismatch.status, 400);
    assert.equal((mismatch.body as { error: { code: string } }).error.code, "OSTypeMismatch");
  });

  it("refuses a package that changes while it is fetched", async () => {
    // A web server whose file is rewritten between the probe and the read: its ETag changes.
    let served = 0;
    const changing: Server = createServer((request, response) => {
      served += 1;
      const body = Buffer.alloc(4096, served);
      const [start, end] = (/bytes=(\d+)-(\d+)/.exec(request.headers.range ?? "") ?? []).slice(1).map(Number);
      const part = body.subarray(start ?? 0, (end ?? body.length - 1) + 1);
      response.writeHead(206, { etag: `"v${served}"`, "content-range": `bytes ${start}-${end}/${body.length}`, "content-length": part.length }).end(part);
    });
    await new Promise<void>((resolve) => changing.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(changing.address() as AddressInfo).port}/app.tgz`;
      const refusal = await refusalOf(versions().beginCreateOrUpdateAndWait(RG, "g", "app", "3.0.0", { location: "westus", publishingProfile: { source: { mediaLink: url }, manageActions } }));
      assert.equal(refusal.code, "InvalidApplicationPackage");
      assert.match(refusal.message, /changed while it was being read/);
      assert.equal((await versions().get(RG, "g", "app", "3.0.0")).provisioningState, "Failed");
    } finally {
      changing.close();
    }
  });
});
