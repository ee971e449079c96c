// ARM conventions over raw HTTPS, for what the SDKs never send: missing api-version, broken
// bodies, bad tokens, odd casing; and the headers the SDKs' pollers depend on.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { raw, tokenFor } from "../support/clients.js";
import { startTestServer, type TestServer } from "../support/server.js";

const V = "api-version=2024-03-03";

describe("ARM plumbing", () => {
  let server: TestServer;
  let sub: string;
  let token: string;
  const errorOf = (body: unknown) => (body as { error: { code: string; message: string; target?: string } }).error;

  before(async () => {
    server = await startTestServer({ pageSize: 2, maxBodyBytes: 64 * 1024 });
    sub = `/subscriptions/${server.connection.subscriptionId}`;
    token = await tokenFor(server.connection);
    const group = await raw(server.connection, "PUT", `${sub}/resourcegroups/rg1?api-version=2021-04-01`, { token, body: { location: "westus" } });
    assert.equal(group.status, 201);
  });
  after(() => server.close());

  it("requires api-version, and a published one per resource type", async () => {
    const missing = await raw(server.connection, "GET", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries`, { token });
    assert.equal(missing.status, 400);
    assert.equal(errorOf(missing.body).code, "MissingApiVersionParameter");
    assert.equal(errorOf(missing.body).message, "The api-version query parameter (?api-version=) is required for all requests.");

    const unpublished = await raw(server.connection, "GET", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries?api-version=2022-08-01`, { token });
    assert.equal(unpublished.status, 400);
    assert.equal(errorOf(unpublished.body).code, "NoRegisteredProviderFound");
    assert.match(errorOf(unpublished.body).message, /API version '2022-08-01' for type 'galleries'. The supported api-versions are '2018-06-01, .*2025-12-03'/);

    const appsTooOld = await raw(server.connection, "GET", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries/g/applications?api-version=2018-06-01`, { token });
    assert.equal(errorOf(appsTooOld.body).code, "NoRegisteredProviderFound");

    const malformed = await raw(server.connection, "GET", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries?api-version=latest`, { token });
    assert.equal(errorOf(malformed.body).code, "InvalidApiVersionParameter");

    for (const version of ["2021-07-01", "2021-10-01", "2022-01-03", "2022-03-03", "2024-03-03", "2025-03-03", "2025-12-03"]) {
      const ok = await raw(server.connection, "GET", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries?api-version=${version}`, { token });
      assert.equal(ok.status, 200, version);
    }
  });

  it("answers every failure in the ARM envelope", async () => {
    const broken = await raw(server.connection, "PUT", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries/g1?${V}`, { token, rawBody: '{"location": "westus",' });
    assert.equal(broken.status, 400);
    assert.equal(errorOf(broken.body).code, "InvalidRequestContent");

    const typed = await raw(server.connection, "PUT", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries/g1/images/i1?${V}`, {
      token,
      body: { location: "westus", properties: { osType: "Linux", osState: "Generalized", identifier: { publisher: "p", offer: "o", sku: "s" }, recommended: { vCPUs: { min: "many" } } } },
    });
    assert.equal(errorOf(typed.body).code, "InvalidRequestContent");

    const huge = await raw(server.connection, "PUT", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries/g1?${V}`, {
      token,
      body: { location: "westus", properties: { description: "x".repeat(100 * 1024) } },
    });
    assert.equal(huge.status, 413);
    assert.equal(errorOf(huge.body).code, "RequestEntityTooLarge");

    const text = await raw(server.connection, "PUT", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries/g1?${V}`, {
      token,
      rawBody: "hello",
      headers: { "content-type": "text/plain" },
    });
    assert.equal(text.status, 415);
    assert.equal(errorOf(text.body).code, "UnsupportedMediaType");

    const unknown = await raw(server.connection, "GET", `/nowhere?${V}`, { token });
    assert.equal(unknown.status, 404);
    assert.equal(errorOf(unknown.body).code, "NotFound");

    const unknownType = await raw(server.connection, "GET", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/teapots?${V}`, { token });
    assert.equal(errorOf(unknownType.body).code, "InvalidResourceType");

    const otherNamespace = await raw(server.connection, "GET", `${sub}/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts?${V}`, { token });
    assert.equal(errorOf(otherNamespace.body).code, "InvalidResourceNamespace");

    const badSubscription = await raw(server.connection, "GET", `/subscriptions/not-a-guid/resourcegroups?api-version=2021-04-01`, { token });
    assert.equal(errorOf(badSubscription.body).code, "InvalidSubscriptionId");

    const noSubscription = await raw(server.connection, "GET", `/subscriptions/00000000-0000-0000-0000-00000000abcd/resourcegroups?api-version=2021-04-01`, { token });
    assert.equal(noSubscription.status, 404);
    assert.equal(errorOf(noSubscription.body).code, "SubscriptionNotFound");
  });

  it("authenticates every ARM request", async () => {
    const path = `${sub}/resourcegroups?api-version=2021-04-01`;
    const none = await raw(server.connection, "GET", path, { token: null });
    assert.equal(none.status, 401);
    assert.equal(errorOf(none.body).code, "AuthenticationFailed");

    const forged = await raw(server.connection, "GET", path, { token: `${token.slice(0, -4)}AAAA` });
    assert.equal(forged.status, 401);
    assert.equal(errorOf(forged.body).code, "InvalidAuthenticationToken");

    const basic = await raw(server.connection, "GET", path, { token: null, headers: { authorization: "Basic abc" } });
    assert.equal(errorOf(basic.body).code, "AuthenticationFailed");

    const wrongSecret = await fetch(server.connection.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: server.connection.clientId, client_secret: "nope", scope: `${server.connection.endpoint}/.default` }),
    });
    assert.equal(wrongSecret.status, 401);
    assert.equal(((await wrongSecret.json()) as { error: string }).error, "invalid_client");

    const otherAudience = await fetch(server.connection.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: server.connection.clientId, client_secret: server.connection.clientSecret, scope: "https://management.azure.com/.default" }),
    });
    assert.equal(otherAudience.status, 400);
  });

  it("matches paths case-insensitively and keeps the user's casing", async () => {
    const created = await raw(server.connection, "PUT", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries/MixedCase?${V}`, {
      token,
      body: { location: "West US", properties: { description: "d" } },
    });
    assert.equal(created.status, 201);
    const upper = await raw(server.connection, "GET", `${sub.toUpperCase()}/RESOURCEGROUPS/RG1/PROVIDERS/MICROSOFT.COMPUTE/GALLERIES/MIXEDCASE?${V}`, { token });
    assert.equal(upper.status, 200);
    const body = upper.body as { name: string; id: string; location: string; type: string };
    assert.equal(body.name, "MixedCase");
    assert.equal(body.location, "westus");
    assert.equal(body.type, "Microsoft.Compute/galleries");
    assert.match(body.id, /\/galleries\/MixedCase$/);
  });

  it("sends request ids and long-running-operation headers that pollers follow", async () => {
    const put = await raw(server.connection, "PUT", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries/lro?${V}`, {
      token,
      body: { location: "westus" },
      headers: { "x-ms-client-request-id": "client-1", "x-ms-correlation-request-id": "corr-1" },
    });
    assert.equal(put.status, 201);
    assert.ok(put.headers.get("x-ms-request-id"));
    assert.equal(put.headers.get("x-ms-correlation-request-id"), "corr-1");
    assert.equal(put.headers.get("x-ms-client-request-id"), "client-1");
    assert.equal(put.headers.get("retry-after"), "1");
    const operationUrl = put.headers.get("azure-asyncoperation");
    assert.ok(operationUrl?.startsWith(`${server.connection.endpoint}${sub}/providers/Microsoft.Compute/locations/westus/capsOperations/`));
    const status = await raw(server.connection, "GET", (operationUrl ?? "").slice(server.connection.endpoint.length), { token });
    assert.equal(status.status, 200);
    assert.equal((status.body as { status: string }).status, "Succeeded");

    const again = await raw(server.connection, "PUT", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries/lro?${V}`, { token, body: { location: "westus" } });
    assert.equal(again.status, 200);

    const del = await raw(server.connection, "DELETE", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries/lro?${V}`, { token });
    assert.equal(del.status, 202);
    assert.ok(del.headers.get("azure-asyncoperation"));
    assert.ok(del.headers.get("location")?.includes("monitor=true"));
    const delAgain = await raw(server.connection, "DELETE", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries/lro?${V}`, { token });
    assert.equal(delAgain.status, 204);

    const foreign = await raw(server.connection, "GET", `${sub}/providers/Microsoft.Compute/locations/westus/capsOperations/00000000-0000-0000-0000-000000000000?${V}`, { token });
    assert.equal(errorOf(foreign.body).code, "OperationNotFound");
  });

  it("pages lists with absolute nextLinks", async () => {
    for (const name of ["p1", "p2", "p3"]) {
      await raw(server.connection, "PUT", `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries/${name}?${V}`, { token, body: { location: "westus" } });
    }
    const names: string[] = [];
    let path: string | undefined = `${sub}/resourceGroups/rg1/providers/Microsoft.Compute/galleries?${V}`;
    let pages = 0;
    while (path) {
      const page = await raw(server.connection, "GET", path, { token });
      const body = page.body as { value: Array<{ name: string }>; nextLink?: string };
      names.push(...body.value.map((g) => g.name));
      assert.ok(body.value.length <= 2);
      path = body.nextLink?.slice(server.connection.endpoint.length);
      if (body.nextLink) assert.ok(body.nextLink.startsWith(server.connection.endpoint));
      pages++;
    }
    assert.ok(pages >= 2);
    for (const name of ["p1", "p2", "p3"]) assert.ok(names.includes(name));
    assert.equal(new Set(names).size, names.length, "no gallery twice");
  });

  it("serves az's discovery documents", async () => {
    const metadata = await raw(server.connection, "GET", "/metadata/endpoints?api-version=2015-01-01", { token: null });
    const body = metadata.body as { authentication: { loginEndpoint: string; audiences: string[] } };
    assert.equal(body.authentication.loginEndpoint, `${server.connection.endpoint}/adfs`);
    assert.deepEqual(body.authentication.audiences, [`${server.connection.endpoint}/`]);
    const openid = await raw(server.connection, "GET", "/adfs/.well-known/openid-configuration", { token: null });
    const config = openid.body as Record<string, string>;
    for (const key of ["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"]) assert.ok(config[key], key);
    const keys = await raw(server.connection, "GET", `/${server.connection.tenantId}/discovery/v2.0/keys`, { token: null });
    assert.equal((keys.body as { keys: Array<{ kty: string; d?: string }> }).keys[0]?.kty, "RSA");
    assert.equal((keys.body as { keys: Array<{ d?: string }> }).keys[0]?.d, undefined, "the private part is never published");
  });
});
