import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compareVersionNames, latestIn, type LatestCandidate } from "../../src/core/latest.js";

const version = (name: string, options: Partial<Omit<LatestCandidate, "name">> = {}): LatestCandidate => ({
  name,
  excludeFromLatest: false,
  regionalExcludeFromLatest: new Map(),
  completeIn: new Set(["westus", "eastus"]),
  ...options,
});

describe("latest", () => {
  it("orders by Major, then Minor, then Patch, as numbers", () => {
    assert.ok(compareVersionNames("1.10.0", "1.9.0") > 0);
    assert.ok(compareVersionNames("2.0.0", "1.99.99") > 0);
    assert.ok(compareVersionNames("1.0.10", "1.0.9") > 0);
    assert.equal(compareVersionNames("1.03.00", "1.3.0"), 0);
    assert.equal(latestIn("westus", [version("1.9.0"), version("1.10.0"), version("1.2.0")]), "1.10.0");
  });

  it("skips versions excluded from latest; a region's own flag wins", () => {
    const excluded = version("2.0.0", { excludeFromLatest: true });
    assert.equal(latestIn("westus", [version("1.0.0"), excluded]), "1.0.0");
    const includedInEast = version("2.0.0", { excludeFromLatest: true, regionalExcludeFromLatest: new Map([["eastus", false]]) });
    assert.equal(latestIn("eastus", [version("1.0.0"), includedInEast]), "2.0.0");
    assert.equal(latestIn("westus", [version("1.0.0"), includedInEast]), "1.0.0");
    const excludedInWest = version("3.0.0", { regionalExcludeFromLatest: new Map([["westus", true]]) });
    assert.equal(latestIn("West US", [version("1.0.0"), excludedInWest]), "1.0.0");
    assert.equal(latestIn("eastus", [version("1.0.0"), excludedInWest]), "3.0.0");
  });

  it("counts only versions complete in the region", () => {
    const onlyWest = version("5.0.0", { completeIn: new Set(["westus"]) });
    assert.equal(latestIn("westus", [version("1.0.0"), onlyWest]), "5.0.0");
    assert.equal(latestIn("eastus", [version("1.0.0"), onlyWest]), "1.0.0");
    assert.equal(latestIn("northeurope", [version("1.0.0"), onlyWest]), undefined);
  });
});
