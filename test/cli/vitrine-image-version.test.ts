// `vitrine sig image-version ...` as a user runs it: the built CLI in a child process against a
// started server. Versions are made from local image files in every format qemu-img writes (through
// temporary disks that must not outlive the command), from a snapshot and from another gallery's
// version; their disks are downloaded back byte for byte, from each region they reach, and "latest"
// follows --exclude-from-latest. Refusals carry the server's messages and exit codes.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { contentDigestOf, convertImage, copyImage, makeRawImage, makeSampleRaw, makeTempDir, MIB, patchImage, pattern, qemu, qemuSkip, SAMPLE_BLOCKS, SAMPLE_SIZE } from "../support/images.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { runCli, type CliRun } from "./cli-runner.js";

interface DiskImage {
  lun?: number;
  source?: { id?: string };
  contentDigest: string;
}

interface Version {
  id: string;
  name: string;
  location: string;
  properties: {
    provisioningState: string;
    publishingProfile: { targetRegions: Array<{ name: string; regionalReplicaCount: number; storageAccountType: string }>; excludeFromLatest: boolean };
    storageProfile: { osDiskImage: DiskImage; dataDiskImages?: DiskImage[] };
    replicationStatus?: { aggregatedState: string; summary: Array<{ region: string; state: string; progress: number }> };
  };
}

interface Download {
  file: string;
  format: string;
  contentDigest: string;
  imageVersion: string;
  imageVersionId: string;
  lun?: number;
  region: string;
}

describe("vitrine sig image-version", { skip: qemuSkip }, () => {
  let server: TestServer;
  let dir: string;
  let removeDir: () => Promise<void>;
  let rawA: Buffer;
  let rawB: Buffer;
  let rawBPath: string;
  let vitrine: (...args: string[]) => Promise<CliRun>;
  const ok = <T>(run: CliRun): T => {
    assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
    return run.json as T;
  };
  const refused = (run: CliRun, code: number, message: RegExp) => {
    assert.equal(run.code, code, run.stderr);
    assert.match(run.stderr, message);
    assert.equal(run.stdout, "");
  };
  const linux = ["-g", "rg1", "-r", "gallery1", "-i", "linux"];
  const version = (name: string) => [...linux, "-e", name];
  const temporaryDisks = async () => ok<Array<{ name: string }>>(await vitrine("disk", "list", "-g", "rg1")).filter((disk) => disk.name.startsWith("vitrine-tmp-"));
  const download = async (name: string, file: string, ...more: string[]) => {
    const result = ok<Download>(await vitrine("sig", "image-version", "download", ...version(name), "-o", join(dir, file), ...more));
    return { result, bytes: readFileSync(join(dir, file)) };
  };

  before(async () => {
    server = await startTestServer();
    vitrine = (...args) => runCli([...args, "--data-dir", server.dataDir]);
    ({ dir, remove: removeDir } = await makeTempDir("vitrine-cli-version-"));
    rawA = readFileSync(await makeSampleRaw(dir, "a.raw"));
    rawBPath = await makeRawImage(dir, "b.raw", { sizeBytes: SAMPLE_SIZE, blocks: [...SAMPLE_BLOCKS, { offset: 7 * MIB, bytes: pattern(4096, 3) }] });
    rawB = readFileSync(rawBPath);
    ok(await vitrine("group", "create", "-n", "rg1", "-l", "westus"));
    for (const [gallery, definition] of [["gallery1", "linux"], ["gallery2", "copy"]] as const) {
      ok(await vitrine("sig", "create", "-g", "rg1", "-r", gallery));
      ok(await vitrine("sig", "image-definition", "create", "-g", "rg1", "-r", gallery, "-i", definition, "-p", "Contoso", "-f", gallery, "-s", "1", "--os-type", "Linux"));
    }
  });
  after(async () => {
    await server.close();
    await removeDir();
  });

  it("creates a version from a local fixed VHD, dynamic VHD and qcow2 (--os-vhd), through temporary disks it deletes", async () => {
    const fixedB = await convertImage(rawBPath, "vpc-fixed");
    const cases = [
      ["1.0.0", "vpc-fixed"],
      ["1.0.1", "vpc-dynamic"],
      ["1.0.2", "qcow2"],
    ] as const;
    for (const [name, format] of cases) {
      const data = name === "1.0.2" ? ["--data-vhds", fixedB, "--data-vhds-luns", "2"] : [];
      const run = await vitrine("sig", "image-version", "create", ...version(name), "--os-vhd", await convertImage(join(dir, "a.raw"), format), ...data);
      const created = ok<Version>(run);
      assert.equal(created.properties.provisioningState, "Succeeded");
      assert.equal(created.location, "westus", "the resource group's location");
      assert.deepEqual(created.properties.publishingProfile.targetRegions.map((r) => r.name), ["westus"], "the location is the default target region");
      assert.equal(created.properties.storageProfile.osDiskImage.contentDigest, contentDigestOf(rawA));
      assert.match(created.properties.storageProfile.osDiskImage.source?.id ?? "", /\/disks\/vitrine-tmp-/);
      assert.match(run.stderr, /Uploaded .* to disk 'vitrine-tmp-.*content digest sha256:[0-9a-f]{64} verified/);
      assert.match(run.stderr, /Deleted temporary disk 'vitrine-tmp-/);
    }
    const withData = ok<Version>(await vitrine("sig", "image-version", "show", ...version("1.0.2")));
    assert.deepEqual(withData.properties.storageProfile.dataDiskImages?.map((d) => [d.lun, d.contentDigest]), [[2, contentDigestOf(rawB)]]);
    assert.deepEqual(await temporaryDisks(), []);
  });

  it("downloads each version's disks: raw byte for byte, qcow2 equal by qemu-img", async () => {
    for (const name of ["1.0.0", "1.0.1", "1.0.2"]) {
      const { result, bytes } = await download(name, `${name}.raw`, "--format", "raw");
      assert.ok(bytes.equals(rawA), `${name}: the original bytes`);
      assert.equal(result.contentDigest, contentDigestOf(rawA));
      assert.deepEqual([result.imageVersion, result.region], [name, "westus"]);
    }
    const { result } = await download("1.0.2", "data.qcow2", "--format", "qcow2", "--lun", "2");
    assert.equal(result.lun, 2);
    assert.match(await qemu("qemu-img", ["compare", "-f", "qcow2", "-F", "raw", result.file, rawBPath]), /identical/);
    assert.deepEqual(await temporaryDisks(), []);
  });

  it("creates versions from a snapshot (--os-snapshot) and from another gallery's version (--image-version)", async () => {
    ok(await vitrine("disk", "upload", rawBPath, "-g", "rg1", "-n", "disk-b"));
    ok(await vitrine("snapshot", "create", "-g", "rg1", "-n", "snap-b", "--source", "disk-b"));
    const fromSnapshot = ok<Version>(
      await vitrine("sig", "image-version", "create", ...version("2.0.0"), "--os-snapshot", "snap-b", "--target-regions", "westus", "eastus=2", "westus2=1=standard_zrs"),
    );
    assert.equal(fromSnapshot.properties.storageProfile.osDiskImage.contentDigest, contentDigestOf(rawB));
    assert.deepEqual(
      fromSnapshot.properties.publishingProfile.targetRegions.map((r) => [r.name, r.regionalReplicaCount, r.storageAccountType]),
      [["westus", 1, "Standard_LRS"], ["eastus", 2, "Standard_LRS"], ["westus2", 1, "Standard_ZRS"]],
    );

    const source = ok<Version>(await vitrine("sig", "image-version", "show", ...version("1.0.1")));
    const copy = ok<Version>(await vitrine("sig", "image-version", "create", "-g", "rg1", "-r", "gallery2", "-i", "copy", "-e", "1.0.0", "--image-version", source.id));
    assert.equal(copy.properties.storageProfile.osDiskImage.contentDigest, contentDigestOf(rawA));
  });

  it("shows the replication state of each target region (--expand ReplicationStatus)", async () => {
    const completed = "properties.replicationStatus.aggregatedState=='Completed'";
    ok(await vitrine("sig", "image-version", "wait", ...version("2.0.0"), "--custom", completed, "--expand", "ReplicationStatus", "--timeout", "60"));
    const shown = ok<Version>(await vitrine("sig", "image-version", "show", ...version("2.0.0"), "--expand", "ReplicationStatus"));
    assert.deepEqual(shown.properties.replicationStatus?.summary.map((row) => [row.region, row.state, row.progress]), [
      ["westus", "Completed", 100],
      ["eastus", "Completed", 100],
      ["westus2", "Completed", 100],
    ]);
    assert.equal(ok<Version>(await vitrine("sig", "image-version", "show", ...version("2.0.0"))).properties.replicationStatus, undefined);
    assert.deepEqual(ok<Version[]>(await vitrine("sig", "image-version", "list", ...linux)).map((v) => v.name).sort(), ["1.0.0", "1.0.1", "1.0.2", "2.0.0"]);
  });

  it("adds a target region with update, then downloads from it", async () => {
    const updated = ok<Version>(await vitrine("sig", "image-version", "update", ...version("1.0.0"), "--target-regions", "westus", "eastus"));
    assert.deepEqual(updated.properties.publishingProfile.targetRegions.map((r) => r.name), ["westus", "eastus"]);
    assert.equal(updated.properties.storageProfile.osDiskImage.contentDigest, contentDigestOf(rawA), "the sources are kept");
    const { result, bytes } = await download("1.0.0", "east.raw", "--region", "eastus");
    assert.equal(result.region, "eastus");
    assert.ok(bytes.equals(rawA));
  });

  it("downloads latest, which --exclude-from-latest changes", async () => {
    const before = await download("latest", "latest-1.raw");
    assert.equal(before.result.imageVersion, "2.0.0");
    assert.ok(before.bytes.equals(rawB));
    const excluded = ok<Version>(await vitrine("sig", "image-version", "update", ...version("2.0.0"), "--exclude-from-latest", "true"));
    assert.equal(excluded.properties.publishingProfile.excludeFromLatest, true);
    const after = await download("latest", "latest-2.raw");
    assert.equal(after.result.imageVersion, "1.0.2", "the newest of the versions that hold these bytes");
    assert.ok(after.bytes.equals(rawA));
  });

  it("creates without waiting, waits, deletes", async () => {
    const started = await vitrine("sig", "image-version", "create", ...version("3.0.0"), "--os-snapshot", "snap-b", "--no-wait");
    assert.deepEqual([started.code, started.stdout], [0, ""], started.stderr);
    ok(await vitrine("sig", "image-version", "wait", ...version("3.0.0"), "--created"));
    ok(await vitrine("sig", "image-version", "delete", ...version("3.0.0")));
    ok(await vitrine("sig", "image-version", "wait", ...version("3.0.0"), "--deleted"));
    refused(await vitrine("sig", "image-version", "show", ...version("3.0.0")), 3, /^\(ResourceNotFound\) .*versions\/3\.0\.0/);
  });

  it("refuses with the server's messages, and leaves no temporary disk behind", async () => {
    const corrupt = await copyImage(await convertImage(join(dir, "a.raw"), "qcow2"), "corrupt.qcow2");
    await patchImage(corrupt, 20, Buffer.from([0, 0, 0, 40]));
    const create = (name: string, ...flags: string[]) => vitrine("sig", "image-version", "create", ...version(name), ...flags);
    refused(await create("1.0", "--os-snapshot", "snap-b"), 1, /^\(InvalidParameter\) The image version name is invalid/);
    refused(await create("4.0.0", "--os-snapshot", "absent"), 1, /^\(NotFound\) Source \/subscriptions\/.*\/snapshots\/absent is not found/);
    refused(await create("4.0.0", "--virtual-machine", "vm1"), 1, /virtualMachines\/vm1 is a virtual machine\. Vitrine runs no virtual machines/);
    refused(await create("4.0.0", "--os-vhd", corrupt), 1, /corrupt\.qcow2 cannot be uploaded: .*cluster size/);
    const dataRefused = await create("4.0.0", "--os-vhd", join(dir, "a.raw"), "--data-vhds", corrupt);
    refused(dataRefused, 1, /corrupt\.qcow2 cannot be uploaded/);
    assert.match(dataRefused.stderr, /Deleted temporary disk 'vitrine-tmp-4\.0\.0-os-/, "the OS disk uploaded before the data disk failed");
    refused(await create("4.0", "--os-vhd", join(dir, "a.raw")), 1, /Deleted temporary disk[^]*\(InvalidParameter\) The image version name is invalid/);
    refused(await create("4.0.0", "--os-vhd", join(dir, "a.raw"), "--no-wait"), 1, /usage error: --no-wait cannot be used with --os-vhd/);
    refused(await create("4.0.0", "--os-snapshot", "snap-b", "--target-regions", "westus=1=hot"), 1, /westus=1=hot is an invalid target region argument/);
    assert.equal((await vitrine("sig", "image-version", "show", ...version("4.0.0"))).code, 3);
    const elsewhere = await vitrine("sig", "image-version", "download", ...version("1.0.1"), "-o", join(dir, "north.raw"), "--region", "northeurope");
    refused(elsewhere, 1, /^\(GalleryImageNotFound\) The gallery image .*versions\/1\.0\.1 is not available in North Europe region/);
    assert.deepEqual(await temporaryDisks(), []);
  });
});
