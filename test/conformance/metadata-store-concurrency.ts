// Conformance cases for creates and deletes that race: whatever the interleaving, a guard lets
// exactly one contender through and no child outlives its parent. They prove most on an adapter
// whose calls really run side by side (PostgreSQL with a pool of connections).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CreateResult, ResourceRecord } from "../../src/ports/metadata-store.js";
import {
  GALLERIES,
  gallery,
  imageDefinition,
  mustCreate,
  newId,
  resourceGroup,
  type StoreAccess,
} from "./metadata-store-fixtures.js";

const CONTENDERS = 20;
const RACE_ROUNDS = 25;

export function concurrencyCases(store: StoreAccess): void {
  describe("racing creates and deletes", () => {
    it("lets one of many simultaneous holders of a uniqueKey in", async () => {
      const group = await mustCreate(store(), resourceGroup(newId(), "rg"));
      const gal = await mustCreate(store(), gallery(group, "gal"));
      const results = await Promise.all(
        Array.from({ length: CONTENDERS }, (_, i) =>
          store().createResource(imageDefinition(gal, `def${i}`, "publisher/offer/sku")),
        ),
      );
      const created = results.filter((result) => result.kind === "created");
      assert.equal(created.length, 1, kinds(results));
      const winner = created[0]?.record;
      for (const result of results) {
        if (result.kind === "created") continue;
        assert.equal(result.kind, "unique-conflict", kinds(results));
        assert.deepEqual(result.existing, winner);
      }
      const listed = await store().listResources({ parentKey: gal.key, limit: 100 });
      assert.deepEqual(listed, [winner]);
    });

    it("lets one of many simultaneous creates of one key in", async () => {
      const group = await mustCreate(store(), resourceGroup(newId(), "rg"));
      const results = await Promise.all(
        Array.from({ length: CONTENDERS }, (_, i) =>
          store().createResource({ ...gallery(group, "gal"), body: { contender: i } }),
        ),
      );
      const created = results.filter((result) => result.kind === "created");
      assert.equal(created.length, 1, kinds(results));
      const winner = created[0]?.record;
      for (const result of results) {
        if (result.kind === "exists") assert.deepEqual(result.record, winner);
        else assert.equal(result.kind, "created");
      }
      assert.deepEqual(await store().getResource(gallery(group, "gal").key), winner);
    });

    it("admits exactly the quota's limit of many simultaneous creates", async () => {
      const subscriptionId = newId();
      const group = await mustCreate(store(), resourceGroup(subscriptionId, "rg"));
      const quota = { type: GALLERIES, limit: 5 };
      const results = await Promise.all(
        Array.from({ length: CONTENDERS }, (_, i) => store().createResource(gallery(group, `gal${i}`), quota)),
      );
      assert.equal(results.filter((result) => result.kind === "created").length, 5, kinds(results));
      for (const result of results) {
        if (result.kind !== "created") assert.deepEqual(result, { kind: "quota-exceeded", usage: 5 });
      }
      const usage = await store().countResources(subscriptionId, "westus");
      assert.deepEqual(usage.find((entry) => entry.type === GALLERIES), { type: GALLERIES, count: 5 });
    });

    it("never leaves a child behind when its create races the parent's delete", async () => {
      const group = await mustCreate(store(), resourceGroup(newId(), "rg"));
      for (let round = 0; round < RACE_ROUNDS; round++) {
        const parent = await mustCreate(store(), gallery(group, `gal${round}`));
        const children = [0, 1, 2].map((i) => imageDefinition(parent, `def${i}`));
        const creates = children.map((child) => store().createResource(child));
        // Alternate which side reaches the database first.
        const deletion =
          round % 2 === 0
            ? store().deleteResource(parent.key)
            : Promise.resolve().then(() => store().deleteResource(parent.key));
        const [deleted, ...created] = await Promise.all([deletion, ...creates]);
        const remaining = await present(children);

        if (deleted?.kind === "deleted") {
          assert.ok(created.every((result) => result.kind === "parent-missing"), kinds(created));
          assert.equal(remaining.length, 0);
          assert.equal(await store().getResource(parent.key), undefined);
        } else {
          assert.equal(deleted?.kind, "has-children", `round ${round}: ${JSON.stringify(deleted)}`);
          assert.ok(await store().getResource(parent.key));
          // The parent stayed, so every create got through.
          assert.ok(created.every((result) => result.kind === "created"), kinds(created));
          assert.deepEqual(remaining, children.map((child) => child.key));
        }
      }
    });

    it("never leaves a resource behind when its create races the delete of its resource group", async () => {
      const subscriptionId = newId();
      for (let round = 0; round < RACE_ROUNDS; round++) {
        const group = await mustCreate(store(), resourceGroup(subscriptionId, `rg${round}`));
        const gal = await mustCreate(store(), gallery(group, "gal"));
        const creates = [gallery(group, "late"), imageDefinition(gal, "def"), imageDefinition(gal, "other")].map(
          (record) => store().createResource(record),
        );
        const [deleted, ...results] = await Promise.all([store().deleteTree(group.key), ...creates]);
        const made = results.filter((result) => result.kind === "created").length;
        const settled = results.every((result) => result.kind === "created" || result.kind === "parent-missing");
        assert.ok(settled, kinds(results));
        assert.equal(deleted, 2 + made, `round ${round}: ${kinds(results)}`);
        const left = await store().listResources({ subscriptionId, resourceGroup: group.resourceGroup, limit: 10 });
        assert.deepEqual(left, []);
      }
    });
  });

  async function present(records: ResourceRecord[]): Promise<string[]> {
    const found = await Promise.all(records.map((record) => store().getResource(record.key)));
    return found.flatMap((record) => (record ? [record.key] : []));
  }
}

function kinds(results: CreateResult[]): string {
  return results.map((result) => result.kind).join(", ");
}
