// writeExport, the download path: the same bytes as exportStream, from a pack store through a few
// reused buffers, each given back only once its write has completed; and a destination that
// closes mid-export ends it.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { PackChunkStore } from "../../../src/blob/drivers/pack-chunk-store.js";
import { exportStream, writeExport, type ExportOptions } from "../../../src/blob/export.js";
import { ReusedBuffers } from "../../../src/core/reused-buffers.js";
import { ingestDisk } from "../../../src/blob/ingest.js";
import type { Manifest } from "../../../src/blob/manifest.js";
import { memoryDisk } from "../../support/memory-disk.js";
import { MIB, readAll } from "./fixtures.js";

/**
 * A destination that takes each chunk's bytes only when it calls back, a few turns later, as a
 * socket finishing a write does: a buffer reused before its write completed shows as wrong bytes.
 */
class SlowSink extends Writable {
  readonly parts: Buffer[] = [];
  readonly buffersSeen = new Set<ArrayBufferLike>();

  constructor() {
    super({ highWaterMark: 64 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.buffersSeen.add(chunk.buffer);
    setTimeout(() => {
      this.parts.push(Buffer.from(chunk));
      done();
    }, 1);
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

describe("writeExport", () => {
  let dir: string;
  let store: PackChunkStore;
  let manifest: Manifest;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "vitrine-export-writer-"));
    store = new PackChunkStore(join(dir, "store"));
    // 24 chunks of data, a hole of 4, 8 more, and a partial last chunk.
    const size = 36 * MIB + 4096;
    const bytes = Buffer.alloc(size);
    randomBytes(24 * MIB).copy(bytes, 0);
    randomBytes(8 * MIB + 4096).copy(bytes, 28 * MIB);
    manifest = (await ingestDisk(memoryDisk(bytes, [{ offset: 0, length: size }]), store)).manifest;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("writes what exportStream streams, whole and in ranges, raw and as a fixed VHD", async () => {
    const size = manifest.size;
    const cases: ExportOptions[] = [
      { format: "raw" },
      { format: "vhd-fixed" },
      { format: "vhd-fixed", start: MIB - 7, end: 30 * MIB + 5 },
      { format: "vhd-fixed", start: size - 10, end: size + 511 },
      { format: "raw", start: 25 * MIB, end: 26 * MIB },
    ];
    for (const options of cases) {
      const sink = new SlowSink();
      await writeExport(manifest, store, options, sink, new ReusedBuffers(MIB, 16));
      const expected = await readAll(exportStream(manifest, store, options));
      assert.ok(sink.bytes().equals(expected), `${options.format} ${options.start ?? 0}-${options.end ?? "end"}`);
    }
  });

  it("reads its chunks into a few buffers, reused across exports once their writes complete", async () => {
    const buffers = new ReusedBuffers(MIB, 16);
    const seen = new Set<ArrayBufferLike>();
    for (let round = 0; round < 3; round++) {
      const sink = new SlowSink();
      await writeExport(manifest, store, { format: "raw" }, sink, buffers);
      for (const buffer of sink.buffersSeen) if (buffer.byteLength === MIB) seen.add(buffer);
    }
    // 32 listed chunks a round, 96 in all, through at most the prefetch depth and a write or two.
    assert.ok(seen.size >= 2 && seen.size <= 8, `${seen.size} distinct chunk buffers`);
  });

  it("ends with an error, not a hang, when the destination is destroyed mid-export", async () => {
    let writes = 0;
    const sink = new Writable({
      highWaterMark: 1,
      write(_chunk: Buffer, _encoding, done) {
        writes += 1;
        if (writes === 3) setImmediate(() => this.destroy());
        else setImmediate(done);
      },
    });
    await assert.rejects(writeExport(manifest, store, { format: "raw" }, sink, new ReusedBuffers(MIB, 16)));
  });
});
