// Conformance cases for what lets several processes share background work: leases (one holder at
// a time, taken over once expired) and the compare-and-swap of a resource record.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gallery, mustCreate, newId, resourceGroup, type StoreAccess } from "./metadata-store-fixtures.js";

const T0 = "2024-05-01T10:00:00.000Z";
const T1 = "2024-05-01T10:00:30.000Z";
const T2 = "2024-05-01T10:01:00.000Z";

export function leaseCases(store: StoreAccess): void {
  it("reports no pending migration once migrated (readiness)", async () => {
    assert.deepEqual(await store().pendingMigrations(), []);
  });

  describe("leases", () => {
    it("gives a free lease to one claimant and refuses others until it expires", async () => {
      const name = `operation:${newId()}`;
      assert.equal(await store().claimLease(name, "worker-a", T0, T1), true);
      assert.equal(await store().claimLease(name, "worker-b", T0, T1), false);
      // Claiming again is renewing for the holder (a restarted process with the same worker id).
      assert.equal(await store().claimLease(name, "worker-a", T0, T2), true);
      assert.equal(await store().claimLease(name, "worker-b", T1, T2), false);
      assert.equal(await store().claimLease(name, "worker-b", T2, "2024-05-01T10:01:30.000Z"), true);
      assert.equal(await store().renewLease(name, "worker-a", "2024-05-01T10:02:00.000Z"), false, "the expired holder lost it");
    });

    it("renews for the holder only and frees on release", async () => {
      const name = `replica:${newId()}`;
      assert.equal(await store().claimLease(name, "worker-a", T0, T1), true);
      assert.equal(await store().renewLease(name, "worker-a", T2), true);
      assert.equal(await store().claimLease(name, "worker-b", T1, T2), false, "renewed past T1");
      await store().releaseLease(name, "worker-b");
      assert.equal(await store().claimLease(name, "worker-b", T0, T1), false, "a release by another is nothing");
      await store().releaseLease(name, "worker-a");
      assert.equal(await store().claimLease(name, "worker-b", T0, T1), true);
    });

    it("lets exactly one of many simultaneous claimants in", async () => {
      const name = `operation:${newId()}`;
      const won = await Promise.all(Array.from({ length: 20 }, (_, i) => store().claimLease(name, `worker-${i}`, T0, T1)));
      assert.equal(won.filter(Boolean).length, 1);
    });
  });

  describe("compare-and-swap of a resource", () => {
    it("replaces the record as read, and reports a change made since as a conflict", async () => {
      const group = await mustCreate(store(), resourceGroup(newId(), "rg"));
      const read = await mustCreate(store(), { ...gallery(group, "gal"), internal: { step: 1 } });
      const first = await store().swapResource(read, { ...read, internal: { step: 2 }, updatedAt: T1 });
      assert.equal(first.kind, "updated");
      assert.deepEqual(first.kind === "updated" && first.record.internal, { step: 2 });
      // A second writer that read the record before the first one's swap.
      assert.deepEqual(await store().swapResource(read, { ...read, internal: { step: 3 }, updatedAt: T1 }), { kind: "conflict" });
      assert.deepEqual((await store().getResource(read.key))?.internal, { step: 2 });
    });

    it("tells a gone record from a conflict, and lets one of racing writers win", async () => {
      const group = await mustCreate(store(), resourceGroup(newId(), "rg"));
      const read = await mustCreate(store(), gallery(group, "gal"));
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store().swapResource(read, { ...read, body: { ...read.body, tags: { writer: `${i}` } }, updatedAt: T1 })));
      assert.equal(results.filter((result) => result.kind === "updated").length, 1);
      await store().deleteResource(read.key);
      assert.deepEqual(await store().swapResource(read, { ...read, updatedAt: T2 }), { kind: "missing" });
    });
  });
}
