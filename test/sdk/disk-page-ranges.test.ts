// Get Page Ranges on a disk's read URL, through @azure/storage-blob as AzCopy-like clients call it:
// the data ranges of the served fixed VHD (non-zero 1 MiB chunks merged, and the footer), clipped
// to the range asked, refused as reads are, and enough to rebuild the disk byte for byte.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AnonymousCredential, BlobClient, PageBlobClient } from "@azure/storage-blob";
import { sdkClients } from "../support/clients.js";
import { codeOf, uploadPages } from "../support/disk-upload.js";
import { convertImage, makeRawImage, pattern, qemuSkip } from "../support/images.js";
import { ManualClock, startTestServer, type TestServer } from "../support/server.js";

const RG = "rg-page-ranges";
const LOCATION = "westus";
const MIB = 1024 * 1024;
const SIZE = 24 * MIB;

/** The ranges a read URL lists, start and end inclusive, through listPageRanges. */
async function listed(client: PageBlobClient, offset?: number, count?: number): Promise<Array<{ start: number; end: number }>> {
  const ranges: Array<{ start: number; end: number }> = [];
  for await (const { start, end } of client.listPageRanges(offset, count)) ranges.push({ start, end });
  return ranges;
}

const range = (start: number, end: number) => ({ start, end });

describe("Get Page Ranges on a disk's read URL", { skip: qemuSkip }, () => {
  let server: TestServer;
  let dir: string;
  let clients: ReturnType<typeof sdkClients>;
  let vhd: Buffer;
  let readUrl: string;
  const clock = new ManualClock();

  before(async () => {
    server = await startTestServer({}, undefined, { clock });
    clients = sdkClients(server.connection);
    await clients.resources.resourceGroups.createOrUpdate(RG, { location: LOCATION });
    dir = mkdtempSync(join(tmpdir(), "vitrine-page-ranges-"));
    const rawPath = await makeRawImage(dir, "disk.raw", {
      sizeBytes: SIZE,
      blocks: [
        { offset: 0, bytes: pattern(3 * MIB, 1) },
        { offset: 7 * MIB - 100, bytes: pattern(200, 2) },
        { offset: 11 * MIB + 4096, bytes: Buffer.from("the middle of the disk") },
        { offset: SIZE - 512, bytes: 0x7e, length: 512 },
      ],
    });
    vhd = readFileSync(await convertImage(rawPath, "vpc-fixed"));
    await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "data", { location: LOCATION, creationData: { createOption: "Upload", uploadSizeBytes: vhd.length } });
    const write = await clients.compute.disks.beginGrantAccessAndWait(RG, "data", { access: "Write", durationInSeconds: 3600 });
    await uploadPages(write.accessSAS ?? "", vhd);
    await clients.compute.disks.beginRevokeAccessAndWait(RG, "data");
    readUrl = (await clients.compute.disks.beginGrantAccessAndWait(RG, "data", { access: "Read", durationInSeconds: 600 })).accessSAS ?? "";
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the data ranges and the footer, and nothing in the holes", async () => {
    const client = new PageBlobClient(readUrl, new AnonymousCredential());
    const expected = [range(0, 3 * MIB - 1), range(6 * MIB, 8 * MIB - 1), range(11 * MIB, 12 * MIB - 1), range(23 * MIB, SIZE + 511)];
    assert.deepEqual(await listed(client), expected);

    const answer = await client.getPageRanges();
    // The SDK's getPageRanges reports count as end - start, one less than the range's length.
    assert.deepEqual(answer.pageRange, expected.map(({ start, end }) => ({ offset: start, count: end - start })));
    assert.equal(answer.blobContentLength, vhd.length);
    assert.ok(answer.etag && answer.lastModified, "an ETag and a Last-Modified, as for reads");
    assert.equal(answer._response.headers.get("content-type"), "application/xml");

    const pages: Array<{ pageRange?: unknown[]; continuationToken?: string }> = [];
    for await (const page of client.listPageRanges().byPage({ maxPageSize: 1 })) pages.push(page);
    assert.equal(pages.length, 1, "one answer holds every range: there is no NextMarker to follow");
    assert.equal(pages[0]?.pageRange?.length, expected.length);
  });

  it("clips the ranges to the range asked", async () => {
    const client = new PageBlobClient(readUrl, new AnonymousCredential());
    assert.deepEqual(await listed(client, MIB + 512, 6 * MIB), [range(MIB + 512, 3 * MIB - 1), range(6 * MIB, 7 * MIB + 511)]);
    assert.deepEqual(await listed(client, 2 * MIB, 10 * MIB), [range(2 * MIB, 3 * MIB - 1), range(6 * MIB, 8 * MIB - 1), range(11 * MIB, 12 * MIB - 1)]);
    assert.deepEqual(await listed(client, 12 * MIB, 11 * MIB), [], "a hole");
    assert.deepEqual(await listed(client, SIZE), [range(SIZE, SIZE + 511)], "an open end: the footer alone");
    assert.equal(await codeOf(client.getPageRanges(SIZE + 512, 512)), "InvalidPageRange", "a range past the end");
  });

  it("rebuilds the disk byte for byte from the listed ranges alone", async () => {
    const client = new PageBlobClient(readUrl, new AnonymousCredential());
    const rebuilt = Buffer.alloc(vhd.length);
    let fetched = 0;
    for (const { start, end } of await listed(client)) {
      // downloadToBuffer fills the buffer it is given from its first byte: a view at the range's place.
      await client.downloadToBuffer(rebuilt.subarray(start, end + 1), start, end - start + 1);
      fetched += end - start + 1;
    }
    assert.ok(rebuilt.equals(await client.downloadToBuffer()), "what a full download gets: zeros everywhere else");
    assert.ok(rebuilt.subarray(0, SIZE).equals(vhd.subarray(0, SIZE)), "the disk uploaded (the server writes its own footer)");
    assert.equal(fetched, 7 * MIB + 512, "seven of the 24 chunks, and the footer");
  });

  it("lists only the footer of an empty disk", async () => {
    await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "empty", { location: LOCATION, diskSizeGB: 1, creationData: { createOption: "Empty" } });
    const read = await clients.compute.disks.beginGrantAccessAndWait(RG, "empty", { access: "Read", durationInSeconds: 600 });
    assert.deepEqual(await listed(new PageBlobClient(read.accessSAS ?? "", new AnonymousCredential())), [range(1024 * MIB, 1024 * MIB + 511)]);
    await clients.compute.disks.beginRevokeAccessAndWait(RG, "empty");
  });

  it("refuses what reads refuse: a write URL, a forged or revoked signature; and other comp values", async () => {
    await clients.compute.disks.beginCreateOrUpdateAndWait(RG, "pending", { location: LOCATION, creationData: { createOption: "Upload", uploadSizeBytes: vhd.length } });
    const write = await clients.compute.disks.beginGrantAccessAndWait(RG, "pending", { access: "Write", durationInSeconds: 600 });
    assert.equal(await codeOf(new PageBlobClient(write.accessSAS ?? "", new AnonymousCredential()).getPageRanges()), "AuthenticationFailed", "a write URL");

    const forged = new URL(readUrl);
    const sig = forged.searchParams.get("sig") ?? "";
    forged.searchParams.set("sig", `${sig.slice(0, -2)}${sig.endsWith("AA") ? "BB" : "AA"}`);
    assert.equal(await codeOf(new PageBlobClient(forged.toString(), new AnonymousCredential()).getPageRanges()), "AuthenticationFailed", "a forged signature");
    const longer = new URL(readUrl);
    longer.searchParams.set("se", new Date(Date.parse(longer.searchParams.get("se") ?? "") + 3600_000).toISOString());
    assert.equal(await codeOf(new PageBlobClient(longer.toString(), new AnonymousCredential()).getPageRanges()), "AuthenticationFailed", "a lengthened expiry");

    assert.equal(await codeOf(new BlobClient(readUrl).getTags()), "InvalidHeaderValue", "a GET with comp=tags");

    const other = await clients.compute.disks.beginGrantAccessAndWait(RG, "empty", { access: "Read", durationInSeconds: 600 });
    await clients.compute.disks.beginRevokeAccessAndWait(RG, "empty");
    assert.equal(await codeOf(new PageBlobClient(other.accessSAS ?? "", new AnonymousCredential()).getPageRanges()), "AuthenticationFailed", "a revoked URL");
  });

  it("refuses an expired read URL", async () => {
    const client = new PageBlobClient(readUrl, new AnonymousCredential());
    clock.advance(601_000);
    const refused = await client.getPageRanges().then(
      () => undefined,
      (error: { code?: string; message: string }) => error,
    );
    assert.equal(refused?.code, "AuthenticationFailed");
    assert.match(refused?.message ?? "", /expired at/);
  });
});
