// The ARM client of the portal: the same API and token as any SDK, from the page's own origin.
// The token lives in sessionStorage: it goes when the tab closes.

export const API = { gallery: "2024-03-03", resources: "2022-12-01", authorization: "2022-04-01", compute: "2024-07-01", vitrine: "2026-11-01" };

export interface Session {
  token: string;
  tenant: string;
  claims: Record<string, unknown>;
}

/** An ARM error: `target` names the property the server refused (docs/errors.md). */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
  ) {
    super(message);
  }
}

const KEY = "vitrine.session";

export function session(): Session | undefined {
  const saved = sessionStorage.getItem(KEY);
  if (!saved) return undefined;
  const value = JSON.parse(saved) as Session;
  const exp = Number(value.claims.exp ?? 0);
  return exp * 1000 > Date.now() ? value : undefined;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

/** Client credentials (service principal) or the password grant (user), at the tenant's token endpoint. */
export async function signIn(tenant: string, credentials: { clientId: string; clientSecret: string } | { clientId: string; username: string; password: string }): Promise<Session> {
  const form = new URLSearchParams({ client_id: credentials.clientId, scope: `${location.origin}/.default` });
  if ("clientSecret" in credentials) {
    form.set("grant_type", "client_credentials");
    form.set("client_secret", credentials.clientSecret);
  } else {
    form.set("grant_type", "password");
    form.set("username", credentials.username);
    form.set("password", credentials.password);
  }
  const response = await fetch(`/${encodeURIComponent(tenant)}/oauth2/v2.0/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form });
  const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!body.access_token) throw new ArmError(response.status, body.error ?? "sign_in_failed", body.error_description ?? "Sign-in failed.");
  const payload = body.access_token.split(".")[1] ?? "";
  const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
  const value: Session = { token: body.access_token, tenant: String(claims.tid ?? tenant), claims };
  sessionStorage.setItem(KEY, JSON.stringify(value));
  return value;
}

/** One ARM call; long-running answers are polled to their end. Errors throw ArmError. */
export async function arm<T = Record<string, unknown>>(method: string, path: string, apiVersion: string, body?: unknown): Promise<T> {
  const url = path.startsWith("https://") ? path : `${path}${path.includes("?") ? "&" : "?"}api-version=${apiVersion}`;
  const response = await call(method, url, body);
  const poll = response.headers.get("azure-asyncoperation");
  if (poll && (response.status === 201 || response.status === 202)) {
    await untilDone(poll);
    if (method === "DELETE") return undefined as T;
    return arm<T>("GET", path, apiVersion);
  }
  return (await parsed(response)) as T;
}

/** Every item of a list, following nextLink. */
export async function list<T = Record<string, unknown>>(path: string, apiVersion: string): Promise<T[]> {
  const items: T[] = [];
  let page = await arm<{ value: T[]; nextLink?: string }>("GET", path, apiVersion);
  items.push(...page.value);
  while (page.nextLink) {
    page = await arm<{ value: T[]; nextLink?: string }>("GET", page.nextLink, apiVersion);
    items.push(...page.value);
  }
  return items;
}

async function call(method: string, url: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${session()?.token ?? ""}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  return fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function parsed(response: Response): Promise<unknown> {
  const text = await response.text();
  const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  if (response.ok) return body;
  const error = (body?.error ?? {}) as { code?: string; message?: string; target?: string };
  throw new ArmError(response.status, error.code ?? String(response.status), error.message ?? response.statusText, error.target ?? pathInMessage(error.message));
}

/** Deserialization errors name the property only in their message ("... Path 'properties.endOfLifeDate'."). */
const pathInMessage = (message: string | undefined): string | undefined => /Path '([^']+)'/.exec(message ?? "")?.[1];

async function untilDone(url: string): Promise<void> {
  for (;;) {
    const status = (await parsed(await call("GET", url))) as { status: string; error?: { code: string; message: string; target?: string } };
    if (status.status === "Succeeded") return;
    if (status.status !== "InProgress") throw new ArmError(400, status.error?.code ?? status.status, status.error?.message ?? status.status, status.error?.target);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
