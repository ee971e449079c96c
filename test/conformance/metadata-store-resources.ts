// Conformance cases for ARM resources one caller at a time: records, listing, guards, deletes.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResourceRecord } from "../../src/ports/metadata-store.js";
import {
  GALLERIES,
  IMAGES,
  RESOURCE_GROUPS,
  VERSIONS,
  byteOrder,
  gallery,
  imageDefinition,
  imageVersion,
  mustCreate,
  newId,
  resourceGroup,
  type StoreAccess,
} from "./metadata-store-fixtures.js";

export function resourceCases(store: StoreAccess): void {
  describe("resources", () => {
    it("keeps the user's casing in id and finds the record by its lower-case key", async () => {
      const group = await mustCreate(store(), resourceGroup(newId(), "Build-RG"));
      const created = await store().createResource(gallery(group, "MyGallery"));
      assert.equal(created.kind, "created");
      const found = await store().getResource(gallery(group, "MyGallery").key);
      assert.deepEqual(found, gallery(group, "MyGallery"));
      assert.ok(found.id.endsWith("/resourceGroups/Build-RG/providers/Microsoft.Compute/galleries/MyGallery"));
      assert.equal(found.key, found.id.toLowerCase());
      assert.equal(await store().getResource(`${group.key}/providers/microsoft.compute/galleries/none`), undefined);
    });

    it("updates body, location and updatedAt, and nothing once the record is gone", async () => {
      const group = await mustCreate(store(), resourceGroup(newId(), "rg"));
      const original = await mustCreate(store(), gallery(group, "gal"));
      const changed = {
        ...original,
        id: original.id.toUpperCase(),
        location: "eastus",
        body: { location: "eastus", properties: { description: "new", nested: [1, { deep: true }] } },
        createdAt: "2030-01-01T00:00:00.000Z",
        updatedAt: "2024-05-02T00:00:00.000Z",
      };
      const updated = await store().updateResource(changed);
      const expected = { ...original, location: changed.location, body: changed.body, updatedAt: changed.updatedAt };
      assert.deepEqual(updated, expected);
      assert.deepEqual(await store().getResource(original.key), expected);
      const ghost = gallery(group, "ghost");
      assert.equal(await store().updateResource(ghost), undefined);
      assert.equal(await store().getResource(ghost.key), undefined);
    });

    it("keeps internal data beside the body, and updates or clears it", async () => {
      const group = await mustCreate(store(), resourceGroup(newId(), "rg"));
      const created = await mustCreate(store(), { ...gallery(group, "disky"), internal: { manifest: "sha256:ab", parts: [1, 2] } });
      assert.deepEqual((await store().getResource(created.key))?.internal, { manifest: "sha256:ab", parts: [1, 2] });
      await store().updateResource({ ...created, internal: { manifest: "sha256:cd" } });
      assert.deepEqual((await store().getResource(created.key))?.internal, { manifest: "sha256:cd" });
      const { internal: _internal, ...withoutInternal } = created;
      await store().updateResource(withoutInternal);
      assert.equal((await store().getResource(created.key))?.internal, undefined);
    });

    it("lists by key in byte order, a page at a time", async () => {
      const group = await mustCreate(store(), resourceGroup(newId(), "rg"));
      // Punctuation and case that a locale-aware collation would order differently.
      const names = ["gal1", "Gal-b", "gal_a", "gal.c", "gal10", "galZ", "gal"];
      for (const name of names) await mustCreate(store(), gallery(group, name));
      const expected = byteOrder(names.map((name) => gallery(group, name).key));

      const keys: string[] = [];
      let afterKey: string | undefined;
      for (let page = 0; page < 10; page++) {
        const rows = await store().listResources({ parentKey: group.key, type: GALLERIES, afterKey, limit: 3 });
        assert.ok(rows.length <= 3);
        keys.push(...rows.map((row) => row.key));
        if (rows.length < 3) break;
        afterKey = rows.at(-1)?.key;
      }
      assert.deepEqual(keys, expected);
    });

    it("lists the keys and names of a parent's children of one type", async () => {
      const group = await mustCreate(store(), resourceGroup(newId(), "RG"));
      const parent = await mustCreate(store(), gallery(group, "g"));
      const definition = await mustCreate(store(), imageDefinition(parent, "d"));
      const versions: ResourceRecord[] = [];
      for (const name of ["1.10.0", "1.2.0", "2.0.0"]) versions.push(await mustCreate(store(), imageVersion(definition, name)));
      await mustCreate(store(), imageDefinition(parent, "other"));
      assert.deepEqual(
        await store().listChildNames(definition.key, VERSIONS),
        byteOrder(versions.map((v) => v.key)).map((key) => ({ key, name: versions.find((v) => v.key === key)?.name })),
      );
      assert.deepEqual(await store().listChildNames(definition.key, IMAGES), [], "only the type asked");
    });

    it("lists by parent and type, by subscription and type, and by resource group", async () => {
      const subscriptionId = newId();
      const rg1 = await mustCreate(store(), resourceGroup(subscriptionId, "RG1"));
      const rg2 = await mustCreate(store(), resourceGroup(subscriptionId, "RG2"));
      const gal1 = await mustCreate(store(), gallery(rg1, "gal1"));
      const gal2 = await mustCreate(store(), gallery(rg2, "gal2", "eastus"));
      const image = await mustCreate(store(), imageDefinition(gal1, "image"));
      const elsewhere = await mustCreate(store(), resourceGroup(newId(), "RG1"));
      await mustCreate(store(), gallery(elsewhere, "gal1"));
      const keys = (rows: { key: string }[]) => rows.map((row) => row.key);

      assert.deepEqual(
        keys(await store().listResources({ parentKey: rg1.key, type: GALLERIES, limit: 10 })),
        [gal1.key],
      );
      assert.deepEqual(keys(await store().listResources({ parentKey: gal1.key, type: GALLERIES, limit: 10 })), []);
      assert.deepEqual(keys(await store().listResources({ parentKey: gal1.key, limit: 10 })), [image.key]);
      assert.deepEqual(
        keys(await store().listResources({ subscriptionId, type: GALLERIES, limit: 10 })),
        byteOrder([gal1.key, gal2.key]),
      );
      assert.deepEqual(
        keys(await store().listResources({ subscriptionId, type: RESOURCE_GROUPS, limit: 10 })),
        byteOrder([rg1.key, rg2.key]),
      );
      assert.deepEqual(
        keys(await store().listResources({ subscriptionId, resourceGroup: "rg1", limit: 10 })),
        byteOrder([rg1.key, gal1.key, image.key]),
      );
      assert.deepEqual(
        keys(await store().listResources({ subscriptionId, resourceGroup: "rg1", type: IMAGES, limit: 10 })),
        [image.key],
      );
      assert.deepEqual(
        keys(await store().listResources({ subscriptionId, limit: 2 })),
        byteOrder(keys([rg1, rg2, gal1, gal2, image])).slice(0, 2),
      );
    });
  });

  describe("create guards", () => {
    it("refuses a child whose parent is missing, but takes a subscription as present", async () => {
      const subscriptionId = newId();
      const group = resourceGroup(subscriptionId, "rg");
      assert.deepEqual(await store().createResource(gallery(group, "gal")), { kind: "parent-missing" });
      assert.equal(await store().getResource(gallery(group, "gal").key), undefined);
      assert.equal((await store().createResource(group)).kind, "created");
      assert.equal((await store().createResource(gallery(group, "gal"))).kind, "created");
    });

    it("reports an existing key with the record that holds it", async () => {
      const group = await mustCreate(store(), resourceGroup(newId(), "rg"));
      const original = await mustCreate(store(), gallery(group, "Gal"));
      const again = { ...gallery(group, "GAL"), body: { other: true } };
      assert.equal(again.key, original.key);
      assert.deepEqual(await store().createResource(again), { kind: "exists", record: original });
    });

    it("refuses the create that would pass the quota, counting one type in one location", async () => {
      const subscriptionId = newId();
      const group = await mustCreate(store(), resourceGroup(subscriptionId, "rg"));
      const quota = { type: GALLERIES, limit: 3 };
      for (const name of ["g1", "g2", "g3"]) await mustCreate(store(), gallery(group, name), quota);
      assert.deepEqual(await store().createResource(gallery(group, "g4"), quota), { kind: "quota-exceeded", usage: 3 });
      assert.equal(await store().getResource(gallery(group, "g4").key), undefined);
      await mustCreate(store(), gallery(group, "g5", "eastus"), quota);
      await mustCreate(store(), imageDefinition(gallery(group, "g1"), "image"), { type: IMAGES, limit: 1 });
      const other = await mustCreate(store(), resourceGroup(newId(), "rg"));
      await mustCreate(store(), gallery(other, "g1"), quota);
    });

    it("refuses a uniqueKey already held among the parent's children of the type", async () => {
      const group = await mustCreate(store(), resourceGroup(newId(), "rg"));
      const gal = await mustCreate(store(), gallery(group, "gal"));
      const holder = await mustCreate(store(), imageDefinition(gal, "ubuntu", "canonical/ubuntu/22_04"));
      assert.deepEqual(await store().createResource(imageDefinition(gal, "ubuntu-copy", "canonical/ubuntu/22_04")), {
        kind: "unique-conflict",
        existing: holder,
      });
      await mustCreate(store(), imageDefinition(gal, "ubuntu-24", "canonical/ubuntu/24_04"));
      const otherGallery = await mustCreate(store(), gallery(group, "other"));
      await mustCreate(store(), imageDefinition(otherGallery, "ubuntu", "canonical/ubuntu/22_04"));
      await mustCreate(store(), imageDefinition(gal, "plain-1"));
      await mustCreate(store(), imageDefinition(gal, "plain-2"));
    });
  });

  describe("deletes", () => {
    it("refuses while children remain, naming up to five", async () => {
      const group = await mustCreate(store(), resourceGroup(newId(), "rg"));
      const children = [];
      for (let i = 0; i < 7; i++) children.push(await mustCreate(store(), gallery(group, `gal${i}`)));
      const result = await store().deleteResource(group.key);
      assert.equal(result.kind, "has-children");
      assert.equal(result.children.length, 5);
      const childKeys = new Set(children.map((child) => child.key));
      for (const child of result.children) assert.ok(childKeys.has(child.key));
      assert.deepEqual(await store().getResource(group.key), group);
    });

    it("deletes a childless resource once, then reports it missing", async () => {
      const group = await mustCreate(store(), resourceGroup(newId(), "rg"));
      const gal = await mustCreate(store(), gallery(group, "gal"));
      assert.deepEqual(await store().deleteResource(gal.key), { kind: "deleted", record: gal });
      assert.equal(await store().getResource(gal.key), undefined);
      assert.deepEqual(await store().deleteResource(gal.key), { kind: "missing" });
      assert.equal((await store().deleteResource(group.key)).kind, "deleted");
    });

    it("deletes a whole tree, names with _ and % included, and leaves siblings sharing its prefix", async () => {
      const subscriptionId = newId();
      const build = async (name: string) => {
        const group = await mustCreate(store(), resourceGroup(subscriptionId, name));
        const gal = await mustCreate(store(), gallery(group, "gal_1"));
        const image = await mustCreate(store(), imageDefinition(gal, "img%x"));
        await mustCreate(store(), imageVersion(image, "1.0.0"));
        await mustCreate(store(), gallery(group, "g%2"));
        return group;
      };
      const target = await build("rg1");
      const siblings = [];
      for (const name of ["rg10", "rg1-a", "rg1.b", "rg1_c", "rg1a"]) siblings.push(await build(name));
      const countIn = async (group: string) =>
        (await store().listResources({ subscriptionId, resourceGroup: group, limit: 100 })).length;

      assert.equal(await store().deleteTree(target.key), 5);
      assert.equal(await countIn("rg1"), 0);
      for (const sibling of siblings) assert.equal(await countIn(sibling.resourceGroup), 5);
      assert.equal(await store().deleteTree(target.key), 0);
    });

    it("treats _ and % in the tree's own key as plain characters", async () => {
      const subscriptionId = newId();
      const populate = async (name: string) => {
        const group = await mustCreate(store(), resourceGroup(subscriptionId, name));
        await mustCreate(store(), gallery(group, "gal"));
        return group;
      };
      const underscore = await populate("r_g");
      const percent = await populate("r%g");
      const lookalikes = [await populate("rxg"), await populate("rxyzg")];
      assert.equal(await store().deleteTree(underscore.key), 2);
      assert.equal(await store().deleteTree(percent.key), 2);
      for (const group of lookalikes) {
        assert.deepEqual(await store().getResource(group.key), group);
        assert.ok(await store().getResource(gallery(group, "gal").key));
      }
    });

    it("deletes a subtree below a resource group", async () => {
      const group = await mustCreate(store(), resourceGroup(newId(), "rg"));
      const gal = await mustCreate(store(), gallery(group, "gal"));
      const image = await mustCreate(store(), imageDefinition(gal, "image"));
      await mustCreate(store(), imageVersion(image, "1.0.0"));
      assert.equal(await store().deleteTree(gal.key), 3);
      assert.deepEqual(await store().getResource(group.key), group);
    });
  });

  describe("usage", () => {
    it("counts resources per type in one subscription and location", async () => {
      const subscriptionId = newId();
      const group = await mustCreate(store(), resourceGroup(subscriptionId, "rg"));
      const west = [await mustCreate(store(), gallery(group, "w1")), await mustCreate(store(), gallery(group, "w2"))];
      await mustCreate(store(), gallery(group, "e1", "eastus"));
      for (const name of ["a", "b", "c"]) await mustCreate(store(), imageDefinition(west[0] ?? group, name));
      await mustCreate(store(), gallery(await mustCreate(store(), resourceGroup(newId(), "rg")), "w1"));

      assert.deepEqual(await store().countResources(subscriptionId, "westus"), [
        { type: GALLERIES, count: 2 },
        { type: IMAGES, count: 3 },
        { type: RESOURCE_GROUPS, count: 1 },
      ]);
      assert.deepEqual(await store().countResources(subscriptionId, "eastus"), [{ type: GALLERIES, count: 1 }]);
      assert.deepEqual(await store().countResources(subscriptionId, "northeurope"), []);
    });
  });
}
