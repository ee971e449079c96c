import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { costReport, DEFAULT_PRICES, type BilledVersion } from "../../src/core/billing.js";

const GIB = 1024 ** 3;

describe("cost report", () => {
  it("bills the documentation's worked example: six snapshots of 10 GB, and egress into the two other regions", () => {
    // A 127 GB OS disk occupying 10 GB and an empty 32 GB data disk: the version occupies 10 GB.
    // Replicated to three regions with two replicas each.
    const regions = ["westus", "eastus", "westeurope"];
    const version: BilledVersion = {
      id: "v1",
      location: "westus",
      occupiedBytes: 10 * GIB + 0,
      replicas: regions.flatMap((region) => [0, 1].map(() => ({ region, storageAccountType: "Standard_LRS" as const }))),
    };
    const report = costReport([version]);
    assert.equal(report.totals.replicas, 6, "six snapshots");
    assert.deepEqual(
      report.storage.map((line) => [line.region, line.replicas, line.occupiedBytes / GIB]),
      [["eastus", 2, 20], ["westeurope", 2, 20], ["westus", 2, 20]],
      "each of 10 GB",
    );
    assert.equal(report.totals.occupiedBytes, 60 * GIB);
    assert.equal(report.totals.monthlyStorageCost, 60 * DEFAULT_PRICES.storagePerGiBMonth.Standard_LRS);
    assert.deepEqual(
      report.egress.map((line) => [line.region, line.bytes / GIB]),
      [["eastus", 10], ["westeurope", 10]],
      "the first copy into each of the two other regions; the second replica of a region is not egress, nor is the source region",
    );
    assert.equal(report.totals.egressCost, 20 * DEFAULT_PRICES.egressPerGiB);
    assert.deepEqual(report.versions, [{ id: "v1", occupiedBytes: 10 * GIB, replicas: 6, regions: 3, monthlyStorageCost: 3, egressCost: 0.4 }]);
  });

  it("prices each storage type at its own rate, adds versions up, and takes another price table", () => {
    const prices = { currency: "EUR", storagePerGiBMonth: { Standard_LRS: 1, Standard_ZRS: 2, Premium_LRS: 4 }, egressPerGiB: 0.5 };
    const report = costReport(
      [
        { id: "a", location: "westus", occupiedBytes: GIB, replicas: [{ region: "westus", storageAccountType: "Standard_ZRS" }, { region: "eastus", storageAccountType: "Premium_LRS" }] },
        { id: "b", location: "eastus", occupiedBytes: 2 * GIB, replicas: [{ region: "eastus", storageAccountType: "Premium_LRS" }, { region: "westus", storageAccountType: "Standard_LRS" }] },
      ],
      prices,
    );
    assert.equal(report.currency, "EUR");
    assert.deepEqual(
      report.storage.map((line) => [line.region, line.storageAccountType, line.replicas, line.monthlyCost]),
      [["eastus", "Premium_LRS", 2, 12], ["westus", "Standard_LRS", 1, 2], ["westus", "Standard_ZRS", 1, 2]],
    );
    assert.deepEqual(report.egress.map((line) => [line.region, line.bytes / GIB, line.cost]), [["eastus", 1, 0.5], ["westus", 2, 1]]);
    assert.deepEqual(report.totals, { replicas: 4, occupiedBytes: 6 * GIB, monthlyStorageCost: 16, egressBytes: 3 * GIB, egressCost: 1.5 });
  });

  it("bills nothing for no versions", () => {
    assert.deepEqual(costReport([]).totals, { replicas: 0, occupiedBytes: 0, monthlyStorageCost: 0, egressBytes: 0, egressCost: 0 });
  });
});
