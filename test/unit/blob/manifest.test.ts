// The manifest's binary encoding: canonical, round-tripping, and refusing anything else.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { CHUNK_SIZE, InvalidManifestError, chunkLength, decodeManifest, encodeManifest, manifestDigest, type Manifest } from "../../../src/blob/manifest.js";
import { KIB, MIB } from "./fixtures.js";

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const digestA = sha256(Buffer.from("a"));
const digestB = sha256(Buffer.from("b"));

/** 3 MiB + 5 bytes: chunk 0 and the 5-byte chunk 3 listed, chunks 1 and 2 zeros. */
const sample: Manifest = {
  version: 1,
  size: 3 * MIB + 5,
  chunkSize: CHUNK_SIZE,
  chunks: [
    { index: 0, digest: digestA },
    { index: 3, digest: digestB },
  ],
  occupiedBytes: MIB + 5,
};

describe("manifest encoding", () => {
  it("is the documented layout: magic, uint64 size, uint32 chunk size, uint32 count, then index + digest per chunk", () => {
    const encoded = encodeManifest(sample);
    const expected = Buffer.concat([
      Buffer.from("VTRNMF01", "latin1"),
      Buffer.from("0000000000300005", "hex"),
      Buffer.from("00100000", "hex"),
      Buffer.from("00000002", "hex"),
      Buffer.from("00000000", "hex"),
      Buffer.from(digestA, "hex"),
      Buffer.from("00000003", "hex"),
      Buffer.from(digestB, "hex"),
    ]);
    assert.ok(encoded.equals(expected), encoded.toString("hex"));
    assert.equal(manifestDigest(encoded), sha256(expected));
  });

  it("round-trips, occupied bytes derived", () => {
    assert.deepEqual(decodeManifest(encodeManifest(sample)), sample);
    const empty: Manifest = { version: 1, size: 0, chunkSize: CHUNK_SIZE, chunks: [], occupiedBytes: 0 };
    assert.deepEqual(decodeManifest(encodeManifest(empty)), empty);
    const huge: Manifest = { version: 1, size: 32 * 1024 * 1024 * MIB, chunkSize: CHUNK_SIZE, chunks: [{ index: 32 * 1024 * 1024 - 1, digest: digestA }], occupiedBytes: MIB };
    assert.deepEqual(decodeManifest(encodeManifest(huge)), huge);
  });

  it("refuses garbage", () => {
    const good = encodeManifest(sample);
    const patched = (at: number, hex: string) => {
      const copy = Buffer.from(good);
      Buffer.from(hex, "hex").copy(copy, at);
      return copy;
    };
    const zeroChunk = sha256(Buffer.alloc(MIB));
    const zeroTail = sha256(Buffer.alloc(5));
    const cases: Record<string, Buffer> = {
      empty: Buffer.alloc(0),
      "header only, cut": good.subarray(0, 20),
      "another magic": patched(0, Buffer.from("VTRNMF02").toString("hex")),
      "a chunk cut short": good.subarray(0, good.length - 1),
      "a byte too many": Buffer.concat([good, Buffer.alloc(1)]),
      "a count that lies": patched(20, "00000003"),
      "a size past 2^53": patched(8, "0020000000000000"),
      "chunk size zero": patched(16, "00000000"),
      "chunk size not a power of two": patched(16, "00100001"),
      "chunk size too large": patched(16, "80000000"),
      "indexes out of order": patched(24 + 36, "00000000"),
      "an index past the disk": patched(24 + 36, "00000004"),
      "a listed zero chunk": patched(28, zeroChunk),
      "a listed zero last chunk": patched(24 + 36 + 4, zeroTail),
      noise: Buffer.from(Array.from({ length: 24 + 36 * 3 }, (_, i) => (i * 151 + 7) & 0xff)),
      "noise after a good header": Buffer.concat([good.subarray(0, 24), Buffer.alloc(72, 0xff)]),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      assert.throws(() => decodeManifest(bytes), InvalidManifestError, name);
    }
  });

  it("refuses to encode a manifest that is not canonical", () => {
    const cases: Record<string, Manifest> = {
      "wrong occupied bytes": { ...sample, occupiedBytes: 2 * MIB },
      "chunks out of order": { ...sample, chunks: [...sample.chunks].reverse() },
      "a repeated index": { ...sample, chunks: [sample.chunks[0]!, sample.chunks[0]!], occupiedBytes: 2 * MIB },
      "an upper-case digest": { ...sample, chunks: [{ index: 0, digest: digestA.toUpperCase() }], occupiedBytes: MIB },
      "a short digest": { ...sample, chunks: [{ index: 0, digest: "abcd" }], occupiedBytes: MIB },
      "a fractional size": { ...sample, size: 3.5 * MIB, occupiedBytes: MIB + 5 },
      "another version": { ...sample, version: 2 as 1 },
      "a zero chunk": { ...sample, chunks: [{ index: 1, digest: sha256(Buffer.alloc(MIB)) }], occupiedBytes: MIB },
    };
    for (const [name, manifest] of Object.entries(cases)) {
      assert.throws(() => encodeManifest(manifest), InvalidManifestError, name);
    }
  });

  it("gives each chunk its length: whole ones, then the shorter last one", () => {
    assert.equal(chunkLength(sample, 0), MIB);
    assert.equal(chunkLength(sample, 2), MIB);
    assert.equal(chunkLength(sample, 3), 5);
    assert.equal(chunkLength({ size: 2 * MIB, chunkSize: MIB }, 1), MIB);
    assert.equal(chunkLength({ size: 100 * KIB, chunkSize: MIB }, 0), 100 * KIB);
    assert.throws(() => chunkLength(sample, 4), RangeError);
    assert.throws(() => chunkLength(sample, -1), RangeError);
    assert.throws(() => chunkLength({ size: 0, chunkSize: MIB }, 0), RangeError);
  });
});
