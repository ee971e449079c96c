// Role-based access through real clients: principals of two tenants, each with its own token from
// the server, role assignments made with @azure/arm-authorization, and the documentation's
// sharing matrix (gallery / definition / version scope) checked cell by cell for read, write,
// delete and deploy; groups (nested), removal taking effect at once, users signing in with a
// password, multi-tenant apps, and what a reader may not do.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { UsernamePasswordCredential } from "@azure/identity";
import { buildFixedVhdFooter } from "../../src/blob/formats/vhd.js";
import type { RoleDefinition } from "../../src/core/authorize.js";
import type { ConnectionInfo } from "../../src/main.js";
import { openMetadataStore } from "../../src/store/open-store.js";
import { raw, sdkClients, tokenFor } from "../support/clients.js";
import { codeOf } from "../support/disk-upload.js";
import { makeDefinition, uploadedDisk } from "../support/gallery-fixtures.js";
import { startTestServer, type TestServer } from "../support/server.js";

const MIB = 1024 * 1024;
const RG = "rg-shared";
const READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";

interface Principal {
  objectId: string;
  connection: ConnectionInfo;
}

describe("role-based access", () => {
  let server: TestServer;
  let admin: ReturnType<typeof sdkClients>;
  let adminToken: string;
  let galleryId: string;
  let definitionId: string;
  let otherDefinitionId: string;
  let versionId: string;
  let tenantB: string;
  let diskId: string;
  const principals = new Map<string, Principal>();
  /** A principal the set-up made. */
  const p = (name: string): Principal => {
    const found = principals.get(name);
    if (!found) throw new Error(`no principal ${name}`);
    return found;
  };

  const post = async (path: string, body: unknown) => {
    const response = await raw(server.connection, "POST", `/vitrine/admin/${path}`, { token: adminToken, body });
    assert.ok(response.status < 300, `${path}: ${response.text}`);
    return response.body as Record<string, string>;
  };

  /** A service principal of `tenantId` with its own subscription (it is the subscription's Owner). */
  async function principal(name: string, tenantId: string): Promise<Principal> {
    const sp = await post("servicePrincipals", { tenantId, displayName: name });
    const subscription = await post("subscriptions", { tenantId, displayName: `${name}-sub`, ownerObjectId: sp.objectId });
    const connection: ConnectionInfo = {
      ...server.connection,
      tenantId,
      subscriptionId: subscription.id ?? "",
      clientId: sp.appId ?? "",
      clientSecret: sp.clientSecret ?? "",
      tokenUrl: `${server.connection.endpoint}/${tenantId}/oauth2/v2.0/token`,
    };
    return { objectId: sp.objectId ?? "", connection };
  }

  const authorization = (connection: ConnectionInfo) => {
    const clients = sdkClients(connection);
    return new AuthorizationManagementClient(clients.credential, connection.subscriptionId, {
      endpoint: connection.endpoint,
      credentialScopes: [`${connection.endpoint}/.default`],
    });
  };

  async function grant(scope: string, principalId: string, role: string, name = crypto.randomUUID()): Promise<string> {
    const assignment = await authorization(server.connection).roleAssignments.create(scope, name, {
      roleDefinitionId: `/subscriptions/${server.connection.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
      principalId,
    });
    return assignment.id ?? "";
  }

  /** The status of a GET of `id` with the principal's own token (200 or 403). */
  async function readStatus(who: Principal, id: string): Promise<number> {
    return (await raw(who.connection, "GET", `${id}?api-version=2024-03-03`)).status;
  }

  async function listNames(who: Principal, path: string): Promise<string[]> {
    const response = await raw(who.connection, "GET", `${path}?api-version=2024-03-03`);
    assert.equal(response.status, 200, response.text);
    return ((response.body as { value: Array<{ name: string }> }).value ?? []).map((item) => item.name).sort();
  }

  /** Deploys a disk from the shared version into the principal's own subscription. */
  async function deploy(who: Principal, name: string): Promise<string | undefined> {
    const theirs = sdkClients(who.connection);
    await theirs.resources.resourceGroups.createOrUpdate("mine", { location: "westus" });
    return codeOf(theirs.compute.disks.beginCreateOrUpdateAndWait("mine", name, { location: "westus", creationData: { createOption: "FromImage", galleryImageReference: { id: versionId } } }));
  }

  before(async () => {
    server = await startTestServer();
    admin = sdkClients(server.connection);
    adminToken = await tokenFor(server.connection);
    definitionId = await makeDefinition(admin, RG);
    galleryId = definitionId.replace(/\/images\/d$/, "");
    await admin.compute.galleryImages.beginCreateOrUpdateAndWait(RG, "g", "other", { location: "westus", osType: "Linux", osState: "Generalized", identifier: { publisher: "P", offer: "O", sku: "other" } });
    otherDefinitionId = `${galleryId}/images/other`;
    const vhd = Buffer.concat([Buffer.alloc(2 * MIB, 0x5a), Buffer.alloc(18 * MIB), buildFixedVhdFooter(20 * MIB)]);
    diskId = await uploadedDisk(admin, RG, "source", vhd);
    const version = await admin.compute.galleryImageVersions.beginCreateOrUpdateAndWait(RG, "g", "d", "1.0.0", { location: "westus", storageProfile: { osDiskImage: { source: { id: diskId } } } });
    await admin.compute.galleryImageVersions.beginCreateOrUpdateAndWait(RG, "g", "d", "1.0.1", { location: "westus", storageProfile: { osDiskImage: { source: { id: diskId } } } });
    versionId = version.id ?? "";
    tenantB = (await post("tenants", { displayName: "Fabrikam" })).id ?? "";
    const tenantA = server.connection.tenantId;
    for (const name of ["galleryReader", "definitionReader", "versionReader", "nobody", "groupMember", "publisher"]) principals.set(name, await principal(name, tenantA));
    principals.set("partner", await principal("partner", tenantB));
  });
  after(() => server.close());

  it("serves the built-in roles, with Azure's ids, to @azure/arm-authorization", async () => {
    const client = authorization(server.connection);
    const names: string[] = [];
    for await (const role of client.roleDefinitions.list(galleryId)) names.push(role.roleName ?? "");
    for (const expected of ["Owner", "Contributor", "Reader", "Compute Gallery Sharing Admin", "Compute Gallery Artifacts Publisher", "Compute Gallery Image Reader"]) assert.ok(names.includes(expected), expected);
    const reader = await client.roleDefinitions.get(galleryId, READER);
    assert.deepEqual(reader.permissions?.[0]?.actions, ["*/read"]);
    const byName: string[] = [];
    for await (const role of client.roleDefinitions.list(`/subscriptions/${server.connection.subscriptionId}`, { filter: "roleName eq 'Compute Gallery Image Reader'" })) byName.push(role.name ?? "");
    assert.deepEqual(byName, ["cf7c76d2-98a3-4358-a134-615aa78bf44d"]);
  });

  it("holds the sharing matrix: gallery, definition and version scope, cell by cell", async () => {
    const [galleryReader, definitionReader, versionReader, nobody] = ["galleryReader", "definitionReader", "versionReader", "nobody"].map(p) as [Principal, Principal, Principal, Principal];
    await grant(galleryId, galleryReader.objectId, READER);
    await grant(definitionId, definitionReader.objectId, READER);
    await grant(versionId, versionReader.objectId, READER);
    const otherVersion = `${definitionId}/versions/1.0.1`;
    const cells: Array<[Principal, string, number]> = [
      [galleryReader, galleryId, 200], [galleryReader, definitionId, 200], [galleryReader, versionId, 200], [galleryReader, otherDefinitionId, 200],
      [definitionReader, galleryId, 403], [definitionReader, definitionId, 200], [definitionReader, versionId, 200], [definitionReader, otherVersion, 200], [definitionReader, otherDefinitionId, 403],
      [versionReader, galleryId, 403], [versionReader, definitionId, 403], [versionReader, versionId, 200], [versionReader, otherVersion, 403],
      [nobody, galleryId, 403], [nobody, definitionId, 403], [nobody, versionId, 403],
    ];
    for (const [who, id, status] of cells) assert.equal(await readStatus(who, id), status, `${who.objectId} reads ${id}`);

    assert.deepEqual(await listNames(galleryReader, `${galleryId}/images`), ["d", "other"]);
    assert.deepEqual(await listNames(definitionReader, `${galleryId}/images`), ["d"], "a definition share shows in its gallery's list, alone");
    assert.deepEqual(await listNames(versionReader, `${definitionId}/versions`), ["1.0.0"]);
    assert.equal((await raw(nobody.connection, "GET", `${definitionId}/versions?api-version=2024-03-03`)).status, 403, "no role at, above or below the list's scope");
    assert.deepEqual(await listNames(galleryReader, `/subscriptions/${server.connection.subscriptionId}/providers/Microsoft.Compute/galleries`), ["g"]);
    assert.deepEqual(await listNames(definitionReader, `/subscriptions/${server.connection.subscriptionId}/providers/Microsoft.Compute/galleries`), []);

    const groups = `/subscriptions/${server.connection.subscriptionId}/resourcegroups?api-version=2021-04-01`;
    assert.equal((await raw(nobody.connection, "GET", groups)).status, 403, "no role anywhere in the subscription");
    assert.deepEqual((await raw(galleryReader.connection, "GET", groups)).body, { value: [] }, "a role on a gallery is not one on its resource group");

    const missing = await raw(nobody.connection, "GET", `${galleryId}/images/nonexistent?api-version=2024-03-03`);
    const hidden = await raw(nobody.connection, "GET", `${definitionId}?api-version=2024-03-03`);
    assert.equal(missing.status, hidden.status, "what the caller may not read looks like what does not exist");
    assert.equal((hidden.body as { error: { code: string } }).error.code, "AuthorizationFailed");
    assert.match((hidden.body as { error: { message: string } }).error.message, /does not have authorization to perform action 'Microsoft\.Compute\/galleries\/images\/read' over scope/);

    for (const who of [galleryReader, definitionReader, versionReader]) {
      const patch = await raw(who.connection, "PATCH", `${definitionId}?api-version=2024-03-03`, { body: { properties: { description: "mine now" } } });
      assert.equal(patch.status, 403, "readers do not write");
      const deleted = await raw(who.connection, "DELETE", `${versionId}?api-version=2024-03-03`);
      assert.equal(deleted.status, 403, "readers do not delete");
    }
  });

  it("lets a reader of a version deploy from it in its own subscription, and nobody else", async () => {
    assert.equal(await deploy(p("galleryReader"), "from-gallery-share"), undefined);
    assert.equal(await deploy(p("versionReader"), "from-version-share"), undefined);
    assert.equal(await deploy(p("nobody"), "not-shared"), "LinkedAuthorizationFailed");
  });

  it("grants through nested groups, and a removal takes effect at once", async () => {
    const member = p("groupMember");
    const outer = await post("groups", { tenantId: server.connection.tenantId, displayName: "image-readers" });
    const inner = await post("groups", { tenantId: server.connection.tenantId, displayName: "team" });
    await post(`groups/${outer.objectId}/members`, { memberId: inner.objectId });
    await post(`groups/${inner.objectId}/members`, { memberId: member.objectId });
    const cycle = await raw(server.connection, "POST", `/vitrine/admin/groups/${inner.objectId}/members`, { token: adminToken, body: { memberId: outer.objectId } });
    assert.equal(cycle.status, 400, "a group cannot contain itself");

    assert.equal(await readStatus(member, otherDefinitionId), 403);
    const assignmentId = await grant(otherDefinitionId, outer.objectId ?? "", READER);
    assert.equal(await readStatus(member, otherDefinitionId), 200, "through the inner group in the outer one");

    const removed = await raw(server.connection, "DELETE", `/vitrine/admin/groups/${inner.objectId}/members/${member.objectId}`, { token: adminToken });
    assert.equal(removed.status, 204);
    assert.equal(await readStatus(member, otherDefinitionId), 403, "same token, membership gone");
    await post(`groups/${inner.objectId}/members`, { memberId: member.objectId });
    assert.equal(await readStatus(member, otherDefinitionId), 200);
    await authorization(server.connection).roleAssignments.deleteById(assignmentId);
    assert.equal(await readStatus(member, otherDefinitionId), 403, "same token, assignment gone");
  });

  it("sees grants and removals that another process wrote to the store on the very next request", async () => {
    const who = await principal("elsewhere", server.connection.tenantId);
    // A second connection to the server's database, as `vitrine admin` in another process opens it.
    const other = await openMetadataStore(`sqlite:${join(server.dataDir, "metadata.db")}`);
    try {
      assert.equal(await readStatus(who, otherDefinitionId), 403);
      const assignmentId = await grant(otherDefinitionId, who.objectId, READER);
      assert.equal(await readStatus(who, otherDefinitionId), 200);
      await other.deleteRoleAssignment(assignmentId);
      assert.equal(await readStatus(who, otherDefinitionId), 403, "assignment deleted by the other process");

      const group = { objectId: crypto.randomUUID(), tenantId: server.connection.tenantId, displayName: "elsewhere", createdAt: new Date().toISOString() };
      await other.putGroup(group);
      await grant(otherDefinitionId, group.objectId, READER);
      assert.equal(await readStatus(who, otherDefinitionId), 403);
      await other.addGroupMember(group.objectId, who.objectId);
      assert.equal(await readStatus(who, otherDefinitionId), 200, "member added by the other process");
      await other.removeGroupMember(group.objectId, who.objectId);
      assert.equal(await readStatus(who, otherDefinitionId), 403, "member removed by the other process");

      const permissions = (actions: string[]) => [{ actions, notActions: [], dataActions: [], notDataActions: [] }];
      const role: RoleDefinition = { name: crypto.randomUUID(), roleName: "elsewhere reader", description: "", type: "CustomRole", permissions: permissions(["Microsoft.Compute/galleries/images/read"]), assignableScopes: ["/"] };
      await other.putRoleDefinition(role);
      await grant(otherDefinitionId, who.objectId, role.name);
      assert.equal(await readStatus(who, otherDefinitionId), 200);
      await other.putRoleDefinition({ ...role, permissions: permissions([]) });
      assert.equal(await readStatus(who, otherDefinitionId), 403, "custom role emptied by the other process");
    } finally {
      await other.close();
    }
  });

  it("lets a contributor at definition scope write and delete there, and nowhere else", async () => {
    const publisher = p("publisher");
    await grant(definitionId, publisher.objectId, CONTRIBUTOR);
    const theirs = sdkClients(publisher.connection, server.connection.subscriptionId);
    const updated = await theirs.compute.galleryImages.beginUpdateAndWait(RG, "g", "d", { description: "published by the team" });
    assert.equal(updated.description, "published by the team");
    assert.equal(await codeOf(theirs.compute.galleryImages.beginUpdateAndWait(RG, "g", "other", { description: "not mine" })), "AuthorizationFailed");
    assert.equal(await codeOf(theirs.compute.galleries.beginUpdateAndWait(RG, "g", { description: "not mine" })), "AuthorizationFailed");
    await theirs.compute.galleryImageVersions.beginDeleteAndWait(RG, "g", "d", "1.0.1");
    assert.equal(await readStatus(publisher, `${definitionId}/versions/1.0.1`), 404, "gone, and the contributor may read there");
    const share = await raw(publisher.connection, "PUT", `${definitionId}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}?api-version=2022-04-01`, {
      body: { properties: { roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${READER}`, principalId: p("nobody").objectId } },
    });
    assert.equal(share.status, 403, "a contributor may not hand out roles");
  });

  it("refuses a reader writes, deletes, role assignments and access URLs", async () => {
    const reader = p("galleryReader");
    const token = await tokenFor(reader.connection);
    const grantAccess = await raw(reader.connection, "POST", `/subscriptions/${server.connection.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/disks/source/beginGetAccess?api-version=2025-01-02`, {
      token,
      body: { access: "Read", durationInSeconds: 60 },
    });
    assert.equal(grantAccess.status, 403, "no access URL without the action");
    const assign = await raw(reader.connection, "PUT", `${galleryId}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}?api-version=2022-04-01`, {
      token,
      body: { properties: { roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${READER}`, principalId: reader.objectId } },
    });
    assert.equal(assign.status, 403);
    const create = await raw(reader.connection, "PUT", `${galleryId}/images/mine?api-version=2024-03-03`, {
      token,
      body: { location: "westus", properties: { osType: "Linux", osState: "Generalized", identifier: { publisher: "a", offer: "b", sku: "c" } } },
    });
    assert.equal(create.status, 403);
    const deleteGallery = await raw(reader.connection, "DELETE", `${galleryId}?api-version=2024-03-03`, { token });
    assert.equal(deleteGallery.status, 403);
    const own = await authorization(reader.connection).roleAssignments.listForScope(`/subscriptions/${server.connection.subscriptionId}`, { filter: `assignedTo('${reader.objectId}')` }).next();
    assert.equal(own.value?.scope, galleryId, "a principal may list its own assignments");
  });

  it("lets a principal of another tenant list and deploy with its own tenant's token", async () => {
    const partner = p("partner");
    assert.equal(await readStatus(partner, galleryId), 401, "before a grant, another tenant's subscription is out of reach (InvalidAuthenticationTokenTenant)");
    await grant(galleryId, partner.objectId, READER);
    const theirs = sdkClients(partner.connection, server.connection.subscriptionId);
    const galleries: string[] = [];
    for await (const g of theirs.compute.galleries.list()) galleries.push(g.name ?? "");
    assert.deepEqual(galleries, ["g"]);
    const subscriptions: string[] = [];
    for await (const s of sdkClients(partner.connection).subscriptions.subscriptions.list()) subscriptions.push(s.subscriptionId ?? "");
    assert.deepEqual(subscriptions.sort(), [partner.connection.subscriptionId, server.connection.subscriptionId].sort());
    assert.equal(await deploy(partner, "cross-tenant"), undefined);
    const sharedWithMe = await raw(partner.connection, "GET", "/providers/Vitrine.Sharing/sharedWithMe?api-version=2026-11-01");
    assert.equal(sharedWithMe.status, 200, sharedWithMe.text);
    assert.deepEqual(
      (sharedWithMe.body as { value: Array<Record<string, unknown>> }).value.map(({ id, roles, ownerTenantId }) => ({ id, roles, ownerTenantId })),
      [{ id: galleryId, roles: ["Reader"], ownerTenantId: server.connection.tenantId }],
      "the gallery of tenant A, not the partner's own subscription",
    );
    assert.equal(await codeOf(theirs.compute.galleryImages.beginDeleteAndWait(RG, "g", "other")), "AuthorizationFailed", "beyond its grant");
  });

  it("lets a multi-tenant app act in a tenant that consented, as that tenant's service principal", async () => {
    const home = await post("servicePrincipals", { tenantId: server.connection.tenantId, displayName: "multi-tenant-app" });
    const consented = await post(`servicePrincipals/${home.appId}/consent`, { tenantId: tenantB });
    assert.equal(consented.appId, home.appId);
    assert.notEqual(consented.objectId, home.objectId, "one service principal per tenant");
    await grant(galleryId, consented.objectId ?? "", READER);
    const asTenantB = { ...server.connection, tenantId: tenantB, clientId: home.appId ?? "", clientSecret: home.clientSecret ?? "", tokenUrl: `${server.connection.endpoint}/${tenantB}/oauth2/v2.0/token` };
    assert.equal((await raw(asTenantB, "GET", `${galleryId}?api-version=2024-03-03`)).status, 200, "tenant B's principal holds the grant");
    const asHome = { ...asTenantB, tenantId: server.connection.tenantId, tokenUrl: `${server.connection.endpoint}/${server.connection.tenantId}/oauth2/v2.0/token` };
    assert.equal((await raw(asHome, "GET", `${galleryId}?api-version=2024-03-03`)).status, 403, "the home tenant's principal does not");
  });

  it("signs a user in with a password (@azure/identity) and authorizes the user like any principal", async () => {
    const user = await post("users", { tenantId: server.connection.tenantId, userPrincipalName: "alice@contoso.example", displayName: "Alice", password: "correct horse battery staple" });
    await grant(versionId, user.objectId ?? "", READER);
    const credential = new UsernamePasswordCredential(server.connection.tenantId, "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "alice@contoso.example", "correct horse battery staple", {
      authorityHost: server.connection.authorityHost,
      disableInstanceDiscovery: true,
    });
    const token = await credential.getToken(`${server.connection.endpoint}/.default`);
    const claims = JSON.parse(Buffer.from(token.token.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
    assert.equal(claims.oid, user.objectId);
    assert.equal(claims.tid, server.connection.tenantId);
    assert.equal((await raw(server.connection, "GET", `${versionId}?api-version=2024-03-03`, { token: token.token })).status, 200);
    assert.equal((await raw(server.connection, "GET", `${definitionId}?api-version=2024-03-03`, { token: token.token })).status, 403);
    const wrong = new UsernamePasswordCredential(server.connection.tenantId, "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "alice@contoso.example", "wrong", { authorityHost: server.connection.authorityHost, disableInstanceDiscovery: true });
    await assert.rejects(wrong.getToken(`${server.connection.endpoint}/.default`));
  });

  it("shares a gallery directly with a subscription and a tenant: sharedGalleries reads and deployment by shared id", async () => {
    await admin.compute.galleries.beginCreateOrUpdateAndWait(RG, "direct", { location: "westus", sharingProfile: { permissions: "Groups" } });
    await admin.compute.galleryImages.beginCreateOrUpdateAndWait(RG, "direct", "base", { location: "westus", osType: "Linux", osState: "Generalized", identifier: { publisher: "P", offer: "O", sku: "direct" } });
    await admin.compute.galleryImageVersions.beginCreateOrUpdateAndWait(RG, "direct", "base", "2.0.0", { location: "westus", storageProfile: { osDiskImage: { source: { id: diskId } } } });
    const partner = p("partner");
    const theirs = sdkClients(partner.connection);
    const sharedNames = async (sharedTo?: string) => {
      const names: string[] = [];
      for await (const g of theirs.compute.sharedGalleries.list("westus", sharedTo ? { sharedTo } : {})) names.push(g.name ?? "");
      return names;
    };
    const unique = `${server.connection.subscriptionId}-DIRECT`;
    assert.deepEqual(await sharedNames(), [], "nothing shared yet");
    assert.equal(await codeOf(admin.compute.gallerySharingProfile.beginUpdateAndWait(RG, "g", { operationType: "Add", groups: [{ type: "Subscriptions", ids: [partner.connection.subscriptionId] }] })), "InvalidParameter", "a gallery not created for direct sharing");

    const shared = await admin.compute.gallerySharingProfile.beginUpdateAndWait(RG, "direct", { operationType: "Add", groups: [{ type: "Subscriptions", ids: [partner.connection.subscriptionId] }] });
    assert.deepEqual(shared.groups, [{ type: "Subscriptions", ids: [partner.connection.subscriptionId] }]);
    const gallery = await admin.compute.galleries.get(RG, "direct");
    assert.deepEqual(gallery.sharingProfile?.groups, shared.groups, "the gallery shows whom it is shared with");
    await admin.compute.galleries.beginCreateOrUpdateAndWait(RG, "direct", { location: "westus", description: "a PUT keeps the groups", sharingProfile: { permissions: "Groups" } });
    assert.deepEqual((await admin.compute.galleries.get(RG, "direct")).sharingProfile?.groups, shared.groups);

    assert.deepEqual(await sharedNames(), [unique]);
    const images: string[] = [];
    for await (const image of theirs.compute.sharedGalleryImages.list("westus", unique)) images.push(image.name ?? "");
    assert.deepEqual(images, ["base"]);
    const version = await theirs.compute.sharedGalleryImageVersions.get("westus", unique, "base", "2.0.0");
    assert.equal(version.uniqueId, `/SharedGalleries/${unique}/Images/base/Versions/2.0.0`);
    assert.equal(await readStatus(partner, `${galleryId.replace(/\/g$/, "/direct")}`), 403, "no role on the gallery itself");

    await theirs.resources.resourceGroups.createOrUpdate("mine", { location: "westus" });
    const disk = await theirs.compute.disks.beginCreateOrUpdateAndWait("mine", "from-direct-share", { location: "westus", creationData: { createOption: "FromImage", galleryImageReference: { sharedGalleryImageId: version.uniqueId } } });
    assert.equal(disk.provisioningState, "Succeeded");
    const stranger = sdkClients(p("nobody").connection);
    await stranger.resources.resourceGroups.createOrUpdate("mine", { location: "westus" });
    assert.equal(await codeOf(stranger.compute.disks.beginCreateOrUpdateAndWait("mine", "not-shared", { location: "westus", creationData: { createOption: "FromImage", galleryImageReference: { sharedGalleryImageId: version.uniqueId } } })), "ResourceNotFound");

    await admin.compute.gallerySharingProfile.beginUpdateAndWait(RG, "direct", { operationType: "Add", groups: [{ type: "AADTenants", ids: [tenantB] }] });
    await admin.compute.gallerySharingProfile.beginUpdateAndWait(RG, "direct", { operationType: "Remove", groups: [{ type: "Subscriptions", ids: [partner.connection.subscriptionId] }] });
    assert.deepEqual(await sharedNames(), [], "no longer shared with the subscription");
    assert.deepEqual(await sharedNames("tenant"), [unique], "shared with its tenant");
    await admin.compute.gallerySharingProfile.beginUpdateAndWait(RG, "direct", { operationType: "Reset" });
    assert.deepEqual(await sharedNames("tenant"), []);
  });
});
