import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DeploymentMeter, recommendedReplicas } from "../../src/core/deployment-meter.js";

describe("deployment meter", () => {
  it("keeps the most deployments seen within one minute, per version and region", () => {
    const meter = new DeploymentMeter();
    for (let i = 0; i < 25; i++) meter.record("v/westus", 1_000 + i * 1_000); // 25 in 25 s
    meter.record("v/westus", 200_000); // long after: the peak stays
    meter.record("v/eastus", 1_000);
    assert.equal(meter.peak("v/westus"), 25);
    assert.equal(meter.peak("v/eastus"), 1);
    assert.equal(meter.peak("v/northeurope"), 0);
  });

  it("does not count deployments a minute or more apart as concurrent", () => {
    const meter = new DeploymentMeter();
    for (let i = 0; i < 10; i++) meter.record("v/westus", i * 60_000);
    assert.equal(meter.peak("v/westus"), 1);
  });

  it("recommends one replica per 20 concurrent deployments, at least one", () => {
    assert.deepEqual([0, 1, 20, 21, 40, 41].map(recommendedReplicas), [1, 1, 1, 2, 2, 3]);
  });
});
