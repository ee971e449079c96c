// What authorization keeps between requests: kept while the access generation stays, read again
// when it moves, never kept without one, after a failed read, or for a caller behind the times.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { GenerationCache } from "../../src/core/services/generation-cache.js";

/** A loader that counts its reads and answers with the count. */
function counter(): { load: () => Promise<number>; reads: () => number } {
  let reads = 0;
  return { load: async () => ++reads, reads: () => reads };
}

describe("generation cache", () => {
  it("keeps a value while the generation stays, and reads it again when it moves", async () => {
    const cache = new GenerationCache<number>();
    const { load, reads } = counter();
    assert.equal(await cache.get(1, "a", load), 1);
    assert.equal(await cache.get(1, "a", load), 1);
    assert.equal(reads(), 1);
    assert.equal(await cache.get(2, "a", load), 2, "a write since: read again");
    assert.equal(await cache.get(2, "a", load), 2);
    assert.equal(reads(), 2);
  });

  it("reads once for concurrent callers, and keeps keys apart", async () => {
    const cache = new GenerationCache<number>();
    const { load, reads } = counter();
    assert.deepEqual(await Promise.all([cache.get(1, "a", load), cache.get(1, "a", load), cache.get(1, "b", load)]), [1, 1, 2]);
    assert.equal(reads(), 2);
  });

  it("keeps nothing without a generation, nor for a caller that read an older one", async () => {
    const cache = new GenerationCache<number>();
    const { load, reads } = counter();
    await cache.get(undefined, "a", load);
    await cache.get(undefined, "a", load);
    assert.equal(reads(), 2);
    await cache.get(5, "a", load);
    assert.equal(await cache.get(4, "a", load), 4, "an older generation reads for itself");
    assert.equal(await cache.get(5, "a", load), 3, "and leaves the newer one's value in place");
  });

  it("does not keep a failed read", async () => {
    const cache = new GenerationCache<number>();
    await assert.rejects(cache.get(1, "a", async () => Promise.reject(new Error("store down"))), /store down/);
    assert.equal(await cache.get(1, "a", async () => 7), 7);
  });

  it("drops the oldest entry past its limit", async () => {
    const cache = new GenerationCache<number>(2);
    const { load, reads } = counter();
    for (const key of ["a", "b", "c"]) await cache.get(1, key, load);
    await cache.get(1, "c", load);
    assert.equal(reads(), 3, "c kept");
    await cache.get(1, "a", load);
    assert.equal(reads(), 4, "a dropped");
  });
});
