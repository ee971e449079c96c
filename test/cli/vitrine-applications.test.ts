// `vitrine sig gallery-application version` and `vitrine app fetch`, as a user runs them: the
// built CLI in a child process. A package made here is uploaded with --package-file (through the
// API), replicated to two regions, and fetched back from each: byte-equal, digest checked, the
// commands written beside it. A tampered replica, a region without a complete one and a host of
// the other OS are refused.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { until } from "../support/applications.js";
import { raw } from "../support/clients.js";
import { makeTempDir, MIB } from "../support/images.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { damageChunk } from "../support/pack-store.js";
import { runCli, type CliRun } from "./cli-runner.js";

interface Version {
  id: string;
  properties: { provisioningState: string; publishingProfile: { source: { mediaLink: string; mediaContentDigest: string; defaultConfigurationContentDigest: string }; manageActions: Record<string, string> } };
}

describe("vitrine sig gallery-application version and vitrine app fetch", () => {
  let server: TestServer;
  let dir: string;
  let removeDir: () => Promise<void>;
  let vitrine: (...args: string[]) => Promise<CliRun>;
  let tarball: Buffer;
  let config: Buffer;
  let version: Version;
  const ok = <T>(run: CliRun): T => {
    assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
    return run.json as T;
  };
  const at = ["-g", "rg1", "-r", "gallery1", "--application-name", "app"];
  const fetchApp = (reference: string, region: string, out: string, ...flags: string[]) => vitrine("app", "fetch", reference, "--region", region, "-o", join(dir, out), ...flags);

  before(async () => {
    server = await startTestServer();
    vitrine = (...args) => runCli([...args, "--data-dir", server.dataDir]);
    ({ dir, remove: removeDir } = await makeTempDir("vitrine-cli-apps-"));
    ok(await vitrine("group", "create", "-n", "rg1", "-l", "westus"));
    ok(await vitrine("sig", "create", "-g", "rg1", "-r", "gallery1"));
    ok(await vitrine("sig", "gallery-application", "create", "-g", "rg1", "-r", "gallery1", "-n", "app", "--os-type", "Linux"));
    // A package over two chunks, so a replica's copy and a download span several.
    await mkdir(join(dir, "content"));
    await writeFile(join(dir, "content", "install.sh"), "#!/bin/sh\necho installed\n");
    await writeFile(join(dir, "content", "payload.bin"), Buffer.from(Array.from({ length: 2 * MIB }, (_, i) => (i * 131) % 253)));
    execFileSync("tar", ["-cf", join(dir, "app.tar"), "-C", join(dir, "content"), "."]);
    await writeFile(join(dir, "config.json"), '{"mode":"test"}');
    tarball = await readFile(join(dir, "app.tar"));
    config = await readFile(join(dir, "config.json"));
  });
  after(async () => {
    await server.close();
    await removeDir();
  });

  it("create --package-file uploads the package through the API; the version replicates to both regions", async () => {
    version = ok<Version>(
      await vitrine("sig", "gallery-application", "version", "create", ...at, "-n", "1.0.0", "--package-file", join(dir, "app.tar"), "--default-configuration-file", join(dir, "config.json"),
        "--install-command", "tar -xf app.tar && ./install.sh", "--remove-command", "rm -rf /opt/app", "--update-command", "./install.sh --upgrade",
        "--package-file-name", "app.tar", "--target-regions", '[{"name":"westus"},{"name":"eastus"}]'),
    );
    assert.equal(version.properties.provisioningState, "Succeeded");
    assert.match(version.properties.publishingProfile.source.mediaLink, /\/blob\/packages\//, "the upload's read URL");
    assert.match(version.properties.publishingProfile.source.mediaContentDigest, /^sha256:/);
    await until("both regions are complete", async () => {
      const shown = await raw(server.connection, "GET", `${version.id}?api-version=2022-01-03&$expand=ReplicationStatus`);
      return (shown.body as { properties: { replicationStatus: { aggregatedState: string } } }).properties.replicationStatus.aggregatedState === "Completed";
    });
    const listed = ok<Array<{ name: string }>>(await vitrine("sig", "gallery-application", "version", "list", ...at));
    assert.deepEqual(listed.map((v) => v.name), ["1.0.0"]);
  });

  it("app fetch downloads the package and configuration from a region, checks their digests and writes the commands", async () => {
    const fetched = ok<{ version: string; files: Array<{ fileName: string; contentDigest: string }> }>(await fetchApp(`${version.id}`, "eastus", "east", "--os-type", "Linux"));
    assert.equal(fetched.version, "1.0.0");
    assert.deepEqual(fetched.files.map((file) => file.fileName), ["app.tar", "app_config"]);
    assert.equal(fetched.files[0]?.contentDigest, version.properties.publishingProfile.source.mediaContentDigest);
    assert.deepEqual(await readFile(join(dir, "east", "app.tar")), tarball);
    assert.deepEqual(await readFile(join(dir, "east", "app_config")), config);
    assert.equal(await readFile(join(dir, "east", "install-command.txt"), "utf8"), "tar -xf app.tar && ./install.sh\n");
    assert.equal(await readFile(join(dir, "east", "update-command.txt"), "utf8"), "./install.sh --upgrade\n");
    const latest = ok<{ version: string }>(await fetchApp(version.id.replace(/\/versions\/.*$/, ""), "westus", "west", "--os-type", "Linux"));
    assert.equal(latest.version, "1.0.0", "latest in westus");
    assert.deepEqual(await readFile(join(dir, "west", "app.tar")), tarball);
  });

  it("app fetch refuses a region without a complete replica, a host of another OS, and a tampered replica", async () => {
    const missing = await fetchApp(version.id, "northeurope", "none", "--os-type", "Linux");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /GalleryApplicationNotFound/);
    const windows = await fetchApp(version.id, "westus", "win", "--os-type", "Windows");
    assert.equal(windows.code, 1);
    assert.match(windows.stderr, /OSTypeMismatch/);

    // Damage eastus's copy of the package's first chunk: the download must not be accepted.
    const digest = createHash("sha256").update(tarball.subarray(0, MIB)).digest("hex");
    const targets = join(server.dataDir, "regions", "eastus", "targets");
    let damaged = 0;
    for (const target of readdirSync(targets)) if (await damageChunk(join(targets, target), digest, 1)) damaged += 1;
    assert.ok(damaged > 0, "eastus holds the chunk");
    const tampered = await fetchApp(version.id, "eastus", "tampered", "--os-type", "Linux");
    assert.notEqual(tampered.code, 0, "refused");
    // The server's store verifies what it reads (a 500 before the first byte, or a download cut
    // short); the CLI's own digest check is the last line.
    assert.match(tampered.stderr, /InternalServerError|broke off|ContentDigestMismatch/);
    assert.ok(!existsSync(join(dir, "tampered", "app.tar")), "no package is left behind");
  });

  it("update keeps the package and manage actions; delete removes the version", async () => {
    const updated = ok<Version & { properties: { publishingProfile: { excludeFromLatest: boolean } } }>(await vitrine("sig", "gallery-application", "version", "update", ...at, "-n", "1.0.0", "--exclude-from", "true"));
    assert.equal(updated.properties.publishingProfile.excludeFromLatest, true);
    assert.deepEqual(updated.properties.publishingProfile.manageActions, version.properties.publishingProfile.manageActions);
    ok(await vitrine("sig", "gallery-application", "version", "delete", ...at, "-n", "1.0.0"));
    assert.equal((await vitrine("sig", "gallery-application", "version", "show", ...at, "-n", "1.0.0")).code, 3);
  });
});
