// `vitrine sig image-version` and replication, as a user runs them: the built CLI in a child
// process against a started server whose copies between regions are paced (a simulation, 1 MiB/s)
// so that they last long enough to be watched. create's and update's replication flags reach the
// version; `wait --replicated` follows each target region, in a terminal (through util-linux
// `script`) and in a pipe, through a failed copy and its retry.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { makeRawImage, makeTempDir, MIB } from "../support/images.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { runCli, runCliInTerminal, terminalSkip, type CliRun } from "./cli-runner.js";

interface Version {
  properties: {
    publishingProfile: { targetRegions: Array<{ name: string; regionalReplicaCount: number; storageAccountType: string }>; replicationMode?: string };
    safetyProfile?: { allowDeletionOfReplicatedLocations?: boolean };
  };
}

/** A sparse raw image of 20 MiB whose first `chunks` MiB-chunks hold distinct bytes. */
const image = (dir: string, name: string, chunks: number, seed: number) =>
  makeRawImage(dir, name, { sizeBytes: 20 * MIB, blocks: Array.from({ length: chunks }, (_, i) => ({ offset: i * MIB, bytes: seed + i, length: MIB })) });

describe("vitrine sig image-version: replication flags and wait --replicated", () => {
  let server: TestServer;
  let dir: string;
  let removeDir: () => Promise<void>;
  let vitrine: (...args: string[]) => Promise<CliRun>;
  const ok = <T>(run: CliRun): T => {
    assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
    return run.json as T;
  };
  const version = (name: string) => ["-g", "rg1", "-r", "gallery1", "-i", "linux", "-e", name];
  const waitReplicated = (name: string, ...flags: string[]) => vitrine("sig", "image-version", "wait", ...version(name), "--replicated", ...flags);
  /** The lines a wait printed on stderr for one region. */
  const linesOf = (run: CliRun, region: string) => run.stderr.split("\n").filter((line) => line.startsWith(`${region}: `));

  before(async () => {
    server = await startTestServer({ simulatedInterRegionMiBps: 1 });
    vitrine = (...args) => runCli([...args, "--data-dir", server.dataDir]);
    ({ dir, remove: removeDir } = await makeTempDir("vitrine-cli-replication-"));
    ok(await vitrine("group", "create", "-n", "rg1", "-l", "westus"));
    ok(await vitrine("sig", "create", "-g", "rg1", "-r", "gallery1"));
    ok(await vitrine("sig", "image-definition", "create", "-g", "rg1", "-r", "gallery1", "-i", "linux", "-p", "Contoso", "-f", "linux", "-s", "1", "--os-type", "Linux"));
  });
  after(async () => {
    await server.close();
    await removeDir();
  });

  it("create sends --replication-mode and --allow-replicated-location-deletion; wait --replicated prints a line per region state (not a terminal)", async () => {
    const created = ok<Version>(
      await vitrine("sig", "image-version", "create", ...version("1.0.0"), "--os-vhd", await image(dir, "six.raw", 6, 0x10),
        "--target-regions", "westus", "eastus=2", "--replication-mode", "shallow", "--allow-replicated-location-deletion", "false"),
    );
    assert.equal(created.properties.publishingProfile.replicationMode, "Shallow", "stored as sent (and copied in full)");
    assert.equal(created.properties.safetyProfile?.allowDeletionOfReplicatedLocations, false);

    // Six MiB to eastus at 1 MiB/s: still copying when the wait gives up after its first read.
    const early = await waitReplicated("1.0.0", "--timeout", "1");
    assert.equal(early.code, 1);
    assert.match(early.stderr, /Wait operation timed-out after 1 seconds: eastus is Replicating \(\d+%\)/);

    const run = await waitReplicated("1.0.0");
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "");
    assert.deepEqual(linesOf(run, "westus"), ["westus: Completed, 100%, 6.0 MiB of 6.0 MiB, 1 of 1 replicas complete"]);
    const east = linesOf(run, "eastus");
    assert.match(east[0] ?? "", /^eastus: Replicating, \d+%, [\d.]+ [KM]?i?B of 12\.0 MiB, [01] of 2 replicas complete$/);
    assert.equal(east.at(-1), "eastus: Completed, 100%, 12.0 MiB of 12.0 MiB, 2 of 2 replicas complete");
    assert.equal(east.length, 2, "a line per change of state, not per read");

    ok(await vitrine("sig", "image-version", "wait", ...version("1.0.0"), "--custom", "properties.provisioningState=='Succeeded'", "--timeout", "10"));
  });

  it("update refuses to take out a replicated region unless --allow-replicated-location-deletion; --storage-account-type types the regions it adds", async () => {
    const update = (...flags: string[]) => vitrine("sig", "image-version", "update", ...version("1.0.0"), ...flags);
    const refused = await update("--target-regions", "westus");
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^\(OperationNotAllowed\) .*East US.*allowDeletionOfReplicatedLocations is false/);

    const allowed = ok<Version>(await update("--target-regions", "westus", "--allow-replicated-location-deletion"));
    assert.deepEqual(allowed.properties.publishingProfile.targetRegions.map((r) => r.name), ["westus"]);
    assert.equal(allowed.properties.safetyProfile?.allowDeletionOfReplicatedLocations, true);

    const usage = await update("--storage-account-type", "Standard_ZRS");
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /usage error: --storage-account-type applies to the regions --target-regions adds/);

    const started = await update("--target-regions", "westus", "westeurope", "--storage-account-type", "standard_zrs", "--no-wait");
    assert.deepEqual([started.code, started.stdout], [0, ""], started.stderr);
    const shown = ok<Version>(await vitrine("sig", "image-version", "show", ...version("1.0.0")));
    assert.deepEqual(
      shown.properties.publishingProfile.targetRegions.map((r) => [r.name, r.storageAccountType]),
      [["westus", "Standard_LRS"], ["westeurope", "Standard_ZRS"]],
      "the region already there keeps its type",
    );
  });

  it("wait --replicated redraws a line per region in a terminal", { skip: terminalSkip }, async () => {
    const { code, output } = await runCliInTerminal(["sig", "image-version", "wait", ...version("1.0.0"), "--replicated", "--data-dir", server.dataDir]);
    assert.equal(code, 0, output);
    assert.ok(output.split("\u001b[").slice(1).some((sequence) => /^\d+A/.test(sequence)), "the cursor goes back up to redraw (CSI n A)");
    assert.match(output, /westeurope +Replicating +=*-+ +\d+% \| [\d.]+ [KM]?i?B of 6\.0 MiB \| (--|[\d.]+ [KM]?i?B\/s) \| ETA \S+ \| 0 of 1 replicas complete/);
    assert.match(output, /westeurope +Completed +={20} 100% \| 6\.0 MiB of 6\.0 MiB \| -- \| ETA 0s \| 1 of 1 replicas complete/);
    assert.match(output, /westus +Completed +={20} 100% \| 6\.0 MiB of 6\.0 MiB/);
  });

  it("wait --replicated --fail-on-failed ends at a failed copy with its reason; without it, the wait outlasts the server's retries", async () => {
    // A file where a target's directory should be: every copy onto it fails until it is removed.
    const blocked = join(server.dataDir, "regions", "centralus", "targets", "z1-standard");
    await mkdir(dirname(blocked), { recursive: true });
    await writeFile(blocked, "not a directory");
    ok(await vitrine("sig", "image-version", "create", ...version("2.0.0"), "--os-vhd", await image(dir, "two.raw", 2, 0x40), "--target-regions", "westus", "centralus"));

    const failed = await waitReplicated("2.0.0", "--fail-on-failed", "--timeout", "60");
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^centralus: Failed, 0%, 0 B of 2\.0 MiB, 0 of 1 replicas complete: .*(ENOTDIR|not a directory).*retrying at/m);
    assert.match(failed.stderr, /Replication to centralus failed: .*(ENOTDIR|not a directory)/);

    await rm(blocked);
    const recovered = await waitReplicated("2.0.0", "--timeout", "60");
    assert.equal(recovered.code, 0, recovered.stderr);
    assert.equal(linesOf(recovered, "centralus").at(-1), "centralus: Completed, 100%, 2.0 MiB of 2.0 MiB, 1 of 1 replicas complete");

    const usage = await vitrine("sig", "image-version", "wait", ...version("2.0.0"), "--created", "--fail-on-failed");
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /usage error: --fail-on-failed goes with --replicated/);
  });
});
