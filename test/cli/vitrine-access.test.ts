// Access through the vitrine CLI: `vitrine admin user|group|sp` to make principals, `vitrine role
// assignment|definition` to share a gallery, `vitrine sig share` / `list-shared` for direct
// sharing, and `vitrine sig shared-with-me`, each run by the principal it is about (its own
// connection file).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTestServer, type TestServer } from "../support/server.js";
import { runCli, type CliRun } from "./cli-runner.js";

describe("roles and sharing through the vitrine CLI", () => {
  let server: TestServer;
  let vitrine: (...args: string[]) => Promise<CliRun>;
  let asViewer: (...args: string[]) => Promise<CliRun>;
  let viewer: { objectId: string };
  let viewerSubscription: string;
  let galleryId: string;
  const ok = <T>(run: CliRun): T => {
    assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
    return run.json as T;
  };

  before(async () => {
    server = await startTestServer();
    vitrine = (...args) => runCli([...args, "--data-dir", server.dataDir]);
    const tenant = ok<{ id: string }>(await vitrine("admin", "tenant", "create", "--display-name", "Fabrikam"));
    const sp = ok<{ appId: string; objectId: string; clientSecret: string }>(await vitrine("admin", "sp", "create", "--tenant", tenant.id, "--display-name", "viewer"));
    viewer = sp;
    viewerSubscription = ok<{ id: string }>(await vitrine("admin", "subscription", "create", "--tenant", tenant.id, "--display-name", "viewer-sub", "--owner", sp.objectId)).id;
    const own = JSON.parse(readFileSync(join(server.dataDir, "connection.json"), "utf8")) as Record<string, string>;
    const file = join(server.dataDir, "viewer.json");
    writeFileSync(file, JSON.stringify({ ...own, tenantId: tenant.id, subscriptionId: viewerSubscription, clientId: sp.appId, clientSecret: sp.clientSecret, tokenUrl: undefined }));
    asViewer = (...args) => runCli([...args, "--connection", file]);
    ok(await vitrine("group", "create", "-n", "rg", "-l", "westus"));
    galleryId = ok<{ id: string }>(await vitrine("sig", "create", "-g", "rg", "-r", "g", "--permissions", "Groups")).id;
    ok(await vitrine("sig", "image-definition", "create", "-g", "rg", "-r", "g", "-i", "d", "--os-type", "Linux", "-p", "P", "-f", "O", "-s", "S"));
  });
  after(() => server.close());

  it("manages users and nested groups", async () => {
    const user = ok<{ objectId: string; password: string; userPrincipalName: string }>(
      await vitrine("admin", "user", "create", "--tenant", server.connection.tenantId, "--user-principal-name", "Bob@Contoso.example", "--display-name", "Bob"),
    );
    assert.equal(user.userPrincipalName, "bob@contoso.example");
    assert.ok(user.password.length >= 30, "a generated password, shown once");
    const outer = ok<{ objectId: string }>(await vitrine("admin", "group", "create", "--tenant", server.connection.tenantId, "--display-name", "outer"));
    const inner = ok<{ objectId: string }>(await vitrine("admin", "group", "create", "--tenant", server.connection.tenantId, "--display-name", "inner"));
    ok(await vitrine("admin", "group", "member", "add", "--group", outer.objectId, "--member-id", inner.objectId));
    ok(await vitrine("admin", "group", "member", "add", "--group", inner.objectId, "--member-id", user.objectId));
    const cycle = await vitrine("admin", "group", "member", "add", "--group", inner.objectId, "--member-id", outer.objectId);
    assert.notEqual(cycle.code, 0);
    assert.match(cycle.stderr, /InvalidMembership/);
    assert.deepEqual(ok(await vitrine("admin", "group", "member", "list", "--group", inner.objectId)), [user.objectId]);
    ok(await vitrine("admin", "group", "member", "remove", "--group", inner.objectId, "--member-id", user.objectId));
    assert.deepEqual(ok(await vitrine("admin", "group", "member", "list", "--group", inner.objectId)), []);
    const users = ok<Array<Record<string, unknown>>>(await vitrine("admin", "user", "list", "--tenant", server.connection.tenantId));
    assert.ok(users.every((u) => u.passwordHash === undefined), "no password hashes in lists");
  });

  it("shares a gallery with a principal of another tenant by role, and takes it back", async () => {
    const denied = await asViewer("sig", "image-definition", "list", "-g", "rg", "-r", "g", "--subscription", server.connection.subscriptionId);
    assert.notEqual(denied.code, 0);
    const readers = ok<Array<{ name: string }>>(await vitrine("role", "definition", "list", "--name", "Compute Gallery Image Reader"));
    assert.deepEqual(readers.map((r) => r.name), ["cf7c76d2-98a3-4358-a134-615aa78bf44d"]);

    const assignment = ok<{ id: string; properties: { scope: string } }>(await vitrine("role", "assignment", "create", "--assignee", viewer.objectId, "--role", "Reader", "--scope", galleryId));
    assert.equal(assignment.properties.scope, galleryId);
    const table = await vitrine("role", "assignment", "list", "--scope", galleryId, "--assignee", viewer.objectId, "-o", "table");
    assert.match(table.stdout, new RegExp(`${viewer.objectId}\\s+ServicePrincipal\\s+Reader\\s+${galleryId.replace(/\//g, "\\/")}`));
    const listed = ok<Array<{ name: string }>>(await asViewer("sig", "image-definition", "list", "-g", "rg", "-r", "g", "--subscription", server.connection.subscriptionId));
    assert.deepEqual(listed.map((d) => d.name), ["d"]);
    const sharedWithMe = await asViewer("sig", "shared-with-me");
    assert.match(sharedWithMe.stdout, new RegExp(`Microsoft\\.Compute/galleries\\s+g\\s+Reader\\s+${server.connection.tenantId}`));

    ok(await vitrine("role", "assignment", "delete", "--assignee", viewer.objectId, "--role", "Reader", "--scope", galleryId));
    assert.notEqual((await asViewer("sig", "image-definition", "list", "-g", "rg", "-r", "g", "--subscription", server.connection.subscriptionId)).code, 0);
    assert.deepEqual(ok(await asViewer("sig", "shared-with-me", "-o", "json")), []);
  });

  it("shares a gallery directly with a subscription: sig share add, list-shared, reset", async () => {
    ok(await vitrine("sig", "share", "add", "-g", "rg", "-r", "g", "--subscription-ids", viewerSubscription));
    const unique = `${server.connection.subscriptionId}-G`;
    assert.deepEqual(ok<Array<{ name: string }>>(await asViewer("sig", "list-shared", "-l", "westus")).map((g) => g.name), [unique]);
    assert.deepEqual(ok(await asViewer("sig", "list-shared", "-l", "eastus")), [], "per location");
    ok(await vitrine("sig", "share", "reset", "-g", "rg", "-r", "g"));
    assert.deepEqual(ok(await asViewer("sig", "list-shared", "-l", "westus")), []);
    const none = await vitrine("sig", "share", "add", "-g", "rg", "-r", "g");
    assert.notEqual(none.code, 0, "nothing to share with");
  });
});
