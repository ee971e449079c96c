// Conformance cases for settings, tenants, subscriptions, service principals and operations.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type {
  OperationRecord,
  ServicePrincipalRecord,
  SubscriptionRecord,
  TenantRecord,
} from "../../src/ports/metadata-store.js";
import { CREATED_AT, newId, type StoreAccess } from "./metadata-store-fixtures.js";

export function directoryCases(store: StoreAccess): void {
  describe("schema", () => {
    it("migrates again without harm", async () => {
      await store().migrate();
      await store().migrate();
      assert.equal(await store().getSetting(`absent-${newId()}`), undefined);
    });
  });

  describe("settings", () => {
    it("keeps the first value set", async () => {
      const name = `setting-${newId()}`;
      assert.equal(await store().getSetting(name), undefined);
      assert.equal(await store().initSetting(name, "first"), "first");
      assert.equal(await store().initSetting(name, "second"), "first");
      assert.equal(await store().getSetting(name), "first");
    });

    it("agrees on one value among simultaneous first writers", async () => {
      const name = `setting-${newId()}`;
      const values = await Promise.all(Array.from({ length: 10 }, (_, i) => store().initSetting(name, `value-${i}`)));
      const stored = await store().getSetting(name);
      assert.ok(stored !== undefined);
      assert.deepEqual(new Set(values), new Set([stored]));
    });
  });

  describe("tenants", () => {
    it("round-trips, replaces and lists", async () => {
      const tenant: TenantRecord = { id: newId(), displayName: "Contoso", createdAt: CREATED_AT };
      const other: TenantRecord = { id: newId(), displayName: "Fabrikam", createdAt: CREATED_AT };
      await store().putTenant(tenant);
      await store().putTenant(other);
      assert.deepEqual(await store().getTenant(tenant.id), tenant);
      const renamed = { ...tenant, displayName: "Contoso Ltd" };
      await store().putTenant(renamed);
      assert.deepEqual(await store().getTenant(tenant.id), renamed);
      const listed = (await store().listTenants()).filter((t) => t.id === tenant.id || t.id === other.id);
      assert.deepEqual(sortById(listed), sortById([renamed, other]));
      assert.equal(await store().getTenant(newId()), undefined);
    });
  });

  describe("subscriptions", () => {
    it("round-trips allowed regions and state, and lists by tenant", async () => {
      const tenantId = newId();
      const otherTenantId = newId();
      const first: SubscriptionRecord = {
        id: newId(),
        tenantId,
        displayName: "Production",
        state: "Enabled",
        allowedRegions: ["westus", "eastus2euap"],
        createdAt: CREATED_AT,
      };
      const second: SubscriptionRecord = { ...first, id: newId(), displayName: "Test", allowedRegions: [] };
      const elsewhere: SubscriptionRecord = { ...first, id: newId(), tenantId: otherTenantId };
      for (const subscription of [first, second, elsewhere]) await store().putSubscription(subscription);

      assert.deepEqual(await store().getSubscription(first.id), first);
      assert.deepEqual(sortById(await store().listSubscriptions(tenantId)), sortById([first, second]));
      assert.deepEqual(await store().listSubscriptions(otherTenantId), [elsewhere]);
      const ours = new Set([first.id, second.id, elsewhere.id]);
      assert.equal((await store().listSubscriptions()).filter((s) => ours.has(s.id)).length, 3);

      const disabled: SubscriptionRecord = { ...first, state: "Disabled", allowedRegions: ["northeurope"] };
      await store().putSubscription(disabled);
      assert.deepEqual(await store().getSubscription(first.id), disabled);
      assert.equal(await store().getSubscription(newId()), undefined);
    });
  });

  describe("service principals", () => {
    it("round-trips, finds one app across tenants and lists by tenant", async () => {
      const tenantA = newId();
      const tenantB = newId();
      const appId = newId();
      const home: ServicePrincipalRecord = {
        appId,
        objectId: newId(),
        tenantId: tenantA,
        displayName: "builder",
        secretHash: "scrypt$c2FsdA==$aGFzaA==",
        createdAt: CREATED_AT,
      };
      const guest: ServicePrincipalRecord = { ...home, objectId: newId(), tenantId: tenantB };
      const sibling: ServicePrincipalRecord = { ...home, appId: newId(), objectId: newId(), displayName: "deployer" };
      for (const principal of [home, guest, sibling]) await store().putServicePrincipal(principal);

      assert.deepEqual(await store().getServicePrincipal(tenantA, appId), home);
      assert.deepEqual(await store().getServicePrincipal(tenantB, appId), guest);
      assert.equal(await store().getServicePrincipal(tenantB, sibling.appId), undefined);
      assert.deepEqual(sortByTenant(await store().findServicePrincipals(appId)), sortByTenant([home, guest]));
      const inA = await store().listServicePrincipals(tenantA);
      assert.deepEqual(new Set(inA.map((p) => p.objectId)), new Set([home.objectId, sibling.objectId]));
      const ours = new Set([home.objectId, guest.objectId, sibling.objectId]);
      assert.equal((await store().listServicePrincipals()).filter((p) => ours.has(p.objectId)).length, 3);

      const rotated = { ...home, secretHash: "scrypt$bmV3$c2VjcmV0" };
      await store().putServicePrincipal(rotated);
      assert.deepEqual(await store().getServicePrincipal(tenantA, appId), rotated);
      assert.equal((await store().findServicePrincipals(appId)).length, 2);
    });
  });

  describe("operations", () => {
    it("round-trips a running and a failed operation", async () => {
      const running: OperationRecord = {
        id: newId(),
        subscriptionId: newId(),
        location: "westus",
        resourceId: "/subscriptions/s/resourceGroups/RG/providers/Microsoft.Compute/galleries/G",
        status: "InProgress",
        startTime: CREATED_AT,
        endTime: null,
        error: null,
      };
      await store().putOperation(running);
      assert.deepEqual(await store().getOperation(running.id), running);
      assert.deepEqual((await store().listRunningOperations()).find((op) => op.id === running.id), running, "listed while running");

      const failed: OperationRecord = {
        ...running,
        status: "Failed",
        endTime: "2024-05-01T10:05:00.000Z",
        error: { code: "ReplicationFailed", message: "Region eastus failed.", target: "eastus" },
      };
      await store().putOperation(failed);
      assert.deepEqual(await store().getOperation(running.id), failed);
      assert.equal((await store().listRunningOperations()).find((op) => op.id === running.id), undefined, "not listed once it ended");
      assert.equal(await store().getOperation(newId()), undefined);
    });
  });
}

function sortById<T extends { id: string }>(records: T[]): T[] {
  return [...records].sort((a, b) => (a.id < b.id ? -1 : 1));
}

function sortByTenant<T extends { tenantId: string }>(records: T[]): T[] {
  return [...records].sort((a, b) => (a.tenantId < b.tenantId ? -1 : 1));
}
