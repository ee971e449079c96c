// Which storage types a region can hold comes from its configured storage: Premium_LRS needs
// premium targets and Standard_ZRS needs standard targets in three zones. A version asking for
// more than a region has is refused with the reason, in the ARM error shape.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { raw as rawRequest, sdkClients } from "../support/clients.js";
import { makeDefinition } from "../support/gallery-fixtures.js";
import { startTestServer, type TestServer } from "../support/server.js";

const RG = "rg-storage";

describe("the storage types a region's storage can hold", () => {
  let server: TestServer;
  let definitionId: string;
  let diskId: string;

  before(async () => {
    server = await startTestServer({
      regionStorage: {
        // One zone, standard only: no premium, no ZRS.
        eastus: { targets: [{ id: "hdd", zone: 1, class: "standard" }] },
      },
    });
    const clients = sdkClients(server.connection);
    definitionId = await makeDefinition(clients, RG);
    const disk = await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "empty", { location: "westus", diskSizeGB: 1, creationData: { createOption: "Empty" } });
    diskId = disk.id ?? "";
  });
  after(() => server.close());

  const putVersion = (name: string, targetRegions: unknown[]) =>
    rawRequest(server.connection, "PUT", `${definitionId}/versions/${name}?api-version=2024-03-03`, {
      body: { location: "westus", properties: { storageProfile: { osDiskImage: { source: { id: diskId } } }, publishingProfile: { targetRegions } } },
    });

  it("refuses Premium_LRS in a region without premium targets, naming the region and the property", async () => {
    const response = await putVersion("1.0.0", [{ name: "westus" }, { name: "eastus", storageAccountType: "Premium_LRS" }]);
    assert.equal(response.status, 400);
    const error = (response.body as { error: { code: string; message: string; target?: string } }).error;
    assert.equal(error.code, "InvalidParameter");
    assert.match(error.message, /Region 'eastus' has no premium storage targets/);
    assert.equal(error.target, "galleryImageVersion.properties.publishingProfile.targetRegions[1].storageAccountType");
  });

  it("refuses Standard_ZRS in a region with fewer than three zones, in any case of the name", async () => {
    const response = await putVersion("1.0.1", [{ name: "westus" }, { name: "East US", storageAccountType: "standard_zrs" }]);
    assert.equal(response.status, 400);
    assert.match((response.body as { error: { message: string } }).error.message, /standard storage in 1 zone\(s\), and Standard_ZRS needs 3/);
  });

  it("takes every storage type in a region with the default storage (three zones, standard and premium)", async () => {
    const clients = sdkClients(server.connection);
    const version = await clients.compute.galleryImageVersions.beginCreateOrUpdateAndWait(RG, "g", "d", "1.0.2", {
      location: "westus",
      storageProfile: { osDiskImage: { source: { id: diskId } } },
      publishingProfile: { targetRegions: [{ name: "westus", storageAccountType: "Standard_ZRS" }, { name: "westus2", storageAccountType: "Premium_LRS" }, { name: "eastus" }] },
    });
    assert.equal(version.provisioningState, "Succeeded");
  });
});
