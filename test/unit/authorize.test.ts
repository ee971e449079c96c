// The pure access decisions: wildcard actions, notActions, scope inheritance, default deny.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { actionMatches, BUILT_IN_ROLES, grantingAssignments, roleAllows, scopeCovers, type RoleAssignment, type RoleDefinition } from "../../src/core/authorize.js";

const role = (roleName: string): RoleDefinition => {
  const found = BUILT_IN_ROLES.find((r) => r.roleName === roleName);
  assert.ok(found, roleName);
  return found;
};

const GALLERY = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/galleries/g";

describe("actions", () => {
  it("matches wildcards anywhere, case-insensitively", () => {
    assert.equal(actionMatches("*", "Microsoft.Compute/galleries/write"), true);
    assert.equal(actionMatches("*/read", "microsoft.compute/galleries/images/READ"), true);
    assert.equal(actionMatches("*/read", "Microsoft.Compute/galleries/write"), false);
    assert.equal(actionMatches("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write"), true);
    assert.equal(actionMatches("Microsoft.Compute/galleries/*", "Microsoft.Compute/disks/write"), false);
    assert.equal(actionMatches("Microsoft.Compute/galleries/read", "Microsoft.Compute/galleries/readx"), false, "no prefix match without *");
  });

  it("lets notActions take away what actions give", () => {
    const contributor = role("Contributor");
    assert.equal(roleAllows(contributor, "Microsoft.Compute/galleries/images/versions/write"), true);
    assert.equal(roleAllows(contributor, "Microsoft.Authorization/roleAssignments/write"), false);
    assert.equal(roleAllows(contributor, "Microsoft.Compute/galleries/share/action"), false);
    assert.equal(roleAllows(role("Reader"), "Microsoft.Compute/galleries/delete"), false);
    assert.equal(roleAllows(role("Compute Gallery Image Reader"), "Microsoft.Compute/galleries/read"), false, "the image reader does not read the gallery itself");
    assert.equal(roleAllows(role("Compute Gallery Artifacts Publisher"), "Microsoft.Compute/galleries/share/action"), false);
    assert.equal(roleAllows(role("Compute Gallery Sharing Admin"), "Microsoft.Compute/galleries/share/action"), true);
  });
});

describe("scopes", () => {
  it("reach down, never up or sideways", () => {
    assert.equal(scopeCovers("/", GALLERY), true);
    assert.equal(scopeCovers("/subscriptions/S1", GALLERY), true, "case-insensitive");
    assert.equal(scopeCovers(GALLERY, `${GALLERY}/images/d`), true);
    assert.equal(scopeCovers(`${GALLERY}/images/d`, GALLERY), false);
    assert.equal(scopeCovers(`${GALLERY}2`, GALLERY), false);
    assert.equal(scopeCovers(GALLERY, `${GALLERY}2/images/d`), false, "g does not cover g2");
  });

  it("grants through an assignment at or above the scope, and denies otherwise", () => {
    const roles = new Map(BUILT_IN_ROLES.map((r) => [r.name, r]));
    const at = (scope: string, roleName: string): RoleAssignment => ({
      id: `${scope}/providers/Microsoft.Authorization/roleAssignments/x`,
      name: "x",
      scope,
      roleDefinitionName: role(roleName).name,
      principalId: "p",
      principalType: "User",
      principalTenantId: "t",
      createdOn: "",
      createdBy: "",
    });
    const definition = at(`${GALLERY}/images/d`, "Reader");
    const read = "Microsoft.Compute/galleries/images/versions/read";
    assert.equal(grantingAssignments([definition], roles, read, `${GALLERY}/images/d/versions/1.0.0`).length, 1);
    assert.equal(grantingAssignments([definition], roles, read, `${GALLERY}/images/e/versions/1.0.0`).length, 0);
    assert.equal(grantingAssignments([definition], roles, "Microsoft.Compute/galleries/read", GALLERY).length, 0);
    assert.equal(grantingAssignments([], roles, read, GALLERY).length, 0, "default deny");
    assert.equal(grantingAssignments([{ ...definition, roleDefinitionName: "unknown" }], roles, read, `${GALLERY}/images/d`).length, 0, "an unknown role grants nothing");
  });
});
