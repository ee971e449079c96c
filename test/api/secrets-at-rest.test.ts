// What other users of the machine and the logs never see: the data dir's keys, secrets and
// database are its owner's only, and a served request's log lines hold no client secret, token
// or access URL signature.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { BlobClient } from "@azure/storage-blob";
import { buildFixedVhdFooter } from "../../src/blob/formats/vhd.js";
import { credentialFor, raw, sdkClients } from "../support/clients.js";
import { uploadedDisk } from "../support/gallery-fixtures.js";
import { exitOf, serve } from "../support/serve-process.js";
import { freshDataDir } from "../support/server.js";

const MIB = 1024 * 1024;

describe("secrets at rest and in logs", () => {
  let dataDir: string;
  let server: Awaited<ReturnType<typeof serve>>;

  before(async () => {
    dataDir = freshDataDir();
    chmodSync(dataDir, 0o755);
    server = await serve(dataDir, ["--log-level", "info"]);
  });
  after(async () => {
    server.child.kill("SIGTERM");
    await exitOf(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps the data dir, the metadata store, keys and the connection file from other users", () => {
    const privateModes: Array<[string, number]> = [
      [dataDir, 0o700],
      [join(dataDir, "metadata.db"), 0o600],
      [join(dataDir, "connection.json"), 0o600],
      [join(dataDir, "tls"), 0o700],
      [join(dataDir, "tls", "ca-key.pem"), 0o600],
      [join(dataDir, "tls", "server-key.pem"), 0o600],
    ];
    for (const [path, mode] of privateModes) assert.equal(statSync(path).mode & 0o777, mode, path);
  });

  it("logs requests without client secrets, tokens or access URL signatures", async () => {
    const { connection } = server;
    const clients = sdkClients({ ...connection });
    const token = (await credentialFor(connection).getToken(`${connection.endpoint}/.default`)).token;
    await clients.resources.resourceGroups.createOrUpdate("rg", { location: "westus" });
    const vhd = Buffer.concat([Buffer.alloc(MIB, 0x33), Buffer.alloc(19 * MIB), buildFixedVhdFooter(20 * MIB)]);
    await uploadedDisk(clients, "rg", "d", vhd);
    const access = await clients.compute.disks.beginGrantAccessAndWait("rg", "d", { access: "Read", durationInSeconds: 60 });
    const url = access.accessSAS ?? "";
    await new BlobClient(url).getProperties();
    assert.equal((await raw(connection, "GET", `/subscriptions/${connection.subscriptionId}/resourcegroups?api-version=2021-04-01`, { token })).status, 200);

    const logs = server.output();
    assert.match(logs, /"url":"\/subscriptions\//, "requests are logged");
    assert.match(logs, /sig=REDACTED/, "the read URL's request is logged, its signature not");
    const signature = new URL(url).searchParams.get("sig") ?? "";
    for (const [what, secret] of [["client secret", connection.clientSecret], ["token", token], ["token signature", token.split(".")[2] ?? ""], ["access URL signature", signature]] as const) {
      assert.ok(secret.length > 10, what);
      assert.ok(!logs.includes(secret), `the logs hold the ${what}`);
    }
  });
});
