// Conformance cases for users, groups and memberships, role assignments and custom role definitions.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RoleAssignment } from "../../src/core/authorize.js";
import { CREATED_AT, customRole, newId, type StoreAccess } from "./metadata-store-fixtures.js";

function assignment(scope: string, principalId: string, role = "acdd72a7-3385-48ef-bd42-f606fba81ae7"): RoleAssignment {
  const name = newId();
  return {
    id: `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    name,
    scope,
    roleDefinitionName: role,
    principalId,
    principalType: "ServicePrincipal",
    principalTenantId: newId(),
    createdOn: CREATED_AT,
    createdBy: newId(),
  };
}

export function accessCases(store: StoreAccess): void {
  describe("users and groups", () => {
    it("finds a user by object id and by sign-in name in any casing", async () => {
      const tenantId = newId();
      const user = { objectId: newId(), tenantId, userPrincipalName: `u-${newId()}@example.test`, displayName: "U", passwordHash: "scrypt$a$b", createdAt: CREATED_AT };
      await store().putUser(user);
      assert.deepEqual(await store().getUser(user.objectId), user);
      assert.deepEqual(await store().findUser(user.userPrincipalName.toUpperCase()), user);
      assert.deepEqual(await store().listUsers(tenantId), [user]);
      assert.equal(await store().getUser(newId()), undefined);
    });

    it("keeps memberships once, lists them both ways, and removes them", async () => {
      const tenantId = newId();
      const group = { objectId: newId(), tenantId, displayName: "G", createdAt: CREATED_AT };
      await store().putGroup(group);
      assert.deepEqual(await store().getGroup(group.objectId), group);
      assert.deepEqual(await store().listGroups(tenantId), [group]);
      const [a, b] = [newId(), newId()];
      await store().addGroupMember(group.objectId, a);
      await store().addGroupMember(group.objectId, a);
      await store().addGroupMember(group.objectId, b);
      assert.deepEqual(await store().listGroupMembers(group.objectId), [a, b].sort());
      assert.deepEqual(await store().listMemberships([a]), [{ groupId: group.objectId, memberId: a }]);
      assert.deepEqual(await store().listMemberships([]), []);
      assert.equal(await store().removeGroupMember(group.objectId, a), true);
      assert.equal(await store().removeGroupMember(group.objectId, a), false);
      assert.deepEqual(await store().listGroupMembers(group.objectId), [b]);
    });
  });

  describe("role assignments", () => {
    it("creates once, refuses the same principal, role and scope under another name, and deletes", async () => {
      const subscription = newId();
      const principal = newId();
      const first = assignment(`/subscriptions/${subscription}/resourceGroups/rg`, principal);
      assert.deepEqual(await store().createRoleAssignment(first), { kind: "created" });
      assert.deepEqual(await store().createRoleAssignment(first), { kind: "exists", existing: first });
      assert.deepEqual(await store().createRoleAssignment({ ...assignment(first.scope, principal), scope: first.scope.toUpperCase() }), { kind: "duplicate" });
      assert.deepEqual(await store().getRoleAssignment(first.id.toUpperCase()), first);
      assert.deepEqual(await store().deleteRoleAssignment(first.id), first);
      assert.equal(await store().deleteRoleAssignment(first.id), undefined);
      assert.equal(await store().getRoleAssignment(first.id), undefined);
    });

    it("lists by principals and by subscription, the root scope with every subscription", async () => {
      const [subscription, other] = [newId(), newId()];
      const [p1, p2] = [newId(), newId()];
      const inSub = assignment(`/subscriptions/${subscription}`, p1);
      const inOther = assignment(`/subscriptions/${other}/resourceGroups/x`, p2);
      const root = assignment("/", p2);
      for (const a of [inSub, inOther, root]) await store().createRoleAssignment(a);
      const ids = (list: RoleAssignment[]) => list.map((a) => a.id).sort();
      assert.deepEqual(ids(await store().listRoleAssignments({ principalIds: [p1] })), [inSub.id]);
      assert.deepEqual(ids(await store().listRoleAssignments({ principalIds: [p2.toUpperCase()] })), ids([inOther, root]));
      assert.deepEqual(await store().listRoleAssignments({ principalIds: [] }), []);
      assert.deepEqual(ids(await store().listRoleAssignments({ subscriptionId: subscription })).filter((id) => [inSub.id, root.id, inOther.id].includes(id)), ids([inSub, root]));
    });
  });

  describe("role definitions", () => {
    it("puts, replaces, gets, lists and deletes custom roles", async () => {
      const role = customRole("/subscriptions/x");
      await store().putRoleDefinition(role);
      await store().putRoleDefinition({ ...role, description: "changed" });
      assert.equal((await store().getRoleDefinition(role.name.toUpperCase()))?.description, "changed");
      assert.ok((await store().listRoleDefinitions()).some((r) => r.name === role.name));
      assert.equal(await store().deleteRoleDefinition(role.name), true);
      assert.equal(await store().deleteRoleDefinition(role.name), false);
      assert.equal(await store().getRoleDefinition(role.name), undefined);
    });
  });
}
