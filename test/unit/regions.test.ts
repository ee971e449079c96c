import { test } from "node:test";
import assert from "node:assert/strict";
import { REGIONS, distanceKm, findRegion, normalizeLocation } from "../../src/core/regions.js";

const must = (input: string) => {
  const region = findRegion(input);
  assert.ok(region, `region ${input} should exist`);
  return region;
};

test("normalizeLocation lower-cases and drops spaces", () => {
  assert.equal(normalizeLocation("West US"), "westus");
  assert.equal(normalizeLocation("  West  US 2 "), "westus2");
  assert.equal(normalizeLocation("westus"), "westus");
});

test("findRegion maps name and display name both ways", () => {
  const byName = must("westus");
  assert.equal(byName.displayName, "West US");
  assert.equal(byName.geography, "United States");
  const byDisplay = must("West US");
  assert.equal(byDisplay.name, "westus");
  assert.equal(byDisplay, byName);
});

test("findRegion ignores case and spaces", () => {
  for (const input of ["WESTUS", "WestUS", "west us", "WEST US", " West US "]) {
    assert.equal(must(input).name, "westus", input);
  }
  assert.equal(must("australia central 2").name, "australiacentral2");
  assert.equal(must("WestUS2").name, "westus2");
});

test("findRegion returns undefined for unknown or logical locations", () => {
  for (const input of ["", "nowhere", "westus9", "global", "europe", "unitedstates", "eastus2euap", "eastusstage"]) {
    assert.equal(findRegion(input), undefined, input);
  }
});

test("restricted regions are flagged", () => {
  assert.equal(must("australiacentral").restricted, true);
  assert.equal(must("australiacentral2").restricted, true);
  assert.equal(must("southafricawest").restricted, true);
  assert.notEqual(must("westus").restricted, true);
});

test("names and display names are unique and names are canonical", () => {
  const names = REGIONS.map((r) => r.name);
  assert.equal(new Set(names).size, names.length);
  const displays = REGIONS.map((r) => normalizeLocation(r.displayName));
  assert.equal(new Set(displays).size, displays.length);
  for (const r of REGIONS) {
    assert.equal(r.name, normalizeLocation(r.name), r.name);
    assert.ok(r.geography.length > 0, r.name);
  }
});

test("every pairedRegion refers to an existing entry", () => {
  const names = new Set(REGIONS.map((r) => r.name));
  for (const r of REGIONS) {
    if (r.pairedRegion !== undefined) {
      assert.ok(names.has(r.pairedRegion), `${r.name} -> ${r.pairedRegion}`);
      assert.notEqual(r.pairedRegion, r.name);
    }
  }
});

test("coordinates come in pairs and are in range", () => {
  for (const r of REGIONS) {
    assert.equal(r.latitude === undefined, r.longitude === undefined, r.name);
    if (r.latitude !== undefined && r.longitude !== undefined) {
      assert.ok(Math.abs(r.latitude) <= 90, r.name);
      assert.ok(Math.abs(r.longitude) <= 180, r.name);
    }
  }
});

test("distanceKm: westus is nearer westus2 than eastus", () => {
  const west = must("westus");
  const toWest2 = distanceKm(west, must("westus2"));
  const toEast = distanceKm(west, must("eastus"));
  assert.ok(toWest2 !== undefined && toEast !== undefined);
  assert.ok(toWest2 < toEast);
  assert.ok(toEast > 3000 && toEast < 4500, `westus-eastus ${toEast}`);
  assert.equal(distanceKm(west, west), 0);
  assert.equal(distanceKm(west, must("eastus")), distanceKm(must("eastus"), west));
});

test("distanceKm is undefined without coordinates", () => {
  const noCoords = { name: "x", displayName: "X", geography: "Nowhere" };
  assert.equal(distanceKm(noCoords, must("westus")), undefined);
  assert.equal(distanceKm(must("westus"), noCoords), undefined);
});

test("the catalogue is read-only", () => {
  assert.ok(Object.isFrozen(REGIONS));
  assert.ok(Object.isFrozen(must("westus")));
});
