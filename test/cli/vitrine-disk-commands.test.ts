// `vitrine disk` and `vitrine snapshot` as az's counterparts: create (empty, for upload, from a
// source), show, list, grant-access, revoke-access and delete, through the built CLI in a child
// process against a started server, with az's flags, output and exit codes.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../support/server.js";
import { runCli, type CliRun } from "./cli-runner.js";

interface Resource {
  id: string;
  name: string;
  type: string;
  location: string;
  tags: Record<string, string>;
  sku: { name: string };
  properties: Record<string, unknown> & { creationData: { createOption: string; sourceResourceId?: string } };
}

const MIB = 1024 * 1024;

describe("vitrine disk and snapshot commands", () => {
  let server: TestServer;
  let vitrine: (...args: string[]) => Promise<CliRun>;
  const ok = <T = Resource>(run: CliRun): T => {
    assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
    return run.json as T;
  };
  const refused = (run: CliRun, code: number, stderr: RegExp) => {
    assert.equal(run.code, code, run.stderr);
    assert.match(run.stderr, stderr);
    assert.equal(run.stdout, "");
  };

  before(async () => {
    server = await startTestServer();
    vitrine = (...args) => runCli([...args, "--data-dir", server.dataDir]);
    ok(await vitrine("group", "create", "-n", "rg1", "-l", "westus"));
  });
  after(() => server.close());

  it("creates an empty disk, in the resource group's location, with az's default SKU", async () => {
    const empty = ok(await vitrine("disk", "create", "-g", "rg1", "-n", "empty1", "--size-gb", "1", "--tags", "team=blue", "--os-type", "linux"));
    assert.equal(empty.type, "Microsoft.Compute/disks");
    assert.equal(empty.location, "westus");
    assert.equal(empty.sku.name, "Premium_LRS");
    assert.deepEqual(empty.tags, { team: "blue" });
    assert.equal(empty.properties.creationData.createOption, "Empty");
    assert.equal(empty.properties.diskSizeGB, 1);
    assert.equal(empty.properties.osType, "Linux", "enums are sent in their canonical casing");
    assert.equal(empty.properties.diskState, "Unattached");
    assert.match(String(empty.properties.contentDigest), /^sha256:[0-9a-f]{64}$/);
  });

  it("copies disks and snapshots from --source: a name (snapshots first) or an id", async () => {
    const snapshot = ok(await vitrine("snapshot", "create", "-g", "rg1", "-n", "snap1", "--source", "empty1"));
    assert.equal(snapshot.type, "Microsoft.Compute/snapshots");
    assert.equal(snapshot.sku.name, "Standard_LRS", "az's default SKU for snapshots");
    assert.equal(snapshot.properties.creationData.createOption, "Copy");
    assert.match(snapshot.properties.creationData.sourceResourceId ?? "", /\/disks\/empty1$/);

    const fromSnapshot = ok(await vitrine("disk", "create", "-g", "rg1", "-n", "copy1", "--source", "snap1", "--sku", "standard_lrs"));
    assert.equal(fromSnapshot.properties.creationData.sourceResourceId, snapshot.id);
    assert.equal(fromSnapshot.sku.name, "Standard_LRS");
    const empty = ok(await vitrine("disk", "show", "-g", "rg1", "-n", "empty1"));
    const fromId = ok(await vitrine("disk", "create", "-g", "rg1", "-n", "copy2", "--source", empty.id));
    assert.equal(fromId.properties.creationData.sourceResourceId, empty.id);
    assert.equal(fromId.properties.contentDigest, empty.properties.contentDigest, "a copy holds the same bytes");

    refused(await vitrine("disk", "create", "-g", "rg1", "-n", "copy3", "--source", "nothing"), 1, /^\(ResourceNotFound\) No snapshot or disk named 'nothing' in resource group 'rg1'/);
  });

  it("lists disks and snapshots of a resource group or of the subscription", async () => {
    ok(await vitrine("group", "create", "-n", "rg2", "-l", "eastus"));
    ok(await vitrine("disk", "create", "-g", "rg2", "-n", "elsewhere", "-z", "1"));
    const names = (list: unknown) => (list as Resource[]).map((r) => r.name).sort();
    assert.deepEqual(names(ok(await vitrine("disk", "list", "-g", "rg1"))), ["copy1", "copy2", "empty1"]);
    assert.deepEqual(names(ok(await vitrine("disk", "list"))), ["copy1", "copy2", "elsewhere", "empty1"]);
    assert.deepEqual(names(ok(await vitrine("snapshot", "list", "-g", "rg1"))), ["snap1"]);
    assert.equal(ok<Resource>(await vitrine("disk", "show", "-g", "rg2", "-n", "elsewhere")).location, "eastus");
  });

  it("grants and revokes access; a live access URL blocks deletion", async () => {
    const granted = ok<{ accessSas: string }>(await vitrine("disk", "grant-access", "-g", "rg1", "-n", "copy1", "--duration-in-seconds", "600"));
    assert.deepEqual(Object.keys(granted), ["accessSas"], "az's output shape");
    assert.ok(granted.accessSas.startsWith(server.connection.endpoint));
    assert.match(granted.accessSas, /sp=r/, "Read is the default access level");
    assert.equal(ok<Resource>(await vitrine("disk", "show", "-g", "rg1", "-n", "copy1")).properties.diskState, "ActiveSAS");
    refused(await vitrine("disk", "delete", "-g", "rg1", "-n", "copy1", "--yes"), 1, /\(OperationNotAllowed\) Disk 'copy1' is in state 'ActiveSAS'/);

    const revoked = await vitrine("disk", "revoke-access", "-g", "rg1", "-n", "copy1");
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stdout, "");
    assert.equal(ok<Resource>(await vitrine("disk", "show", "-g", "rg1", "-n", "copy1")).properties.diskState, "Unattached");

    refused(await vitrine("disk", "grant-access", "-g", "rg1", "-n", "copy1", "--duration-in-seconds", "600", "--access-level", "write"), 1, /\(OperationNotAllowed\)/);
    refused(await vitrine("disk", "grant-access", "-g", "rg1", "-n", "copy1", "--duration-in-seconds", "600", "--access-level", "Delete"), 1, /Allowed values: Read, Write/);
  });

  it("creates a disk for upload, and reports the server's refusal when what was uploaded is no VHD", async () => {
    const created = ok(await vitrine("disk", "create", "-g", "rg1", "-n", "upload1", "--upload-type", "Upload", "--upload-size-bytes", String(20 * MIB + 512)));
    assert.equal(created.properties.diskState, "ReadyToUpload");
    assert.equal(created.properties.diskSizeBytes, 20 * MIB);
    const granted = ok<{ accessSas: string }>(await vitrine("disk", "grant-access", "-g", "rg1", "-n", "upload1", "--duration-in-seconds", "600", "--access-level", "Write"));
    assert.match(granted.accessSas, /sp=w/);
    assert.equal(ok<Resource>(await vitrine("disk", "show", "-g", "rg1", "-n", "upload1")).properties.diskState, "ActiveUpload");

    // Nothing was written, so the last 512 bytes are zeros, not a VHD footer: the ingest fails.
    refused(await vitrine("disk", "revoke-access", "-g", "rg1", "-n", "upload1"), 1, /^\(InvalidDiskImage\) .*footer/);
    assert.equal(ok<Resource>(await vitrine("disk", "show", "-g", "rg1", "-n", "upload1")).properties.diskState, "ReadyToUpload");
  });

  it("refuses what az refuses before asking the server", async () => {
    refused(await vitrine("disk", "create", "-g", "rg1", "-n", "bad"), 1, /usage error: --size-gb is required to create an empty disk/);
    refused(await vitrine("disk", "create", "-g", "rg1", "-n", "bad", "--upload-size-bytes", "1000"), 1, /--upload-size-bytes should be used together with --upload-type/);
    refused(await vitrine("disk", "create", "-g", "rg1", "-n", "bad", "--upload-type", "Upload"), 1, /--upload-size-bytes is required/);
    refused(await vitrine("disk", "create", "-g", "rg1", "-n", "bad", "--upload-type", "Upload", "--upload-size-bytes", "1000"), 1, /^\(InvalidParameter\) uploadSizeBytes 1000/);
    refused(await vitrine("snapshot", "create", "-g", "rg1", "-n", "bad"), 1, /--size-gb is required to create an empty snapshot/);
    refused(await vitrine("disk", "create", "-g", "rg1", "-n", "bad", "--size-gb", "0"), 1, /Must be at least 1/);
    refused(await vitrine("disk", "show", "-g", "rg1"), 1, /required option '-n, --name <name>'/);
  });

  it("deletes disks and snapshots; show then exits 3, as az does", async () => {
    for (const [kind, name] of [["disk", "copy1"], ["disk", "copy2"], ["snapshot", "snap1"], ["disk", "upload1"]] as const) {
      const deleted = await vitrine(kind, "delete", "-g", "rg1", "-n", name, "--yes");
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.equal(deleted.stdout, "");
      refused(await vitrine(kind, "show", "-g", "rg1", "-n", name), 3, /^\(ResourceNotFound\) .+\nCode: ResourceNotFound\nMessage: /);
    }
    assert.deepEqual((ok(await vitrine("snapshot", "list")) as Resource[]).map((s) => s.name), []);
  });
});
