// Token checks: expiry, audience, issuer and signature, through the server and on the service.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { TokenService, type TokenSubject } from "../../src/identity/tokens.js";
import type { MetadataStore } from "../../src/ports/metadata-store.js";
import { openMetadataStore } from "../../src/store/open-store.js";
import { raw, tokenFor } from "../support/clients.js";
import { ManualClock, startTestServer, type TestServer } from "../support/server.js";

describe("tokens through the server", () => {
  const clock = new ManualClock();
  let server: TestServer;
  before(async () => {
    server = await startTestServer({}, undefined, { clock });
  });
  after(() => server.close());

  it("refuses an expired token with ExpiredAuthenticationToken", async () => {
    const token = await tokenFor(server.connection);
    const path = `/subscriptions/${server.connection.subscriptionId}?api-version=2021-04-01`;
    assert.equal((await raw(server.connection, "GET", path, { token })).status, 200);
    clock.advance(2 * 3600 * 1000);
    const expired = await raw(server.connection, "GET", path, { token });
    assert.equal(expired.status, 401);
    assert.equal((expired.body as { error: { code: string } }).error.code, "ExpiredAuthenticationToken");
  });
});

describe("TokenService", () => {
  const clock = new ManualClock(new Date("2030-01-01T00:00:00Z"));
  const principal: TokenSubject = { appId: "app", objectId: "oid", tenantId: "tid", groups: [] };
  let store: MetadataStore;
  before(async () => {
    store = await openMetadataStore("sqlite::memory:");
  });
  after(() => store.close());

  it("keeps one signing key per store", async () => {
    const a = await TokenService.open(store, clock);
    const b = await TokenService.open(store, clock);
    assert.deepEqual(a.publicJwk, b.publicJwk);
    const { token } = await a.issue(principal, "https://h:1", "https://h:1");
    assert.equal((await b.verify(token, ["https://h:1/"], "https://h:1")).ok, true, "trailing slashes do not matter");
  });

  it("checks audience and issuer", async () => {
    const tokens = await TokenService.open(store, clock);
    const { token } = await tokens.issue(principal, "https://other:1", "https://h:1");
    const audience = await tokens.verify(token, ["https://h:1"], "https://h:1");
    assert.deepEqual(audience, { ok: false, reason: "audience", audience: "https://other:1" });
    const { token: foreign } = await tokens.issue(principal, "https://h:1", "https://elsewhere:1");
    assert.equal((await tokens.verify(foreign, ["https://h:1"], "https://h:1")).ok, false);
  });

  it("refuses a token signed with another key", async () => {
    const other = await openMetadataStore("sqlite::memory:");
    try {
      const stranger = await TokenService.open(other, clock);
      const { token } = await stranger.issue(principal, "https://h:1", "https://h:1");
      const result = await (await TokenService.open(store, clock)).verify(token, ["https://h:1"], "https://h:1");
      assert.equal(result.ok, false);
      assert.equal(result.ok === false && result.reason, "invalid");
    } finally {
      await other.close();
    }
  });
});
