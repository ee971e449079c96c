// Every property of the spec's example bodies survives PUT and GET unchanged, whatever
// api-version the client speaks (one superset model is served for all of them).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { raw, tokenFor } from "../support/clients.js";
import { startTestServer, type TestServer } from "../support/server.js";

type Json = Record<string, unknown>;
const examples = (file: string): Record<string, Json> => JSON.parse(readFileSync(`test/fixtures/spec-examples/${file}`, "utf8")) as Record<string, Json>;

/** Every leaf of `expected` is in `actual` (enums and dates compared as the service canonicalises them). */
function assertContains(actual: unknown, expected: unknown, path: string): void {
  if (expected !== null && typeof expected === "object" && !Array.isArray(expected)) {
    assert.ok(actual !== null && typeof actual === "object", `${path} is missing`);
    for (const [key, value] of Object.entries(expected)) assertContains((actual as Json)[key], value, `${path}.${key}`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${path} differs`);
    expected.forEach((value, i) => assertContains((actual as unknown[])[i], value, `${path}[${i}]`));
  } else {
    assert.equal(actual, expected, path);
  }
}

describe("spec examples round-trip", () => {
  let server: TestServer;
  let token: string;
  let base: string;
  const put = (path: string, body: unknown, version = "2024-03-03") => raw(server.connection, "PUT", `${base}${path}?api-version=${version}`, { token, body });
  const get = (path: string, version = "2024-03-03") => raw(server.connection, "GET", `${base}${path}?api-version=${version}`, { token });

  before(async () => {
    server = await startTestServer();
    token = await tokenFor(server.connection);
    const sub = `/subscriptions/${server.connection.subscriptionId}`;
    await raw(server.connection, "PUT", `${sub}/resourcegroups/rg?api-version=2021-04-01`, { token, body: { location: "westus" } });
    base = `${sub}/resourceGroups/rg/providers/Microsoft.Compute`;
  });
  after(() => server.close());

  it("galleries", async () => {
    for (const [name, body] of Object.entries(examples("galleries.json"))) {
      const gallery = name.replace(/_/g, "");
      const created = await put(`/galleries/${gallery}`, body);
      assert.equal(created.status, 201, `${name}: ${created.text}`);
      for (const version of ["2021-10-01", "2024-03-03", "2025-12-03"]) {
        const read = (await get(`/galleries/${gallery}`, version)).body as Json;
        assertContains(read.properties, body.properties, `${name}.properties`);
        assert.equal(read.location, "westus");
      }
    }
  });

  it("image definitions", async () => {
    await put("/galleries/defs", { location: "westus" });
    for (const [name, body] of Object.entries(examples("gallery-images.json"))) {
      // An *_Update example is a PATCH body for the definition its *_Create sibling made.
      const isUpdate = name.endsWith("_Update");
      const path = `/galleries/defs/images/${name.replace(/_Update$/, "_Create").replace(/_/g, "-")}`;
      const response = isUpdate
        ? await raw(server.connection, "PATCH", `${base}${path}?api-version=2024-03-03`, { token, body })
        : await put(path, body);
      assert.ok(response.status === 201 || response.status === 200, `${name}: ${response.text}`);
      assertContains((await get(path)).body, { properties: body.properties }, name);
    }
  });

  it("gallery applications", async () => {
    await put("/galleries/apps", { location: "westus" });
    for (const [name, body] of Object.entries(examples("gallery-applications.json"))) {
      const path = `/galleries/apps/applications/${name.replace(/_/g, "-")}`;
      const response = await put(path, body, "2021-07-01");
      assert.equal(response.status, 201, `${name}: ${response.text}`);
      assertContains((await get(path, "2022-03-03")).body, { properties: body.properties }, name);
    }
  });
});
