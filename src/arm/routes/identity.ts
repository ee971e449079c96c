// The server's own identity provider, laid out the way clients look for one:
// - `@azure/identity` (MSAL Node) with authorityHost = this server and instance discovery off:
//   GET /{tenant}/v2.0/.well-known/openid-configuration, POST /{tenant}/oauth2/v2.0/token;
// - az (MSAL Python) with an ADFS authority: GET /adfs/.well-known/openid-configuration,
//   POST /adfs/oauth2/token; az finds the authority through GET /metadata/endpoints.
// Grants: client_credentials (service principals) and password (users; the resource-owner
// password flow that @azure/identity's UsernamePasswordCredential and MSAL use). Tokens carry
// tid, oid, appid and groups. Token errors use the OAuth2 shape ({error, error_description}).

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { TokenSubject } from "../../identity/tokens.js";
import type { ServerContext } from "../context.js";

const TENANT_LESS = new Set(["adfs", "common", "organizations", "consumers"]);

export function registerIdentityRoutes(app: FastifyInstance, context: ServerContext): void {
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.get("/metadata/endpoints", async () => {
    const url = context.publicUrl();
    return {
      galleryEndpoint: `${url}/`,
      graphEndpoint: `${url}/`,
      portalEndpoint: `${url}/portal/`,
      name: "Vitrine",
      authentication: { loginEndpoint: `${url}/adfs`, audiences: [`${url}/`], tenant: "adfs", identityProvider: "ADFS" },
      suffixes: { storage: "localhost" },
    };
  });

  for (const prefix of ["/:tenant", "/:tenant/v2.0"]) {
    app.get(`${prefix}/.well-known/openid-configuration`, async (request: FastifyRequest<{ Params: { tenant: string } }>) =>
      openIdConfiguration(context.publicUrl(), request.params.tenant),
    );
  }
  for (const path of ["/:tenant/discovery/keys", "/:tenant/discovery/v2.0/keys"]) {
    app.get(path, async () => ({ keys: [context.tokens.publicJwk] }));
  }
  for (const path of ["/:tenant/oauth2/token", "/:tenant/oauth2/v2.0/token"]) {
    app.post(path, (request: FastifyRequest<{ Params: { tenant: string } }>, reply) => issueToken(context, request, reply));
  }
}

function openIdConfiguration(url: string, tenant: string): Record<string, unknown> {
  const adfs = tenant.toLowerCase() === "adfs";
  const base = `${url}/${tenant}`;
  const oauth = adfs ? `${base}/oauth2` : `${base}/oauth2/v2.0`;
  return {
    issuer: adfs ? base : `${base}/v2.0`,
    authorization_endpoint: `${oauth}/authorize`,
    token_endpoint: `${oauth}/token`,
    device_authorization_endpoint: `${oauth}/devicecode`,
    jwks_uri: adfs ? `${base}/discovery/keys` : `${base}/discovery/v2.0/keys`,
    response_types_supported: ["code", "token"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
    grant_types_supported: ["client_credentials", "password"],
    tenant_region_scope: "NA",
    cloud_instance_name: "vitrine",
  };
}

type TokenForm = Record<string, string | undefined>;

async function issueToken(context: ServerContext, request: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) {
  const form = (request.body ?? {}) as TokenForm;
  const oauthError = (status: number, error: string, description: string) =>
    reply.status(status).send({ error, error_description: description, error_codes: [], timestamp: context.clock.now().toISOString() });

  if (form.grant_type !== "client_credentials" && form.grant_type !== "password") {
    return oauthError(400, "unsupported_grant_type", `AADSTS70003: The grant type '${form.grant_type ?? ""}' is not supported; use client_credentials or password.`);
  }
  const [basicId, basicSecret] = basicCredentials(request.headers.authorization);
  const clientId = form.client_id ?? basicId;
  const audience = audienceOf(form);
  if (!audience) return oauthError(400, "invalid_scope", "AADSTS1002012: The provided value for scope or resource is not valid; request '<endpoint>/.default'.");
  if (!allowedAudiences(context).some((allowed) => sameAudience(allowed, audience))) {
    return oauthError(400, "invalid_resource", `AADSTS500011: The resource principal named ${audience} was not found. Tokens are issued for ${context.publicUrl()}.`);
  }
  const tenant = request.params.tenant.toLowerCase();
  const tenantOrAny = TENANT_LESS.has(tenant) ? undefined : tenant;

  let subject: TokenSubject;
  if (form.grant_type === "password") {
    if (!clientId || !form.username || !form.password) return oauthError(400, "invalid_request", "AADSTS900144: The request body must contain client_id, username and password.");
    const user = await context.directory.authenticateUser(tenantOrAny, form.username, form.password);
    if (!user) return oauthError(400, "invalid_grant", `AADSTS50126: Error validating credentials due to invalid username or password (user '${form.username}', tenant '${tenant}').`);
    subject = { tenantId: user.tenantId, objectId: user.objectId, appId: clientId, userPrincipalName: user.userPrincipalName, groups: await context.directory.groupsOf(user.objectId) };
  } else {
    const clientSecret = form.client_secret ?? basicSecret;
    if (!clientId || !clientSecret) return oauthError(400, "invalid_request", "AADSTS900144: The request body must contain client_id and client_secret.");
    const principal = await context.directory.authenticate(tenantOrAny, clientId, clientSecret);
    if (!principal) return oauthError(401, "invalid_client", `AADSTS7000215: Invalid client secret provided, or no application '${clientId}' in tenant '${tenant}'.`);
    subject = { tenantId: principal.tenantId, objectId: principal.objectId, appId: principal.appId, groups: await context.directory.groupsOf(principal.objectId) };
  }

  const { token, expiresIn } = await context.tokens.issue(subject, audience, context.publicUrl());
  return reply.header("cache-control", "no-store").send({
    token_type: "Bearer",
    expires_in: expiresIn,
    ext_expires_in: expiresIn,
    access_token: token,
    resource: audience,
    ...(subject.userPrincipalName !== undefined && userSignInExtras(subject, clientId ?? "", context.publicUrl(), context.clock.now())),
  });
}

/**
 * What MSAL wants besides the access token when a user signs in: `client_info` (uid, utid) to name
 * the account, and an id token describing the user (unsigned: MSAL reads it, it authorizes nothing).
 */
function userSignInExtras(subject: TokenSubject, clientId: string, url: string, at: Date): Record<string, string> {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(at.getTime() / 1000);
  const claims = {
    aud: clientId,
    iss: `${url}/${subject.tenantId}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    oid: subject.objectId,
    sub: subject.objectId,
    tid: subject.tenantId,
    preferred_username: subject.userPrincipalName,
    name: subject.userPrincipalName,
    ver: "2.0",
  };
  return {
    client_info: b64({ uid: subject.objectId, utid: subject.tenantId }),
    id_token: `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`,
    scope: "openid profile offline_access",
  };
}

/** The resource a token is for: `resource` (v1) or the first `<resource>/.default` scope (v2). */
function audienceOf(form: TokenForm): string | undefined {
  if (form.resource) return form.resource;
  const scope = form.scope?.split(/\s+/).find((s) => s.endsWith("/.default"));
  return scope?.slice(0, -"/.default".length);
}

/** The audiences tokens may be issued for and are accepted with: this server, under either loopback name. */
export function allowedAudiences(context: ServerContext): readonly string[] {
  const publicUrl = context.publicUrl();
  const known = audiencesByServer.get(context);
  if (known?.publicUrl === publicUrl) return known.audiences;
  const url = new URL(publicUrl);
  const names = ["localhost", "127.0.0.1"].includes(url.hostname) ? ["localhost", "127.0.0.1"] : [url.hostname];
  const audiences = names.map((name) => `${url.protocol}//${name}${url.port ? `:${url.port}` : ""}`);
  audiencesByServer.set(context, { publicUrl, audiences });
  return audiences;
}

/** Each server's audiences for its public URL: every authenticated request asks, and the URL is set once the server listens. */
const audiencesByServer = new WeakMap<ServerContext, { publicUrl: string; audiences: readonly string[] }>();

const sameAudience = (a: string, b: string): boolean => a.replace(/\/+$/, "").toLowerCase() === b.replace(/\/+$/, "").toLowerCase();

function basicCredentials(header: string | undefined): [string?, string?] {
  if (!header?.toLowerCase().startsWith("basic ")) return [];
  const [id, secret] = Buffer.from(header.slice(6), "base64").toString("utf8").split(":");
  return [id && decodeURIComponent(id), secret && decodeURIComponent(secret)];
}
