// Quotas and the usage API, several subscriptions and tenants, and a restart on the same data
// directory, through the real SDK.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { RestError } from "@azure/core-rest-pipeline";
import type { ConnectionInfo } from "../../src/main.js";
import { raw, sdkClients, tokenFor } from "../support/clients.js";
import { startTestServer, type TestServer } from "../support/server.js";

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as RestError).code;
  }
}

const image = (location: string, sku: string) => ({ location, osType: "Linux", osState: "Generalized", identifier: { publisher: "Q", offer: "Q", sku } }) as const;

describe("limits, usages, subscriptions and tenants", () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ limits: { galleries: 2, galleryImages: 3 } });
  });
  after(() => server.close());

  it("counts galleries and definitions per subscription and region, refuses past the limit, and reports usage", async () => {
    const { compute, resources } = sdkClients(server.connection);
    await resources.resourceGroups.createOrUpdate("rg", { location: "westus" });
    await compute.galleries.beginCreateOrUpdateAndWait("rg", "g1", { location: "westus" });
    await compute.galleries.beginCreateOrUpdateAndWait("rg", "g2", { location: "westus" });
    assert.equal(await codeOf(compute.galleries.beginCreateOrUpdateAndWait("rg", "g3", { location: "westus" })), "QuotaExceeded");
    await compute.galleries.beginCreateOrUpdateAndWait("rg", "g3", { location: "eastus" });

    for (const sku of ["a", "b", "c"]) await compute.galleryImages.beginCreateOrUpdateAndWait("rg", "g1", sku, image("westus", sku));
    assert.equal(await codeOf(compute.galleryImages.beginCreateOrUpdateAndWait("rg", "g1", "d", image("westus", "d"))), "QuotaExceeded");
    await compute.galleryImages.beginCreateOrUpdateAndWait("rg", "g2", "d", image("eastus", "d"));
    // Updating an existing resource never counts against the quota.
    await compute.galleries.beginCreateOrUpdateAndWait("rg", "g1", { location: "westus", description: "still fine" });

    const usages = new Map<string, { currentValue?: number; limit?: number }>();
    for await (const usage of compute.usage.list("westus")) usages.set(usage.name.value ?? "", usage);
    assert.deepEqual(usages.get("galleries"), { unit: "Count", currentValue: 2, limit: 2, name: { value: "galleries", localizedValue: "Galleries" } });
    assert.equal(usages.get("galleryImages")?.currentValue, 3);
    assert.equal(usages.get("galleryImages")?.limit, 3);
    assert.equal(usages.get("galleryImageVersions")?.limit, 10000);
    const east = new Map<string, number | undefined>();
    for await (const usage of compute.usage.list("eastus")) east.set(usage.name.value ?? "", usage.currentValue);
    assert.equal(east.get("galleries"), 1);
    assert.equal(east.get("galleryImages"), 1);
  });

  it("lists galleries of every subscription the principal can reach", async () => {
    const adminToken = await tokenFor(server.connection);
    const second = await raw(server.connection, "POST", "/vitrine/admin/subscriptions", {
      token: adminToken,
      body: { tenantId: server.connection.tenantId, displayName: "second" },
    });
    assert.equal(second.status, 201);
    const secondId = (second.body as { id: string }).id;
    const other = sdkClients(server.connection, secondId);
    await other.resources.resourceGroups.createOrUpdate("rg", { location: "westus" });
    await other.compute.galleries.beginCreateOrUpdateAndWait("rg", "inSecond", { location: "westus" });

    const { subscriptions } = sdkClients(server.connection);
    const all: string[] = [];
    for await (const s of subscriptions.subscriptions.list()) all.push(s.subscriptionId ?? "");
    assert.deepEqual(all.sort(), [server.connection.subscriptionId, secondId].sort());
    const perSubscription = new Map<string, string[]>();
    for (const id of all) {
      const names: string[] = [];
      for await (const g of sdkClients(server.connection, id).compute.galleries.list()) names.push(g.name ?? "");
      perSubscription.set(id, names.sort());
    }
    assert.deepEqual(perSubscription.get(secondId), ["inSecond"]);
    assert.deepEqual(perSubscription.get(server.connection.subscriptionId), ["g1", "g2", "g3"]);
  });

  it("keeps tenants apart, and the admin API for the administrator", async () => {
    const adminToken = await tokenFor(server.connection);
    const tenant = (await raw(server.connection, "POST", "/vitrine/admin/tenants", { token: adminToken, body: { displayName: "Fabrikam" } })).body as { id: string };
    const principal = (await raw(server.connection, "POST", "/vitrine/admin/servicePrincipals", { token: adminToken, body: { tenantId: tenant.id, displayName: "fab-ci" } })).body as {
      appId: string;
      objectId: string;
      clientSecret: string;
    };
    const subscription = (
      await raw(server.connection, "POST", "/vitrine/admin/subscriptions", { token: adminToken, body: { tenantId: tenant.id, displayName: "fab", ownerObjectId: principal.objectId } })
    ).body as { id: string };
    const fabrikam: ConnectionInfo = {
      ...server.connection,
      tenantId: tenant.id,
      subscriptionId: subscription.id,
      clientId: principal.appId,
      clientSecret: principal.clientSecret,
      tokenUrl: `${server.connection.endpoint}/${tenant.id}/oauth2/v2.0/token`,
    };
    const theirs = sdkClients(fabrikam);
    const seen: string[] = [];
    for await (const s of theirs.subscriptions.subscriptions.list()) seen.push(s.subscriptionId ?? "");
    assert.deepEqual(seen, [subscription.id]);
    await theirs.resources.resourceGroups.createOrUpdate("fab-rg", { location: "northeurope" });

    const intoOurs = sdkClients(fabrikam, server.connection.subscriptionId);
    assert.equal(await codeOf(intoOurs.compute.galleries.list().next()), "InvalidAuthenticationTokenTenant");

    const fabToken = await tokenFor(fabrikam);
    const denied = await raw(server.connection, "POST", "/vitrine/admin/tenants", { token: fabToken, body: { displayName: "x" } });
    assert.equal(denied.status, 403);
    assert.equal((denied.body as { error: { code: string } }).error.code, "AuthorizationFailed");
  });

  it("keeps everything across a restart on the same data directory", async () => {
    const before = server.connection;
    await server.close();
    server = await startTestServer({ limits: { galleries: 2, galleryImages: 3 } }, server.dataDir);
    assert.equal(server.connection.subscriptionId, before.subscriptionId);
    assert.equal(server.connection.clientId, before.clientId);
    assert.equal(server.connection.clientSecret, before.clientSecret);
    const { compute } = sdkClients(server.connection);
    const g1 = await compute.galleries.get("rg", "g1");
    assert.equal(g1.description, "still fine");
    const images: string[] = [];
    for await (const i of compute.galleryImages.listByGallery("rg", "g1")) images.push(i.name ?? "");
    assert.deepEqual(images.sort(), ["a", "b", "c"]);
  });
});
