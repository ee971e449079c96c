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

  it("refuses tokens for another audience, signed by another server, or naming another tenant's issuer", async () => {
    const path = `/subscriptions/${server.connection.subscriptionId}?api-version=2021-04-01`;
    const code = async (token: string) => {
      const response = await raw(server.connection, "GET", path, { token });
      return `${response.status} ${(response.body as { error: { code: string } }).error.code}`;
    };
    const subject: TokenSubject = { tenantId: server.connection.tenantId, objectId: "00000000-0000-0000-0000-000000000001", appId: server.connection.clientId, groups: [] };
    const store = await openMetadataStore(`${server.dataDir}/metadata.db`);
    const other = await openMetadataStore("sqlite::memory:");
    try {
      const ours = await TokenService.open(store, clock);
      const endpoint = server.connection.endpoint;
      assert.equal(await code((await ours.issue(subject, "https://elsewhere.example", endpoint)).token), "401 InvalidAuthenticationTokenAudience");
      assert.equal(await code((await ours.issue(subject, endpoint, "https://another-issuer.example")).token), "401 InvalidAuthenticationToken");
      const stranger = await TokenService.open(other, clock);
      assert.equal(await code((await stranger.issue(subject, endpoint, endpoint)).token), "401 InvalidAuthenticationToken", "signed with another server's key");
      const asOtherTenant = await ours.issue({ ...subject, tenantId: "11111111-1111-1111-1111-111111111111" }, endpoint, endpoint);
      assert.equal(await code(asOtherTenant.token), "401 InvalidAuthenticationTokenTenant", "a well-signed token of another tenant, with no role here");
    } finally {
      await store.close();
      await other.close();
    }
    const refused = await fetch(`${server.connection.endpoint}/${server.connection.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: server.connection.clientId, client_secret: server.connection.clientSecret, scope: "https://management.azure.com/.default" }),
    });
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { error: string }).error, "invalid_resource", "the token endpoint issues tokens for this server only");
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
