// A version replicated to three regions with two replicas each, through the vitrine CLI:
// `vitrine billing report` (the Azure-equivalent bill: six replicas by occupied size, egress into
// the two other regions; and what Vitrine really stored and moved, identical chunks kept once per
// target), and the scaling advice of `vitrine sig image-version show`.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { raw as rawRequest } from "../support/clients.js";
import { makeRawImage, makeTempDir, qemuSkip } from "../support/images.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { runCli, type CliRun } from "./cli-runner.js";

const MIB = 1024 * 1024;

interface Report {
  storage: Array<{ region: string; storageAccountType: string; replicas: number; occupiedBytes: number; monthlyCost: number }>;
  egress: Array<{ region: string; bytes: number; cost: number }>;
  totals: { replicas: number; occupiedBytes: number; egressBytes: number };
  deduplicated: { storedBytes: number; movedBetweenRegionsBytes: number; movedInRegionBytes: number };
}

describe("a version in three regions, two replicas each", { skip: qemuSkip }, () => {
  let server: TestServer;
  let scratch: Awaited<ReturnType<typeof makeTempDir>>;
  let vitrine: (...args: string[]) => Promise<CliRun>;
  const ok = <T>(run: CliRun): T => {
    assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
    return run.json as T;
  };

  before(async () => {
    server = await startTestServer({ prices: { storagePerGiBMonth: { Standard_LRS: 1024 }, egressPerGiB: 512 } });
    vitrine = (...args) => runCli([...args, "--data-dir", server.dataDir]);
    scratch = await makeTempDir();
    // Four MiB of data, three of them alike: the version occupies 4 MiB, two distinct chunks.
    const raw = await makeRawImage(scratch.dir, "disk.raw", { sizeBytes: 20 * MIB, blocks: [{ offset: 0, bytes: 0x61, length: 3 * MIB }, { offset: 10 * MIB, bytes: 0x62, length: MIB }] });
    ok(await vitrine("group", "create", "-n", "rg", "-l", "westus"));
    const disk = ok<{ id: string }>(await vitrine("disk", "upload", raw, "-g", "rg", "-n", "source"));
    ok(await vitrine("sig", "create", "-g", "rg", "-r", "g"));
    ok(await vitrine("sig", "image-definition", "create", "-g", "rg", "-r", "g", "-i", "d", "--os-type", "Linux", "-p", "P", "-f", "O", "-s", "S"));
    ok(await vitrine("sig", "image-version", "create", "-g", "rg", "-r", "g", "-i", "d", "-e", "1.0.0", "--os-snapshot", disk.id, "--target-regions", "westus=2", "eastus=2", "westeurope=2"));
    for (let attempt = 0; ; attempt++) {
      const shown = ok<{ properties: { replicationStatus: { aggregatedState: string } } }>(await vitrine("sig", "image-version", "show", "-g", "rg", "-r", "g", "-i", "d", "-e", "1.0.0", "--expand", "ReplicationStatus"));
      if (shown.properties.replicationStatus.aggregatedState === "Completed") break;
      assert.ok(attempt < 100, "replicated within 100 looks");
    }
  });
  after(async () => {
    await server.close();
    await scratch.remove();
  });

  it("bills six replicas by occupied size and egress into the two other regions, beside what was really stored and moved", async () => {
    const report = ok<Report>(await vitrine("billing", "report", "-o", "json"));
    assert.deepEqual(
      report.storage.map((line) => [line.region, line.storageAccountType, line.replicas, line.occupiedBytes / MIB, line.monthlyCost]),
      [["eastus", "Standard_LRS", 2, 8, 8], ["westeurope", "Standard_LRS", 2, 8, 8], ["westus", "Standard_LRS", 2, 8, 8]],
      "each replica billed for 4 MiB at 1024 per GiB-month",
    );
    assert.deepEqual(report.egress.map((line) => [line.region, line.bytes / MIB, line.cost]), [["eastus", 4, 2], ["westeurope", 4, 2]]);
    assert.deepEqual(report.totals, { ...report.totals, replicas: 6, occupiedBytes: 24 * MIB, egressBytes: 8 * MIB });
    assert.deepEqual(
      report.deduplicated,
      { storedBytes: 6 * 2 * MIB, movedBetweenRegionsBytes: 2 * 2 * MIB, movedInRegionBytes: 4 * 2 * MIB },
      "two distinct chunks on each of six targets; one copy into each other region, the second replicas copied inside their region",
    );
    const table = await vitrine("billing", "report");
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /westeurope\s+Standard_LRS\s+2 replica\(s\)\s+0\.01 GiB\s+8\.00 USD/);
    assert.match(table.stdout, /Vitrine stored 0\.01 GiB .* moved 0\.00 GiB between regions/);
  });

  it("warns when a region sees more deployments at once than its replicas serve (one per 20)", async () => {
    const show = () => vitrine("sig", "image-version", "show", "-g", "rg", "-r", "g", "-i", "d", "-e", "1.0.0", "--expand", "ReplicationStatus");
    assert.doesNotMatch((await show()).stderr, /warning/, "no deployments yet");
    const { connection } = server;
    const version = `/subscriptions/${connection.subscriptionId}/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/d/versions/1.0.0`;
    // 41 disks from the version in eastus at once: two replicas serve 40.
    const created = await Promise.all(
      Array.from({ length: 41 }, (_, i) =>
        rawRequest(connection, "PUT", `/subscriptions/${connection.subscriptionId}/resourceGroups/rg/providers/Microsoft.Compute/disks/vm-${i}?api-version=2025-01-02`, {
          body: { location: "eastus", properties: { creationData: { createOption: "FromImage", galleryImageReference: { id: version } } } },
        }),
      ),
    );
    assert.ok(created.every((response) => response.status < 300));
    const shown = await show();
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stderr, /^warning: eastus saw 41 deployments within 60 s, and has 2 replica\(s\): .* 3 here \(--target-regions eastus=3\)/m);
    assert.doesNotMatch(shown.stderr, /westus|westeurope/);
  });
});
