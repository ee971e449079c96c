import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkPlacement, nearestSource, PlacementError, planReplicas, type RegionStorage, type Replica, type StorageTarget } from "../../src/core/replication-plan.js";

/** Three zones, each with `standard` standard targets and `premium` premium ones. */
function storage(region: string, { zones = 3, standard = 1, premium = 1 } = {}): RegionStorage {
  const targets: StorageTarget[] = [];
  for (let zone = 1; zone <= zones; zone++) {
    for (let i = 1; i <= standard; i++) targets.push({ id: `z${zone}-standard-${i}`, zone, storageClass: "standard" });
    for (let i = 1; i <= premium; i++) targets.push({ id: `z${zone}-premium-${i}`, zone, storageClass: "premium" });
  }
  return { region, targets };
}

const lrs = (region: string, index: number, target: string): Replica => ({ region, index, storageAccountType: "Standard_LRS", targets: [target] });

describe("replication planner", () => {
  it("creates every replica of a new version: LRS on one target each, spread over the region's targets", () => {
    const plan = planReplicas({
      desired: [
        { region: "westus", replicaCount: 2, storageAccountType: "Standard_LRS" },
        { region: "eastus", replicaCount: 1, storageAccountType: "Standard_ZRS" },
        { region: "westeurope", replicaCount: 1, storageAccountType: "Premium_LRS" },
      ],
      existing: [],
      storageOf: (region) => storage(region),
    });
    assert.deepEqual(plan.remove, []);
    assert.deepEqual(plan.create, [
      lrs("westus", 0, "z1-standard-1"),
      lrs("westus", 1, "z2-standard-1"),
      { region: "eastus", index: 0, storageAccountType: "Standard_ZRS", targets: ["z1-standard-1", "z2-standard-1", "z3-standard-1"] },
      { region: "westeurope", index: 0, storageAccountType: "Premium_LRS", targets: ["z1-premium-1"] },
    ]);
  });

  it("plans nothing when the replicas are there", () => {
    const existing = [lrs("westus", 0, "z1-standard-1"), lrs("westus", 1, "z2-standard-1")];
    const plan = planReplicas({ desired: [{ region: "westus", replicaCount: 2, storageAccountType: "Standard_LRS" }], existing, storageOf: (region) => storage(region) });
    assert.deepEqual(plan, { create: [], remove: [] });
  });

  it("adds and removes replicas when counts change, and removes regions no longer targeted", () => {
    const existing = [lrs("westus", 0, "z1-standard-1"), lrs("westus", 1, "z2-standard-1"), lrs("westus", 2, "z3-standard-1"), lrs("eastus", 0, "z1-standard-1")];
    const plan = planReplicas({
      desired: [
        { region: "westus", replicaCount: 1, storageAccountType: "Standard_LRS" },
        { region: "northeurope", replicaCount: 2, storageAccountType: "Standard_LRS" },
      ],
      existing,
      storageOf: (region) => storage(region),
    });
    assert.deepEqual(plan.remove, [existing[1], existing[2], existing[3]]);
    assert.deepEqual(plan.create, [lrs("northeurope", 0, "z1-standard-1"), lrs("northeurope", 1, "z2-standard-1")]);
  });

  it("puts a new replica on the least-loaded target, away from the version's other replicas", () => {
    const loads: Record<string, number> = { "z1-standard-1": 5, "z2-standard-1": 0, "z3-standard-1": 1 };
    const plan = planReplicas({
      desired: [{ region: "westus", replicaCount: 3, storageAccountType: "Standard_LRS" }],
      existing: [lrs("westus", 0, "z2-standard-1")],
      storageOf: (region) => storage(region),
      load: (_region, target) => loads[target] ?? 0,
    });
    assert.deepEqual(
      plan.create.map((replica) => replica.targets[0]),
      ["z3-standard-1", "z1-standard-1"],
      "z2 holds this version already; then the least loaded first",
    );
  });

  it("reuses a target only when the region has fewer targets than replicas", () => {
    const plan = planReplicas({
      desired: [{ region: "westus", replicaCount: 4, storageAccountType: "Standard_LRS" }],
      existing: [],
      storageOf: (region) => storage(region, { premium: 0 }),
    });
    const targets = plan.create.map((replica) => replica.targets[0]);
    assert.equal(new Set(targets.slice(0, 3)).size, 3, "the first three on three targets");
    assert.equal(targets.length, 4);
  });

  it("replaces a replica whose storage type is no longer the one asked for", () => {
    const existing = [lrs("westus", 0, "z1-standard-1")];
    const plan = planReplicas({ desired: [{ region: "westus", replicaCount: 1, storageAccountType: "Premium_LRS" }], existing, storageOf: (region) => storage(region) });
    assert.deepEqual(plan.remove, existing);
    assert.deepEqual(plan.create, [{ region: "westus", index: 0, storageAccountType: "Premium_LRS", targets: ["z1-premium-1"] }]);
  });

  it("refuses Premium_LRS where a region has no premium targets, and ZRS where it has fewer than three zones", () => {
    const noPremium = storage("westus", { premium: 0 });
    assert.throws(() => checkPlacement(noPremium, "Premium_LRS"), (error: unknown) => error instanceof PlacementError && /no premium storage targets/.test(error.message));
    const twoZones = storage("westus", { zones: 2 });
    assert.throws(
      () => planReplicas({ desired: [{ region: "westus", replicaCount: 1, storageAccountType: "Standard_ZRS" }], existing: [], storageOf: () => twoZones }),
      (error: unknown) => error instanceof PlacementError && error.storageAccountType === "Standard_ZRS" && /2 zone\(s\)/.test(error.message),
    );
    assert.doesNotThrow(() => checkPlacement(twoZones, "Standard_LRS"));
  });

  it("reads a copy from the region itself when it has a complete replica, else from the nearest region that has one", () => {
    assert.equal(nearestSource("westus", ["eastus", "westus"]), "westus");
    assert.equal(nearestSource("westus2", ["eastus", "westus", "northeurope"]), "westus");
    assert.equal(nearestSource("francecentral", ["eastus", "westeurope", "japaneast"]), "westeurope");
    assert.equal(nearestSource("westus", []), undefined);
  });
});
