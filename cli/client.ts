// The CLI's way to a server: where to find it (connection.json and environment overrides), a
// token from its token endpoint, HTTPS requests that trust the server's own CA, long-running
// operations followed the way az follows them, and ARM errors reported the way az reports them.

import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join, resolve } from "node:path";
import type { IncomingHttpHeaders } from "node:http";
import type { ConnectionInfo } from "../src/main.js";

export interface ConnectionFlags {
  dataDir?: string;
  connection?: string;
}

type Environment = Record<string, string | undefined>;

/** Each connection field and the environment variable that overrides it. */
const OVERRIDES: [keyof ConnectionInfo, string][] = [
  ["endpoint", "VITRINE_ENDPOINT"],
  ["caCertFile", "VITRINE_CA_CERT"],
  ["tenantId", "AZURE_TENANT_ID"],
  ["subscriptionId", "AZURE_SUBSCRIPTION_ID"],
  ["clientId", "AZURE_CLIENT_ID"],
  ["clientSecret", "AZURE_CLIENT_SECRET"],
  ["authorityHost", "AZURE_AUTHORITY_HOST"],
];

/**
 * The server to talk to: `--connection <file>`, else `<data dir>/connection.json` (data dir from
 * `--data-dir`, VITRINE_DATA_DIR or ./.vitrine), each field overridden by its environment variable.
 * Without a file, the environment alone may name a server.
 */
export function resolveConnection(flags: ConnectionFlags, env: Environment = process.env): ConnectionInfo {
  const file = resolve(flags.connection ?? join(flags.dataDir ?? env.VITRINE_DATA_DIR ?? ".vitrine", "connection.json"));
  let fromFile: Partial<ConnectionInfo> = {};
  let fileError: string | undefined;
  try {
    fromFile = JSON.parse(readFileSync(file, "utf8")) as Partial<ConnectionInfo>;
  } catch (error) {
    fileError = error instanceof Error ? error.message : String(error);
  }
  const merged: Partial<ConnectionInfo> = { ...fromFile };
  for (const [field, variable] of OVERRIDES) {
    const value = env[variable];
    if (value) merged[field] = value;
  }
  const missing = OVERRIDES.filter(([field]) => field !== "authorityHost" && !merged[field]).map(([, variable]) => variable);
  if (missing.length > 0) {
    const reason = fileError ? `cannot read ${file} (${fileError})` : `${file} lacks ${missing.join(", ")}`;
    throw new Error(`No server to talk to: ${reason}. Start one with \`vitrine serve\` and pass its --data-dir, or set ${missing.join(", ")}.`);
  }
  const connection = merged as ConnectionInfo;
  connection.endpoint = connection.endpoint.replace(/\/+$/, "");
  connection.authorityHost = (merged.authorityHost ?? connection.endpoint).replace(/\/+$/, "");
  // The file's token URL holds only while the tenant and authority it was made for still apply.
  const sameIssuer = fromFile.tenantId === connection.tenantId && fromFile.authorityHost?.replace(/\/+$/, "") === connection.authorityHost;
  if (!sameIssuer || !fromFile.tokenUrl) connection.tokenUrl = `${connection.authorityHost}/${connection.tenantId}/oauth2/v2.0/token`;
  return connection;
}

/** A failure the server reported: status, ARM code and message. `message` reads like az's first line. */
export class CliError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`(${code}) ${detail}`);
  }
}

/**
 * Prints an error the way az does and sets the exit code: 3 when a `show` finds nothing (az's
 * "resource not found" exit code), 1 otherwise. Anything that is not a CliError is rethrown.
 */
export function reportCliError(error: unknown, options: { show?: boolean } = {}): void {
  if (!(error instanceof CliError)) throw error;
  process.stderr.write(`${error.message}\nCode: ${error.code}\nMessage: ${error.detail}\n`);
  process.exitCode = options.show && error.status === 404 ? 3 : 1;
}

export interface ClientResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined when empty or not JSON. */
  body: unknown;
}

interface Token {
  value: string;
  expiresAt: number;
}

const TERMINAL = new Set(["succeeded", "failed", "canceled", "cancelled"]);
const LONG_RUNNING = new Set(["PUT", "PATCH", "DELETE", "POST"]);

export class VitrineClient {
  private token: Token | undefined;
  private readonly ca: Buffer;

  constructor(readonly connection: ConnectionInfo) {
    // The server's CA, passed explicitly: a freshly started server is trusted without NODE_EXTRA_CA_CERTS.
    try {
      this.ca = readFileSync(connection.caCertFile);
    } catch (error) {
      throw new Error(`Cannot read the server's CA certificate ${connection.caCertFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * An authenticated request to the server; `pathAndQuery` is relative to the endpoint or an
   * absolute URL (nextLink, operation status). Long-running operations are waited for: the
   * response is then the resource's state after the operation (PUT, PATCH: a fresh GET; POST: the
   * Location, if any), unless `wait` is false (az's --no-wait): then it is the first answer.
   * Error bodies are thrown as CliError.
   */
  async request(method: string, pathAndQuery: string, body?: unknown, options: { wait?: boolean } = {}): Promise<ClientResponse> {
    const response = await this.send(method, pathAndQuery, body);
    const operationUrl = headerOf(response.headers, "azure-asyncoperation");
    if (options.wait === false || !LONG_RUNNING.has(method) || operationUrl === undefined) return response;
    await this.waitFor(operationUrl, retryAfterSeconds(response.headers));
    if (method === "PUT" || method === "PATCH") return this.send("GET", pathAndQuery);
    const location = headerOf(response.headers, "location");
    if (method === "POST" && location !== undefined) return this.send("GET", location);
    return response;
  }

  /** Every item of an ARM list, following nextLink. */
  async listAll(pathAndQuery: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let next: string | undefined = pathAndQuery;
    while (next !== undefined) {
      const page = (await this.request("GET", next)).body as { value?: unknown[]; nextLink?: string | null } | undefined;
      items.push(...(page?.value ?? []));
      next = page?.nextLink ?? undefined;
    }
    return items;
  }

  private async waitFor(operationUrl: string, initialDelay: number): Promise<void> {
    // The first poll goes out at once: this server usually finishes within the request. The
    // next ones follow after 50 ms, doubling up to Retry-After: most operations of this server
    // take well under its one-second Retry-After (an upload's ingest, a copy of a small disk).
    let delay = initialDelay;
    for (let polls = 0; ; polls++) {
      const poll = await this.send("GET", operationUrl);
      const status = (poll.body as { status?: unknown } | undefined)?.status;
      if (typeof status !== "string") throw new CliError(poll.status, "BadResponse", `No status found in the body of ${operationUrl}.`);
      if (TERMINAL.has(status.toLowerCase())) {
        if (status.toLowerCase() === "succeeded") return;
        throw errorFromBody(poll.status, poll.body) ?? new CliError(poll.status, status, `The operation ended with status '${status}'.`);
      }
      await new Promise((done) => setTimeout(done, Math.min(delay, FIRST_POLL_SECONDS * 2 ** polls) * 1000));
      delay = retryAfterSeconds(poll.headers, initialDelay);
    }
  }

  private async send(method: string, pathAndQuery: string, body?: unknown): Promise<ClientResponse> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.accessToken()}`, accept: "application/json" };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers["content-type"] = "application/json";
    const response = await this.exchange(method, new URL(pathAndQuery, this.connection.endpoint), headers, payload);
    if (response.status >= 400) {
      throw errorFromBody(response.status, response.body) ?? new CliError(response.status, `Http${response.status}`, `${method} ${pathAndQuery} failed with status ${response.status}.`);
    }
    return response;
  }

  private async accessToken(): Promise<string> {
    // Renewed a minute early so a token never expires in flight.
    if (this.token && this.token.expiresAt - 60_000 > Date.now()) return this.token.value;
    const { connection } = this;
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: connection.clientId,
      client_secret: connection.clientSecret,
      scope: `${connection.endpoint}/.default`,
    }).toString();
    const response = await this.exchange("POST", new URL(connection.tokenUrl), { "content-type": "application/x-www-form-urlencoded", accept: "application/json" }, form);
    const token = response.body as { access_token?: string; expires_in?: number | string; error?: string; error_description?: string } | undefined;
    if (response.status >= 400 || !token?.access_token) {
      throw new CliError(response.status, token?.error ?? "TokenRequestFailed", token?.error_description ?? `The token endpoint ${connection.tokenUrl} answered ${response.status}.`);
    }
    this.token = { value: token.access_token, expiresAt: Date.now() + Number(token.expires_in ?? 3600) * 1000 };
    return this.token.value;
  }

  private exchange(method: string, url: URL, headers: Record<string, string>, payload?: string): Promise<ClientResponse> {
    if (payload !== undefined) headers["content-length"] = String(Buffer.byteLength(payload));
    return new Promise((done, fail) => {
      const outgoing = httpsRequest(url, { method, headers, ca: this.ca }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("error", fail);
        incoming.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          done({ status: incoming.statusCode ?? 0, headers: incoming.headers, body });
        });
      });
      outgoing.on("error", (error) => fail(new Error(`Cannot reach ${url.origin}: ${error.message}`)));
      outgoing.end(payload);
    });
  }
}

function errorFromBody(status: number, body: unknown): CliError | undefined {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.code !== "string") return undefined;
  return new CliError(status, error.code, typeof error.message === "string" ? error.message : "");
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The delay before the second poll of an operation; it doubles until it reaches Retry-After. */
const FIRST_POLL_SECONDS = 0.05;

function retryAfterSeconds(headers: IncomingHttpHeaders, fallback = 1): number {
  const seconds = Number(headerOf(headers, "retry-after"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : fallback;
}
