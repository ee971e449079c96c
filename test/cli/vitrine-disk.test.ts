// `vitrine disk upload` and `vitrine disk download` as a user runs them: the built CLI in a child
// process against a started server, with images qemu-img made from a raw disk that holds a little
// data between long zero runs. Every upload must send only the data, every download must give the
// original bytes back, and both check the content digest a client computes by the docs.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { contentDigestOf, convertImage, copyImage, cutImage, makeRawImage, makeSampleRaw, makeTempDir, MIB, patchImage, qemu, qemuSkip, SAMPLE_SIZE, type ConvertFormat } from "../support/images.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { runCli, type CliRun } from "./cli-runner.js";

interface Disk {
  name: string;
  properties: { diskState: string; contentDigest: string; diskSizeBytes: number; creationData: { createOption: string; uploadSizeBytes: number } };
}

interface Download {
  file: string;
  format: string;
  diskSizeBytes: number;
  contentDigest: string;
  bytesReceived: number;
  bytesWritten: number;
}

/** The 1 MiB chunks of the sample disk that hold data: 0, 5, 11 and 12 (a run across 12 MiB), 23. */
const SAMPLE_DATA_BYTES = 5 * MIB;

/** The bytes an upload says it sent, from its summary line on stderr. */
function sentBytes(run: CliRun): number {
  const match = /sent (\d+) bytes in (\d+) page writes/.exec(run.stderr);
  assert.ok(match, `no summary line in: ${run.stderr}`);
  return Number(match[1]);
}

describe("vitrine disk upload and download", { skip: qemuSkip }, () => {
  let server: TestServer;
  let dir: string;
  let removeDir: () => Promise<void>;
  let rawPath: string;
  let raw: Buffer;
  let vitrine: (...args: string[]) => Promise<CliRun>;
  const ok = <T>(run: CliRun): T => {
    assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
    return run.json as T;
  };
  const disk = (name: string) => ["-g", "rg1", "-n", name];

  before(async () => {
    server = await startTestServer();
    vitrine = (...args) => runCli([...args, "--data-dir", server.dataDir]);
    ({ dir, remove: removeDir } = await makeTempDir("vitrine-cli-disk-"));
    rawPath = await makeSampleRaw(dir);
    raw = readFileSync(rawPath);
    ok(await vitrine("group", "create", "-n", "rg1", "-l", "westus"));
  });
  after(async () => {
    await server.close();
    await removeDir();
  });

  const formats: ConvertFormat[] = ["vpc-fixed", "vpc-dynamic", "qcow2"];
  for (const format of formats) {
    it(`uploads a ${format} image, sending only its data`, async () => {
      const image = await convertImage(rawPath, format);
      const run = await vitrine("disk", "upload", image, ...disk(`from-${format}`));
      const uploaded = ok<Disk>(run);
      assert.equal(uploaded.name, `from-${format}`);
      assert.equal(uploaded.properties.diskState, "Unattached");
      assert.equal(uploaded.properties.creationData.createOption, "Upload");
      assert.equal(uploaded.properties.creationData.uploadSizeBytes, SAMPLE_SIZE + 512, "the virtual size plus the VHD footer");
      assert.equal(uploaded.properties.contentDigest, contentDigestOf(raw), "the digest of the original raw disk");
      assert.equal(sentBytes(run), SAMPLE_DATA_BYTES, "the zero chunks and the unallocated ranges were not sent");
      assert.match(run.stderr, /content digest sha256:[0-9a-f]{64} verified/);
    });
  }

  it("uploads a raw image too, sending only its data", async () => {
    const run = await vitrine("disk", "upload", rawPath, ...disk("from-raw"), "--parallel", "2");
    assert.equal(ok<Disk>(run).properties.contentDigest, contentDigestOf(raw));
    assert.equal(sentBytes(run), SAMPLE_DATA_BYTES);
  });

  it("downloads a disk as raw: the original bytes, only the listed data ranges fetched, zero chunks left unwritten", async () => {
    const output = join(dir, "download.raw");
    const run = await vitrine("disk", "download", ...disk("from-qcow2"), "-o", output);
    const result = ok<Download>(run);
    assert.deepEqual(result, {
      file: output,
      format: "raw",
      diskSizeBytes: SAMPLE_SIZE,
      contentDigest: contentDigestOf(raw),
      bytesReceived: SAMPLE_DATA_BYTES,
      bytesWritten: SAMPLE_DATA_BYTES,
    });
    assert.match(run.stderr, /received \d+ bytes \(the ranges the server lists as data\)/);
    assert.ok(readFileSync(output).equals(raw), "the bytes of the original");
    assert.ok(statSync(output).blocks * 512 < SAMPLE_SIZE, "the file is sparse");
    const shown = ok<Disk>(await vitrine("disk", "show", ...disk("from-qcow2")));
    assert.equal(shown.properties.diskState, "Unattached", "access was revoked");
  });

  it("downloads a disk as a fixed VHD: the disk and the footer", async () => {
    const output = join(dir, "download.vhd");
    const result = ok<Download>(await vitrine("disk", "download", ...disk("from-vpc-dynamic"), "-o", output, "--format", "vhd", "--parallel", "3"));
    assert.equal(result.format, "vhd");
    assert.equal(result.bytesReceived, SAMPLE_DATA_BYTES + 512, "the data ranges and the footer");
    const vhd = readFileSync(output);
    assert.equal(vhd.length, SAMPLE_SIZE + 512);
    assert.ok(vhd.subarray(0, SAMPLE_SIZE).equals(raw));
    assert.equal(vhd.toString("latin1", SAMPLE_SIZE, SAMPLE_SIZE + 8), "conectix");
    assert.match(await qemu("qemu-img", ["compare", "-f", "vpc", "-F", "raw", output, rawPath]), /identical/);
  });

  it("downloads a disk as qcow2, converted by qemu-img", async () => {
    const output = join(dir, "download.qcow2");
    const result = ok<Download>(await vitrine("disk", "download", ...disk("from-vpc-fixed"), "-o", output, "--format", "qcow2"));
    assert.equal(result.contentDigest, contentDigestOf(raw));
    assert.match(await qemu("qemu-img", ["info", output]), /file format: qcow2/);
    assert.match(await qemu("qemu-img", ["compare", "-f", "qcow2", "-F", "raw", output, rawPath]), /identical/);
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith(".partial")), [], "the raw download it was made from is removed");
  });

  it("refuses images it cannot read, and creates no disk for them", async () => {
    const dynamic = await convertImage(rawPath, "vpc-dynamic");
    const truncated = await copyImage(dynamic, "truncated.vhd");
    await cutImage(truncated, statSync(dynamic).size - 1000);
    const qcow2 = await copyImage(await convertImage(rawPath, "qcow2"), "corrupt.qcow2");
    await patchImage(qcow2, 20, Buffer.from([0, 0, 0, 40]));
    const odd = await makeRawImage(dir, "odd.raw", { sizeBytes: 21 * MIB + 1000, blocks: [{ offset: 0, bytes: 1, length: 512 }] });
    const refusals: Array<[string, RegExp]> = [
      [truncated, /truncated\.vhd cannot be uploaded: .*truncated/],
      [qcow2, /corrupt\.qcow2 cannot be uploaded: .*cluster size/],
      [odd, /odd\.raw \(read as raw\): its virtual disk is 22021096 bytes.*whole number of MiB/],
      [join(dir, "absent.raw"), /Cannot open .*absent\.raw: ENOENT/],
    ];
    for (const [file, message] of refusals) {
      const run = await vitrine("disk", "upload", file, ...disk("refused"));
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, "");
      assert.equal((await vitrine("disk", "show", ...disk("refused"))).code, 3, "no disk was created");
    }
  });

  it("refuses to upload over an existing disk", async () => {
    const run = await vitrine("disk", "upload", rawPath, ...disk("from-raw"));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^\(Conflict\) Disk 'from-raw' already exists in resource group 'rg1'/);
    assert.equal(ok<Disk>(await vitrine("disk", "show", ...disk("from-raw"))).properties.contentDigest, contentDigestOf(raw), "the disk is untouched");
  });

  it("refuses to download a disk that does not exist or holds nothing yet, leaving the output alone", async () => {
    const output = join(dir, "kept.raw");
    writeFileSync(output, "already here");
    const missing = await vitrine("disk", "download", ...disk("absent"), "-o", output);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^\(ResourceNotFound\) .*\nCode: ResourceNotFound\n/);
    ok(await vitrine("disk", "create", ...disk("waiting"), "--upload-type", "Upload", "--upload-size-bytes", String(SAMPLE_SIZE + 512)));
    const waiting = await vitrine("disk", "download", ...disk("waiting"), "-o", output);
    assert.equal(waiting.code, 1);
    assert.match(waiting.stderr, /Disk 'waiting' has no content to download yet \(diskState ReadyToUpload\)/);
    assert.equal(readFileSync(output, "utf8"), "already here");
  });
});
