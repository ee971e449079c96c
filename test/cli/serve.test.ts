// `vitrine serve` as a user runs it: the built binary, a config file, environment variables and
// flags; ready when connection.json appears; clean exit on SIGTERM and SIGINT.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { raw } from "../support/clients.js";
import { BIN, exitOf, serve } from "../support/serve-process.js";
import { freshDataDir } from "../support/server.js";

describe("vitrine serve", () => {
  it("starts on a fresh data dir, writes connection.json, and stops cleanly on SIGTERM", async () => {
    const dataDir = freshDataDir();
    const { child, connection } = await serve(dataDir);
    try {
      assert.match(connection.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
      for (const key of ["caCertFile", "tenantId", "subscriptionId", "clientId", "clientSecret", "authorityHost", "tokenUrl"] as const) assert.ok(connection[key], key);
      assert.ok(existsSync(connection.caCertFile));
      assert.ok(existsSync(join(dataDir, "metadata.db")));
      const subscription = await raw(connection, "GET", `/subscriptions/${connection.subscriptionId}?api-version=2021-04-01`);
      assert.equal(subscription.status, 200);
      const { stdout } = await promisify(execFile)(process.execPath, [BIN, "env", "--data-dir", dataDir]);
      assert.match(stdout, new RegExp(`export NODE_EXTRA_CA_CERTS='${connection.caCertFile}'`));
      assert.match(stdout, /export REQUESTS_CA_BUNDLE=/);
      assert.match(stdout, /export AZURE_CONFIG_DIR=/);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exitOf(child), 0);
  });

  it("keeps its data across a restart and honours file < environment < flags", async () => {
    const dataDir = freshDataDir();
    const configFile = join(dataDir, "vitrine.json");
    writeFileSync(configFile, JSON.stringify({ port: 1, limits: { galleries: 7, galleryImages: 70 } }));
    const first = await serve(dataDir, ["--config", configFile], { VITRINE_LIMIT_GALLERY_IMAGES: "71" });
    try {
      assert.doesNotMatch(first.connection.endpoint, /:1$/, "--port beats the config file");
      const usages = await raw(first.connection, "GET", `/subscriptions/${first.connection.subscriptionId}/providers/Microsoft.Compute/locations/westus/usages?api-version=2024-07-01`);
      const limits = Object.fromEntries((usages.body as { value: Array<{ name: { value: string }; limit: number }> }).value.map((u) => [u.name.value, u.limit]));
      assert.equal(limits.galleries, 7, "from the config file");
      assert.equal(limits.galleryImages, 71, "the environment beats the config file");
      const group = await raw(first.connection, "PUT", `/subscriptions/${first.connection.subscriptionId}/resourcegroups/kept?api-version=2021-04-01`, { body: { location: "westus" } });
      assert.equal(group.status, 201);
    } finally {
      first.child.kill("SIGINT");
    }
    assert.equal(await exitOf(first.child), 0);

    const second = await serve(dataDir);
    try {
      assert.equal(second.connection.clientSecret, first.connection.clientSecret);
      assert.equal(second.connection.subscriptionId, first.connection.subscriptionId);
      const group = await raw(second.connection, "GET", `/subscriptions/${second.connection.subscriptionId}/resourcegroups/kept?api-version=2021-04-01`);
      assert.equal(group.status, 200);
    } finally {
      second.child.kill("SIGTERM");
    }
    assert.equal(await exitOf(second.child), 0);
  });

  it("refuses a bad setting with a message naming it", async () => {
    const result = await promisify(execFile)(process.execPath, [BIN, "serve", "--data-dir", freshDataDir(), "--port", "99999"]).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /port must be an integer from 0 to 65535/);
  });
});
