// The gallery control plane through the real Azure SDK for JavaScript (@azure/arm-compute 24,
// @azure/arm-resources, @azure/identity's ClientSecretCredential against the server's own token
// endpoint), over HTTPS, as a user would drive it.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { RestError } from "@azure/core-rest-pipeline";
import { sdkClients } from "../support/clients.js";
import { startTestServer, type TestServer } from "../support/server.js";

const RG = "rg-sdk";
const LOCATION = "westus";

async function refusal(promise: Promise<unknown>): Promise<{ code?: string; statusCode?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const rest = error as RestError;
    return { code: rest.code, statusCode: rest.statusCode, message: rest.message };
  }
  assert.fail("expected the request to be refused");
}

describe("gallery control plane through @azure/arm-compute", () => {
  let server: TestServer;
  let clients: ReturnType<typeof sdkClients>;

  before(async () => {
    server = await startTestServer({ pageSize: 2 });
    clients = sdkClients(server.connection);
    await clients.resources.resourceGroups.createOrUpdate(RG, { location: LOCATION, tags: { team: "platform" } });
  });
  after(() => server.close());

  it("lists and gets the subscription", async () => {
    const subscriptions = [];
    for await (const s of clients.subscriptions.subscriptions.list()) subscriptions.push(s);
    assert.deepEqual(subscriptions.map((s) => s.subscriptionId), [server.connection.subscriptionId]);
    const one = await clients.subscriptions.subscriptions.get(server.connection.subscriptionId);
    assert.equal(one.tenantId, server.connection.tenantId);
    assert.equal(one.state, "Enabled");
  });

  it("manages resource groups", async () => {
    const group = await clients.resources.resourceGroups.get(RG);
    assert.equal(group.location, LOCATION);
    assert.deepEqual(group.tags, { team: "platform" });
    const updated = await clients.resources.resourceGroups.update(RG, { tags: { team: "images" } });
    assert.deepEqual(updated.tags, { team: "images" });
    assert.equal((await clients.resources.resourceGroups.checkExistence(RG)).body, true);
    assert.equal((await clients.resources.resourceGroups.checkExistence("nope")).body, false);
    const moved = await refusal(clients.resources.resourceGroups.createOrUpdate(RG, { location: "eastus" }));
    assert.equal(moved.code, "InvalidResourceGroupLocation");
  });

  it("creates, reads, updates, lists and deletes a gallery", async () => {
    const created = await clients.compute.galleries.beginCreateOrUpdateAndWait(RG, "galSdk", { location: LOCATION, description: "first", tags: { a: "1" } });
    assert.equal(created.name, "galSdk");
    assert.equal(created.provisioningState, "Succeeded");
    assert.equal(created.identifier?.uniqueName, `${server.connection.subscriptionId}-GALSDK`);
    assert.match(created.id ?? "", /\/resourceGroups\/rg-sdk\/providers\/Microsoft\.Compute\/galleries\/galSdk$/);

    const patched = await clients.compute.galleries.beginUpdateAndWait(RG, "galSdk", { description: "patched" });
    assert.equal(patched.description, "patched");
    assert.deepEqual(patched.tags, { a: "1" });
    const retagged = await clients.compute.galleries.beginUpdateAndWait(RG, "galSdk", { tags: { b: "2" } });
    assert.deepEqual(retagged.tags, { b: "2" }, "PATCH replaces the tag set, as ARM does");
    assert.equal(retagged.description, "patched");

    const put = await clients.compute.galleries.beginCreateOrUpdateAndWait(RG, "GALSDK", { location: "West US", description: "replaced" });
    assert.equal(put.name, "galSdk", "names are case-insensitive and keep the first casing");
    assert.equal(put.description, "replaced");

    const fetched = await clients.compute.galleries.get(RG, "galsdk");
    assert.equal(fetched.description, "replaced");

    const elsewhere = await refusal(clients.compute.galleries.beginCreateOrUpdateAndWait(RG, "galSdk", { location: "eastus" }));
    assert.equal(elsewhere.code, "InvalidResourceLocation");

    await clients.compute.galleries.beginDeleteAndWait(RG, "galSdk");
    const gone = await refusal(clients.compute.galleries.get(RG, "galSdk"));
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.code, "ResourceNotFound");
  });

  it("refuses bad gallery names and unknown or restricted locations", async () => {
    assert.equal((await refusal(clients.compute.galleries.beginCreateOrUpdateAndWait(RG, "my-gallery", { location: LOCATION }))).code, "InvalidParameter");
    assert.equal((await refusal(clients.compute.galleries.beginCreateOrUpdateAndWait(RG, "g1", { location: "moon" }))).code, "LocationNotAvailableForResourceType");
    assert.equal(
      (await refusal(clients.compute.galleries.beginCreateOrUpdateAndWait(RG, "g1", { location: "australiacentral" }))).code,
      "LocationNotAvailableForSubscription",
    );
    await server.directory.allowRegion(server.connection.subscriptionId, "Australia Central");
    const allowed = await clients.compute.galleries.beginCreateOrUpdateAndWait(RG, "gAus", { location: "australiacentral" });
    assert.equal(allowed.location, "australiacentral");
    await clients.compute.galleries.beginDeleteAndWait(RG, "gAus");
  });

  it("keeps image definitions unique by publisher, offer and sku, as the documentation's table shows", async () => {
    await clients.compute.galleries.beginCreateOrUpdateAndWait(RG, "galDefs", { location: LOCATION });
    const table = [
      ["myImage1", "Contoso", "Finance", "Backend"],
      ["myImage2", "Contoso", "Finance", "Frontend"],
      ["myImage3", "Testing", "Finance", "Frontend"],
    ] as const;
    for (const [name, publisher, offer, sku] of table) {
      const image = await clients.compute.galleryImages.beginCreateOrUpdateAndWait(RG, "galDefs", name, {
        location: LOCATION,
        osType: "Linux",
        osState: "Generalized",
        identifier: { publisher, offer, sku },
      });
      assert.equal(image.hyperVGeneration, "V1", "Hyper-V generation defaults to V1");
    }
    const duplicate = await refusal(
      clients.compute.galleryImages.beginCreateOrUpdateAndWait(RG, "galDefs", "myImage4", {
        location: LOCATION,
        osType: "Linux",
        osState: "Generalized",
        identifier: { publisher: "contoso", offer: "FINANCE", sku: "backend" },
      }),
    );
    assert.equal(duplicate.code, "GalleryImageIdentifierAlreadyExists");
    assert.equal(duplicate.statusCode, 409);

    const listed = [];
    for await (const image of clients.compute.galleryImages.listByGallery(RG, "galDefs")) listed.push(image.name);
    assert.deepEqual(listed.sort(), ["myImage1", "myImage2", "myImage3"], "all pages are followed (page size 2)");
  });

  it("exactly one of two simultaneous definitions with the same identifier wins", async () => {
    const attempt = (name: string) =>
      clients.compute.galleryImages
        .beginCreateOrUpdateAndWait(RG, "galDefs", name, { location: LOCATION, osType: "Windows", osState: "Specialized", identifier: { publisher: "Race", offer: "Same", sku: "One" } })
        .then(() => "won", (error: RestError) => error.code);
    const results = await Promise.all([attempt("raceA"), attempt("raceB")]);
    assert.deepEqual(results.sort(), ["GalleryImageIdentifierAlreadyExists", "won"]);
  });

  it("changes only what may change on a definition", async () => {
    const base = { location: LOCATION, osType: "Linux", osState: "Generalized", hyperVGeneration: "V2", identifier: { publisher: "P", offer: "O", sku: "S" } } as const;
    await clients.compute.galleryImages.beginCreateOrUpdateAndWait(RG, "galDefs", "mutable", {
      ...base,
      features: [{ name: "SecurityType", value: "TrustedLaunch" }],
    });
    const updated = await clients.compute.galleryImages.beginCreateOrUpdateAndWait(RG, "galDefs", "mutable", {
      ...base,
      features: [{ name: "SecurityType", value: "TrustedLaunch" }],
      description: "now described",
      recommended: { vCPUs: { min: 2, max: 8 }, memory: { min: 4, max: 32 } },
      endOfLifeDate: new Date("2040-01-01T00:00:00Z"),
    });
    assert.equal(updated.description, "now described");
    assert.equal(updated.recommended?.vCPUs?.max, 8);

    const osType = await refusal(clients.compute.galleryImages.beginCreateOrUpdateAndWait(RG, "galDefs", "mutable", { ...base, osType: "Windows" }));
    assert.equal(osType.code, "PropertyChangeNotAllowed");
    assert.match(osType.message, /galleryImage\.properties\.osType/);
    const sku = await refusal(clients.compute.galleryImages.beginCreateOrUpdateAndWait(RG, "galDefs", "mutable", { ...base, identifier: { ...base.identifier, sku: "S2" } }));
    assert.match(sku.message, /galleryImage\.properties\.identifier\.sku/);
    const generation = await refusal(clients.compute.galleryImages.beginUpdateAndWait(RG, "galDefs", "mutable", { hyperVGeneration: "V1" } as never));
    assert.equal(generation.code, "PropertyChangeNotAllowed");

    const features = await refusal(clients.compute.galleryImages.beginUpdateAndWait(RG, "galDefs", "mutable", { features: [{ name: "SecurityType", value: "Standard" }] }));
    assert.equal(features.code, "PropertyChangeNotAllowed");
    const allowed = await clients.compute.galleryImages.beginUpdateAndWait(RG, "galDefs", "mutable", {
      allowUpdateImage: true,
      features: [{ name: "SecurityType", value: "TrustedLaunchSupported" }],
    });
    assert.equal(allowed.features?.[0]?.value, "TrustedLaunchSupported");

    const patched = await clients.compute.galleryImages.beginUpdateAndWait(RG, "galDefs", "mutable", { description: "patched" });
    assert.equal(patched.description, "patched");
    assert.equal(patched.recommended?.memory?.max, 32, "PATCH merges and keeps the rest");
  });

  it("refuses invalid definitions with the service's codes", async () => {
    const valid = { location: LOCATION, osType: "Linux", osState: "Generalized", identifier: { publisher: "V", offer: "V", sku: "V" } } as const;
    const noOsType = await refusal(clients.compute.galleryImages.beginCreateOrUpdateAndWait(RG, "galDefs", "bad1", { ...valid, osType: undefined } as never));
    assert.equal(noOsType.code, "InvalidParameter");
    assert.match(noOsType.message, /osType/);
    const range = await refusal(clients.compute.galleryImages.beginCreateOrUpdateAndWait(RG, "galDefs", "bad2", { ...valid, recommended: { vCPUs: { min: 8, max: 2 } } }));
    assert.equal(range.code, "InvalidParameter");
    const past = await refusal(clients.compute.galleryImages.beginCreateOrUpdateAndWait(RG, "galDefs", "bad3", { ...valid, endOfLifeDate: new Date("2001-01-01") }));
    assert.match(past.message, /EndOfLifeDate must be set to a future date/);
    const orphan = await refusal(clients.compute.galleryImages.beginCreateOrUpdateAndWait(RG, "noGallery", "img", valid));
    assert.equal(orphan.code, "ParentResourceNotFound");
    const noGroup = await refusal(clients.compute.galleries.get("no-such-group", "g"));
    assert.equal(noGroup.code, "ResourceGroupNotFound");
  });

  it("lets a definition live in another location than its gallery", async () => {
    const image = await clients.compute.galleryImages.beginCreateOrUpdateAndWait(RG, "galDefs", "eastImage", {
      location: "eastus",
      osType: "Windows",
      osState: "Generalized",
      identifier: { publisher: "E", offer: "E", sku: "E" },
    });
    assert.equal(image.location, "eastus");
  });

  it("refuses to delete a gallery that holds definitions", async () => {
    const refused = await refusal(clients.compute.galleries.beginDeleteAndWait(RG, "galDefs"));
    assert.equal(refused.code, "CannotDeleteResource");
    assert.equal(refused.statusCode, 409);
  });

  it("manages gallery applications", async () => {
    await clients.compute.galleries.beginCreateOrUpdateAndWait(RG, "galApps", { location: LOCATION });
    const app = await clients.compute.galleryApplications.beginCreateOrUpdateAndWait(RG, "galApps", "myApp", {
      location: LOCATION,
      supportedOSType: "Linux",
      description: "an app",
      eula: "eula",
      customActions: [{ name: "reset", script: "reset.sh", parameters: [{ name: "force", type: "String", required: false }] }],
    });
    assert.equal(app.supportedOSType, "Linux");
    assert.equal(app.customActions?.[0]?.parameters?.[0]?.type, "String");
    const patched = await clients.compute.galleryApplications.beginUpdateAndWait(RG, "galApps", "myApp", { description: "changed" });
    assert.equal(patched.description, "changed");
    assert.equal(patched.eula, "eula");
    const osChange = await refusal(clients.compute.galleryApplications.beginCreateOrUpdateAndWait(RG, "galApps", "myApp", { location: LOCATION, supportedOSType: "Windows" }));
    assert.equal(osChange.code, "PropertyChangeNotAllowed");
    const apps = [];
    for await (const a of clients.compute.galleryApplications.listByGallery(RG, "galApps")) apps.push(a.name);
    assert.deepEqual(apps, ["myApp"]);
    assert.equal((await refusal(clients.compute.galleries.beginDeleteAndWait(RG, "galApps"))).code, "CannotDeleteResource");
    await clients.compute.galleryApplications.beginDeleteAndWait(RG, "galApps", "myApp");
    await clients.compute.galleries.beginDeleteAndWait(RG, "galApps");
  });

  it("lists galleries by resource group and by subscription across pages", async () => {
    for (const name of ["list1", "list2", "list3"]) await clients.compute.galleries.beginCreateOrUpdateAndWait(RG, name, { location: LOCATION });
    const inGroup = [];
    for await (const g of clients.compute.galleries.listByResourceGroup(RG)) inGroup.push(g.name);
    const inSubscription = [];
    for await (const g of clients.compute.galleries.list()) inSubscription.push(g.name);
    for (const name of ["list1", "list2", "list3", "galDefs"]) {
      assert.ok(inGroup.includes(name), name);
      assert.ok(inSubscription.includes(name), name);
    }
  });

  it("deleting a resource group deletes what it contains", async () => {
    await clients.resources.resourceGroups.createOrUpdate("rg-doomed", { location: LOCATION });
    await clients.compute.galleries.beginCreateOrUpdateAndWait("rg-doomed", "doomed", { location: LOCATION });
    await clients.compute.galleryImages.beginCreateOrUpdateAndWait("rg-doomed", "doomed", "img", {
      location: LOCATION,
      osType: "Linux",
      osState: "Generalized",
      identifier: { publisher: "D", offer: "D", sku: "D" },
    });
    await clients.resources.resourceGroups.beginDeleteAndWait("rg-doomed");
    assert.equal((await refusal(clients.resources.resourceGroups.get("rg-doomed"))).code, "ResourceGroupNotFound");
    await clients.resources.resourceGroups.createOrUpdate("rg-doomed", { location: LOCATION });
    assert.equal((await refusal(clients.compute.galleries.get("rg-doomed", "doomed"))).code, "ResourceNotFound");
  });
});
