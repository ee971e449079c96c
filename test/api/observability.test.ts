// /healthz, /readyz and /metrics: unauthenticated health for load balancers, Prometheus metrics
// behind an optional token, and a worker that serves nothing else.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestServer, type TestServer } from "../support/server.js";

describe("health and metrics", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ metricsToken: "scrape-me" });
  });
  after(() => server.close());

  it("says the process is alive and ready without a token", async () => {
    const health = await server.app.inject({ method: "GET", url: "/healthz" });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: "ok" });
    const ready = await server.app.inject({ method: "GET", url: "/readyz" });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: "ok", checks: { database: "ok", chunkStores: "ok" } });
  });

  it("serves Prometheus metrics to the configured bearer token only", async () => {
    await server.app.inject({ method: "GET", url: `/subscriptions/${server.connection.subscriptionId}/resourceGroups/rg1?api-version=2021-04-01` });
    assert.equal((await server.app.inject({ method: "GET", url: "/metrics" })).statusCode, 401);
    assert.equal((await server.app.inject({ method: "GET", url: "/metrics", headers: { authorization: "Bearer wrong" } })).statusCode, 401);
    const metrics = await server.app.inject({ method: "GET", url: "/metrics", headers: { authorization: "Bearer scrape-me" } });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.headers["content-type"] as string, /^text\/plain/);
    // The ARM catch-all route is labelled by its resource type path, names left out.
    assert.match(metrics.body, /vitrine_http_request_duration_seconds_count\{method="GET",route="\/subscriptions\/\{\}\/resourcegroups\/\{\}",status="401"\} 1/);
    assert.match(metrics.body, /vitrine_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 1/);
    assert.match(metrics.body, /^vitrine_operations_in_progress 0$/m);
    assert.match(metrics.body, /^vitrine_operations_running 0$/m);
  });

  it("reports a store that does not answer as not ready", async () => {
    const dead = await startTestServer();
    await dead.store.close();
    try {
      const ready = await dead.app.inject({ method: "GET", url: "/readyz" });
      assert.equal(ready.statusCode, 503);
      const body = ready.json<{ status: string; checks: Record<string, string> }>();
      assert.equal(body.status, "unavailable");
      assert.notEqual(body.checks.database, "ok");
    } finally {
      await dead.app.close();
    }
  });
});

describe("a worker process", () => {
  it("serves health and metrics only", async () => {
    const worker = await startTestServer({ role: "worker" });
    try {
      assert.equal((await worker.app.inject({ method: "GET", url: "/readyz" })).statusCode, 200);
      assert.equal((await worker.app.inject({ method: "GET", url: "/metrics" })).statusCode, 200);
      assert.equal((await worker.app.inject({ method: "GET", url: `/subscriptions/${worker.connection.subscriptionId}/resourceGroups?api-version=2021-04-01` })).statusCode, 404);
    } finally {
      await worker.close();
    }
  });
});
