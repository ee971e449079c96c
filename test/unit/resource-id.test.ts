import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseArmPath, parentIdOf, providerResourceId } from "../../src/core/resource-id.js";

describe("parseArmPath", () => {
  it("parses a nested resource, case kept", () => {
    const path = parseArmPath("/subscriptions/S1/resourceGroups/RG1/providers/Microsoft.Compute/galleries/Gal1/images/Img1");
    assert.equal(path.subscriptionId, "S1");
    assert.equal(path.resourceGroup, "RG1");
    assert.equal(path.namespace, "Microsoft.Compute");
    assert.deepEqual(path.types, ["galleries", "images"]);
    assert.deepEqual(path.names, ["Gal1", "Img1"]);
  });

  it("matches segment keywords case-insensitively (az sends /resourcegroups/)", () => {
    const path = parseArmPath("/SUBSCRIPTIONS/s/RESOURCEGROUPS/rg/PROVIDERS/microsoft.compute/GALLERIES");
    assert.equal(path.resourceGroup, "rg");
    assert.deepEqual(path.types, ["GALLERIES"]);
    assert.deepEqual(path.names, []);
  });

  it("recognises collections and subscription-level providers", () => {
    assert.equal(parseArmPath("/subscriptions").subscriptionCollection, true);
    assert.equal(parseArmPath("/subscriptions/s/resourcegroups").resourceGroupCollection, true);
    const usages = parseArmPath("/subscriptions/s/providers/Microsoft.Compute/locations/westus/usages");
    assert.equal(usages.resourceGroup, undefined);
    assert.deepEqual(usages.types, ["locations", "usages"]);
    assert.deepEqual(usages.names, ["westus"]);
  });

  it("keeps what fits no ARM shape aside", () => {
    assert.deepEqual(parseArmPath("/subscriptions/s/whatever").unparsed, ["whatever"]);
    assert.deepEqual(parseArmPath("/other").unparsed, ["other"]);
  });

  it("decodes percent-encoded names", () => {
    assert.deepEqual(parseArmPath("/subscriptions/s/resourceGroups/my%20rg").resourceGroup, "my rg");
  });
});

describe("ids", () => {
  it("formats and climbs", () => {
    const id = providerResourceId("s", "rg", "Microsoft.Compute", ["galleries", "images"], ["g", "i"]);
    assert.equal(id, "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i");
    assert.equal(parentIdOf(id), "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g");
  });
});
