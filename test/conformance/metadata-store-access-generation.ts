// Conformance cases for the access generation: every write that changes what authorization reads
// (users, groups, memberships, role assignments and definitions, service principals,
// subscriptions) raises it; a write that changes nothing, and writes elsewhere, leave it.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RoleAssignment } from "../../src/core/authorize.js";
import { openMetadataStore } from "../../src/store/open-store.js";
import { CREATED_AT, customRole, gallery, mustCreate, newId, resourceGroup, type StoreAccess } from "./metadata-store-fixtures.js";

const READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

export function accessGenerationCases(store: StoreAccess): void {
  describe("access generation", () => {
    /** The generation, which must be kept by this store. */
    const generation = async (): Promise<number> => {
      const value = await store().accessGeneration();
      assert.equal(typeof value, "number", "the store keeps an access generation");
      return value as number;
    };

    /** Runs `write` and says whether it raised the generation (never lowered). */
    const raises = async (write: () => Promise<unknown>): Promise<boolean> => {
      const before = await generation();
      await write();
      const after = await generation();
      assert.ok(after >= before, `the generation went down from ${before} to ${after}`);
      return after > before;
    };

    it("is raised by each write to users, groups, memberships, service principals and subscriptions", async () => {
      const tenantId = newId();
      const user = { objectId: newId(), tenantId, userPrincipalName: `u-${newId()}@example.test`, displayName: "U", passwordHash: "scrypt$a$b", createdAt: CREATED_AT };
      const group = { objectId: newId(), tenantId, displayName: "G", createdAt: CREATED_AT };
      const principal = { appId: newId(), objectId: newId(), tenantId, displayName: "P", secretHash: "scrypt$a$b", createdAt: CREATED_AT };
      const subscription = { id: newId(), tenantId, displayName: "S", state: "Enabled" as const, allowedRegions: [], createdAt: CREATED_AT };
      assert.ok(await raises(() => store().putUser(user)), "a user put");
      assert.ok(await raises(() => store().putUser({ ...user, displayName: "renamed" })), "a user replaced");
      assert.ok(await raises(() => store().putGroup(group)), "a group put");
      assert.ok(await raises(() => store().addGroupMember(group.objectId, user.objectId)), "a member added");
      assert.ok(await raises(() => store().removeGroupMember(group.objectId, user.objectId)), "a member removed");
      assert.ok(await raises(() => store().putServicePrincipal(principal)), "a service principal put");
      assert.ok(await raises(() => store().putSubscription(subscription)), "a subscription put");
      assert.ok(await raises(() => store().putSubscription({ ...subscription, state: "Disabled" })), "a subscription disabled");
    });

    it("is raised by each grant and removal of a role assignment and each change of a custom role", async () => {
      const assignment: RoleAssignment = {
        id: `/subscriptions/${newId()}/providers/Microsoft.Authorization/roleAssignments/${newId()}`,
        name: newId(),
        scope: `/subscriptions/${newId()}`,
        roleDefinitionName: READER,
        principalId: newId(),
        principalType: "ServicePrincipal",
        principalTenantId: newId(),
        createdOn: CREATED_AT,
        createdBy: newId(),
      };
      const role = customRole("/");
      assert.ok(await raises(() => store().createRoleAssignment(assignment)), "an assignment created");
      assert.ok(await raises(() => store().deleteRoleAssignment(assignment.id)), "an assignment deleted");
      assert.ok(await raises(() => store().putRoleDefinition(role)), "a role put");
      assert.ok(await raises(() => store().putRoleDefinition({ ...role, permissions: [] })), "a role's permissions taken away");
      assert.ok(await raises(() => store().deleteRoleDefinition(role.name)), "a role deleted");
    });

    it("is left where it was by writes that change nothing, and by writes elsewhere", async () => {
      const groupId = newId();
      const memberId = newId();
      await store().addGroupMember(groupId, memberId);
      const assignment: RoleAssignment = {
        id: `/subscriptions/${newId()}/providers/Microsoft.Authorization/roleAssignments/${newId()}`,
        name: newId(),
        scope: "/",
        roleDefinitionName: READER,
        principalId: newId(),
        principalType: "User",
        principalTenantId: newId(),
        createdOn: CREATED_AT,
        createdBy: newId(),
      };
      await store().createRoleAssignment(assignment);
      assert.equal(await raises(() => store().addGroupMember(groupId, memberId)), false, "a member added twice");
      assert.equal(await raises(() => store().removeGroupMember(groupId, newId())), false, "a member that was not there removed");
      assert.equal(await raises(() => store().createRoleAssignment(assignment)), false, "an assignment that exists created again");
      assert.equal(await raises(() => store().deleteRoleAssignment(`${assignment.id}0`)), false, "an assignment that was not there deleted");
      assert.equal(await raises(() => store().deleteRoleDefinition(newId())), false, "a role that was not there deleted");
      const group = resourceGroup(newId(), "rg");
      assert.equal(await raises(() => mustCreate(store(), group)), false, "a resource created");
      assert.equal(await raises(() => mustCreate(store(), gallery(group, "g"))), false, "another");
      assert.equal(await raises(() => store().putTenant({ id: newId(), displayName: "T", createdAt: CREATED_AT })), false, "a tenant put");
    });
  });
}

/**
 * A write to what authorization reads, made through one connection (or process) to a database,
 * shows to another connection to it as a new access generation. `location` names one database
 * that both open.
 */
export function accessGenerationAcrossConnections(location: () => Promise<string>): void {
  it("shows a write to what authorization reads, made through one connection, to another as a new access generation", async () => {
    const where = await location();
    // One after the other: the first migrates a new database.
    const writer = await openMetadataStore(where);
    const reader = await openMetadataStore(where);
    try {
      const before = await reader.accessGeneration();
      await writer.addGroupMember(newId(), newId());
      assert.ok(((await reader.accessGeneration()) ?? 0) > (before ?? Infinity));
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });
}
