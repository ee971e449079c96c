// Real clients of a test server: the Azure SDK for JavaScript, as a user would set it up (README),
// and a raw HTTPS helper for what the SDK cannot send (malformed bodies, missing api-version).

import { ComputeManagementClient } from "@azure/arm-compute";
import { ResourceManagementClient } from "@azure/arm-resources";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import { ClientSecretCredential } from "@azure/identity";
import type { ConnectionInfo } from "../../src/main.js";

export function credentialFor(connection: Pick<ConnectionInfo, "tenantId" | "clientId" | "clientSecret" | "authorityHost">): ClientSecretCredential {
  return new ClientSecretCredential(connection.tenantId, connection.clientId, connection.clientSecret, {
    authorityHost: connection.authorityHost,
    disableInstanceDiscovery: true,
  });
}

export function sdkClients(connection: ConnectionInfo, subscriptionId = connection.subscriptionId) {
  const credential = credentialFor(connection);
  const options = { endpoint: connection.endpoint, credentials: { scopes: [`${connection.endpoint}/.default`] } };
  return {
    credential,
    compute: new ComputeManagementClient(credential, subscriptionId, options),
    resources: new ResourceManagementClient(credential, subscriptionId, { ...options, $host: connection.endpoint }),
    subscriptions: new SubscriptionClient(credential, { ...options, $host: connection.endpoint }),
  };
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/** A token for the server, from its token endpoint, the way any OAuth2 client gets one. */
export async function tokenFor(connection: Pick<ConnectionInfo, "tokenUrl" | "clientId" | "clientSecret" | "endpoint">): Promise<string> {
  const response = await fetch(connection.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: connection.clientId,
      client_secret: connection.clientSecret,
      scope: `${connection.endpoint}/.default`,
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

export async function raw(
  connection: ConnectionInfo,
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const token = options.token === undefined ? await tokenFor(connection) : options.token;
  const headers: Record<string, string> = { ...options.headers };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
  const response = await fetch(`${connection.endpoint}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}
