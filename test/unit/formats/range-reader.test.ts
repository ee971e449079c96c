// The file and URL readers: exact positional reads, a file truncated underneath, and HTTP(S)
// Range reads from a small server on 127.0.0.1 that behaves like Azure Blob with a SAS URL,
// then like servers that ignore ranges, refuse access or change the content mid-read.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, truncate, writeFile } from "node:fs/promises";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { openDiskImage } from "../../../src/blob/formats/detect.js";
import { openFileReader, openUrlReader } from "../../../src/blob/formats/range-reader.js";
import { ensureTlsMaterial, type TlsMaterial } from "../../../src/identity/certificates.js";
import { convertImage, makeSampleRaw, makeTempDir, pattern, qemuSkip, readWholeImage, refusedWith } from "../../support/images.js";

const bytes = pattern(300_000, 9);


describe("openFileReader", () => {
  let scratch: Awaited<ReturnType<typeof makeTempDir>>;
  before(async () => {
    scratch = await makeTempDir();
  });
  after(() => scratch.remove());

  it("reads exactly the bytes asked for, at any offset", async () => {
    const path = join(scratch.dir, "bytes");
    await writeFile(path, bytes);
    const reader = await openFileReader(path);
    try {
      assert.equal(reader.size, bytes.length);
      assert.ok((await reader.read(0, bytes.length)).equals(bytes));
      assert.ok((await reader.read(12_345, 100_000)).equals(bytes.subarray(12_345, 112_345)));
      assert.equal((await reader.read(bytes.length, 0)).length, 0);
      await assert.rejects(reader.read(bytes.length - 10, 11), RangeError);
    } finally {
      await reader.close();
    }
  });

  it("refuses as truncated a file that shrinks while it is read", async () => {
    const path = join(scratch.dir, "shrinking");
    await writeFile(path, bytes);
    const reader = await openFileReader(path);
    try {
      await truncate(path, 1000);
      await assert.rejects(reader.read(500, 1000), refusedWith("truncated"));
    } finally {
      await reader.close();
    }
  });
});

interface ServedFile {
  /** The ETag of each answer; changing it mid-read simulates the blob being rewritten. */
  etag: () => string;
  ranges?: boolean;
  /** Answers 403, as Azure does, unless the query string carries this signature. */
  sig?: string;
  data?: Buffer;
  /** Served as an Azure page blob that lists these [start, end] page ranges; "refuse" answers comp=pagelist with 400. */
  pages?: Array<[number, number]> | "refuse";
}

type Server = http.Server | https.Server;

function serve(file: ServedFile, request: http.IncomingMessage, response: http.ServerResponse): void {
  const data = file.data ?? bytes;
  const url = new URL(request.url ?? "/", "http://localhost");
  if (url.pathname === "/redirect") {
    response.writeHead(307, { location: `/container/disk.vhd${url.search}` }).end();
    return;
  }
  if (url.pathname !== "/container/disk.vhd") {
    response.writeHead(404, { "x-ms-error-code": "BlobNotFound" }).end();
    return;
  }
  if (file.sig !== undefined && url.searchParams.get("sig") !== file.sig) {
    response.writeHead(403, { "x-ms-error-code": "AuthenticationFailed" }).end();
    return;
  }
  const headers = { etag: file.etag(), "last-modified": "Wed, 01 Jan 2025 00:00:00 GMT", "accept-ranges": "bytes", ...(file.pages && { "x-ms-blob-type": "PageBlob" }) };
  if (url.searchParams.get("comp") === "pagelist" && file.pages) {
    if (file.pages === "refuse") {
      response.writeHead(400, { "x-ms-error-code": "UnsupportedQueryParameter" }).end();
      return;
    }
    // Paged two ranges at a time, as Azure may page a long list.
    const from = Number(url.searchParams.get("marker") ?? 0);
    const page = file.pages.slice(from, from + 2);
    const next = from + 2 < file.pages.length ? `<NextMarker>${from + 2}</NextMarker>` : "<NextMarker />";
    const xml = `<?xml version="1.0" encoding="utf-8"?><PageList>${page.map(([a, b]) => `<PageRange><Start>${a}</Start><End>${b}</End></PageRange>`).join("")}${next}</PageList>`;
    response.writeHead(200, { ...headers, "content-type": "application/xml" }).end(xml);
    return;
  }
  const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? "");
  if (!range || file.ranges === false) {
    response.writeHead(200, { ...headers, "content-length": data.length }).end(data);
    return;
  }
  const first = Number(range[1]);
  const last = Math.min(Number(range[2]), data.length - 1);
  if (first >= data.length) {
    response.writeHead(416, { "content-range": `bytes */${data.length}` }).end();
    return;
  }
  response.writeHead(206, { ...headers, "content-range": `bytes ${first}-${last}/${data.length}`, "content-length": last - first + 1 });
  response.end(data.subarray(first, last + 1));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return `${server instanceof https.Server ? "https" : "http"}://127.0.0.1:${port}`;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe("openUrlReader", () => {
  const file: ServedFile = { etag: () => '"0x1"' };
  const server = http.createServer((request, response) => serve(file, request, response));
  let origin: string;

  before(async () => {
    origin = await listen(server);
  });
  after(() => stop(server));

  it("reads ranges of a SAS URL, keeping its query string", async () => {
    Object.assign(file, { etag: () => '"0x1"', ranges: true, sig: "s3cr3t", data: undefined });
    const reader = await openUrlReader(`${origin}/container/disk.vhd?sv=2023-11-03&sp=r&sig=s3cr3t`, { headers: { "x-ms-version": "2023-11-03" } });
    try {
      assert.equal(reader.size, bytes.length);
      assert.ok((await reader.read(0, bytes.length)).equals(bytes));
      const reads = await Promise.all([reader.read(1, 10), reader.read(200_000, 99_999), reader.read(bytes.length - 1, 1)]);
      assert.ok(reads[0]?.equals(bytes.subarray(1, 11)));
      assert.ok(reads[1]?.equals(bytes.subarray(200_000, 299_999)));
      assert.ok(reads[2]?.equals(bytes.subarray(bytes.length - 1)));
    } finally {
      await reader.close();
    }
  });

  it("follows redirects to the file", async () => {
    Object.assign(file, { etag: () => '"0x1"', ranges: true, sig: "s3cr3t", data: undefined });
    const reader = await openUrlReader(`${origin}/redirect?sig=s3cr3t`);
    try {
      assert.ok((await reader.read(100, 100)).equals(bytes.subarray(100, 200)));
    } finally {
      await reader.close();
    }
  });

  it("refuses 403 and 404 answers clearly, without echoing the SAS signature", async () => {
    Object.assign(file, { etag: () => '"0x1"', ranges: true, sig: "s3cr3t", data: undefined });
    await assert.rejects(openUrlReader(`${origin}/container/disk.vhd?sig=wrong`), (error: unknown) => {
      refusedWith("unsupported", /403 \(AuthenticationFailed\).*SAS/)(error);
      assert.doesNotMatch((error as Error).message, /wrong/);
      return true;
    });
    await assert.rejects(openUrlReader(`${origin}/container/missing.vhd?sig=s3cr3t`), refusedWith("unsupported", /404 \(BlobNotFound\)/));
  });

  it("says why a signed URL was refused, from its own parameters, as of the clock it is given", async () => {
    Object.assign(file, { etag: () => '"0x1"', ranges: true, sig: "s3cr3t", data: undefined });
    const clock = { now: () => new Date("2025-06-01T12:00:00Z") };
    const refused = async (query: string, message: RegExp) => {
      await assert.rejects(openUrlReader(`${origin}/container/disk.vhd?${query}`, { clock }), (error: unknown) => {
        refusedWith("unsupported", message)(error);
        assert.doesNotMatch((error as Error).message, /forged/, "the signature is not quoted");
        return true;
      });
    };
    await refused("sp=r&se=2025-06-01T11:59:59Z&sig=forged", /403.*SAS token expired at 2025-06-01T11:59:59Z/);
    await refused("sp=r&st=2025-06-01T13:00:00Z&se=2025-06-02T00:00:00Z&sig=forged", /not valid before 2025-06-01T13:00:00Z/);
    await refused("sp=w&se=2025-06-02T00:00:00Z&sig=forged", /does not grant read permission \(sp=w\)/);
    await refused("sp=r&se=2025-06-02T00:00:00Z&sig=forged", /did not accept its signature/);
    await refused("sp=r", /no SAS token or signature/);
    await refused("X-Amz-Date=20250601T110000Z&X-Amz-Expires=3600&X-Amz-Signature=forged", /presigned URL expired at 2025-06-01T12:00:00.000Z/);
    await refused("X-Amz-Date=20250601T110000Z&X-Amz-Expires=7200&X-Amz-Signature=forged", /refused its presigned URL although it has not expired/);
  });

  it("refuses a server that does not support ranges", async () => {
    Object.assign(file, { etag: () => '"0x1"', ranges: false, sig: undefined, data: undefined });
    await assert.rejects(openUrlReader(`${origin}/container/disk.vhd`), refusedWith("unsupported", /range requests/));
  });

  it("refuses content that changes while it is read", async () => {
    let answers = 0;
    Object.assign(file, { etag: () => (++answers <= 2 ? '"0x1"' : '"0x2"'), ranges: true, sig: undefined, data: undefined });
    const reader = await openUrlReader(`${origin}/container/disk.vhd`);
    try {
      assert.ok((await reader.read(0, 1000)).equals(bytes.subarray(0, 1000)));
      await assert.rejects(reader.read(1000, 1000), refusedWith("malformed", /the source changed while it was being read/));
    } finally {
      await reader.close();
    }
  });

  it("reads only the ranges a page blob lists as holding data, following NextMarker", async () => {
    const data = Buffer.alloc(8 * 1024 * 1024);
    const pages: Array<[number, number]> = [[0, 511], [1024 * 1024, 2 * 1024 * 1024 - 1], [3 * 1024 * 1024, 3 * 1024 * 1024 + 4095], [7 * 1024 * 1024, 8 * 1024 * 1024 - 1]];
    for (const [start, end] of pages) pattern(end - start + 1, start % 251).copy(data, start);
    Object.assign(file, { etag: () => '"0x1"', ranges: true, sig: undefined, data, pages });
    const reader = await openUrlReader(`${origin}/container/disk.vhd`);
    assert.deepEqual(await reader.dataRanges?.(), pages.map(([start, end]) => ({ offset: start, length: end - start + 1 })));
    const image = await openDiskImage(reader, { format: "raw" });
    try {
      assert.ok((await readWholeImage(image)).equals(data), "the bytes are the same");
      const extents: Array<{ offset: number; length: number }> = [];
      for await (const extent of image.extents()) extents.push(extent);
      assert.equal(extents.reduce((sum, extent) => sum + extent.length, 0), 512 + 1024 * 1024 + 4096 + 1024 * 1024, "the extents are the listed ranges");
    } finally {
      await image.close();
      Object.assign(file, { data: undefined, pages: undefined });
    }
  });

  it("reads everything when a page blob does not list its ranges, and refuses one that changed", async () => {
    Object.assign(file, { etag: () => '"0x1"', ranges: true, sig: undefined, data: undefined, pages: "refuse" });
    const refusing = await openUrlReader(`${origin}/container/disk.vhd`);
    assert.equal(await refusing.dataRanges?.(), undefined);
    await refusing.close();
    let answers = 0;
    Object.assign(file, { etag: () => (++answers <= 1 ? '"0x1"' : '"0x2"'), pages: [[0, 511]] });
    const changing = await openUrlReader(`${origin}/container/disk.vhd`);
    await assert.rejects(changing.dataRanges?.() ?? Promise.resolve(), refusedWith("malformed", /changed/));
    await changing.close();
    Object.assign(file, { etag: () => '"0x1"', pages: undefined });
  });

  it("refuses URLs that are not http or https", async () => {
    await assert.rejects(openUrlReader("file:///etc/passwd"), refusedWith("unsupported", /http or https/));
    await assert.rejects(openUrlReader("not a url"), refusedWith("unsupported"));
  });
});

describe("openUrlReader over https", () => {
  const file: ServedFile = { etag: () => '"0x1"' };
  let tls: TlsMaterial;
  let server: https.Server;
  let origin: string;
  let scratch: Awaited<ReturnType<typeof makeTempDir>>;

  before(async () => {
    scratch = await makeTempDir();
    tls = await ensureTlsMaterial(join(scratch.dir, "tls"));
    server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (request, response) => serve(file, request, response));
    origin = await listen(server);
  });
  after(async () => {
    await stop(server);
    await scratch.remove();
  });

  it("trusts the CA it is given", async () => {
    const reader = await openUrlReader(`${origin}/container/disk.vhd`, { ca: tls.caCertPem });
    try {
      assert.ok((await reader.read(5, 50)).equals(bytes.subarray(5, 55)));
    } finally {
      await reader.close();
    }
  });

  it("reads a qcow2 image in place through openDiskImage", { skip: qemuSkip }, async () => {
    const rawPath = await makeSampleRaw(scratch.dir);
    file.data = await readFile(await convertImage(rawPath, "qcow2"));
    const reader = await openUrlReader(`${origin}/container/disk.vhd`, { ca: tls.caCertPem });
    const image = await openDiskImage(reader);
    try {
      assert.equal(image.format, "qcow2");
      assert.ok((await readWholeImage(image, 4 * 1024 * 1024)).equals(await readFile(rawPath)));
    } finally {
      await image.close();
    }
  });
});
