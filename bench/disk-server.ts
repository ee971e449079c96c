// A Vitrine server for the disk benchmarks, run as users run it: `vitrine serve` in a child
// process of its own (so its memory can be read from /proc and its CPU is not the bench's), found
// through the connection.json it writes; and a small ARM client for it over keep-alive HTTPS.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, closeSync } from "node:fs";
import { Agent, request } from "node:https";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ConnectionInfo } from "../src/main.js";

export const DISK_API = "2025-01-02";
const START_TIMEOUT_MS = 60_000;
/** How often an LRO is polled: fine enough for a figure in seconds, cheap for the server. */
const POLL_MS = 50;
/** USER_HZ, the unit of /proc/<pid>/stat's times: 100 on every Linux that Node supports. */
const CLOCK_TICKS = 100;

export interface ArmResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export class BenchServer {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });
  private token = "";

  private constructor(
    readonly dataDir: string,
    private readonly child: ChildProcess,
    readonly connection: ConnectionInfo,
  ) {}

  /** Starts `vitrine serve` on a fresh data dir whose certificates are issued by the CA in `caDir`; `args` are more serve options. */
  static async start(dataDir: string, caDir: string, args: string[] = []): Promise<BenchServer> {
    mkdirSync(join(dataDir, "tls"), { recursive: true, mode: 0o700 });
    for (const file of ["ca.pem", "ca-key.pem"]) copyFileSync(join(caDir, file), join(dataDir, "tls", file));
    const log = openSync(join(dataDir, "server.log"), "a");
    // BENCH_SERVER_NODE_FLAGS reach the server alone, e.g. "--cpu-prof --cpu-prof-dir=DIR" to profile it.
    const flags = (process.env.BENCH_SERVER_NODE_FLAGS ?? "").split(" ").filter(Boolean);
    const child = spawn(process.execPath, [...flags, "dist/cli/vitrine.js", "serve", "--data-dir", dataDir, "--port", "0", "--log-level", "warn", ...args], {
      stdio: ["ignore", log, log],
    });
    closeSync(log);
    const connectionFile = join(dataDir, "connection.json");
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!existsSync(connectionFile)) {
      if (child.exitCode !== null) throw new Error(`vitrine serve exited with ${child.exitCode}; see ${join(dataDir, "server.log")}`);
      if (Date.now() > deadline) throw new Error("vitrine serve did not write connection.json in time");
      await sleep(50);
    }
    const server = new BenchServer(dataDir, child, JSON.parse(readFileSync(connectionFile, "utf8")) as ConnectionInfo);
    await server.authenticate();
    return server;
  }

  /** The Authorization header of this server's token, for load generators of their own. */
  get authorization(): string {
    return `Bearer ${this.token}`;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** The server's peak resident set since it started (VmHWM), in bytes. */
  peakRss(): number {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${this.pid}/status`, "utf8"));
    if (!match) throw new Error(`no VmHWM for process ${this.pid}`);
    return Number(match[1]) * 1024;
  }

  /** CPU time the server has used so far (user + system, all its threads), in ms. */
  cpuMs(): number {
    // Fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command name.
    const fields = readFileSync(`/proc/${this.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  }

  /** ARM path of a resource under the subscription, e.g. `/resourceGroups/rg/providers/...`. */
  path(under: string): string {
    return `/subscriptions/${this.connection.subscriptionId}${under}`;
  }

  async arm(method: string, path: string, body?: unknown): Promise<ArmResponse> {
    const url = path.startsWith("https:") ? path : `${this.connection.endpoint}${path}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const { status, headers: replyHeaders, text } = await send(this.agent, url, method, headers, body === undefined ? undefined : JSON.stringify(body));
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (status >= 400) throw new Error(`${method} ${path} answered ${status}: ${text}`);
    return { status, headers: replyHeaders, body: parsed };
  }

  /** A GET's time in milliseconds; throws unless it answers 200. */
  async timeGet(path: string): Promise<number> {
    const start = process.hrtime.bigint();
    const { status } = await send(this.agent, `${this.connection.endpoint}${path}`, "GET", { authorization: `Bearer ${this.token}` });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (status !== 200) throw new Error(`GET ${path} answered ${status}`);
    return ms;
  }

  /** Waits for the operation a response started (its Azure-AsyncOperation header), if any. */
  async waitFor(response: ArmResponse): Promise<void> {
    const url = response.headers["azure-asyncoperation"];
    if (typeof url !== "string") return;
    for (;;) {
      const { body } = await this.arm("GET", url);
      const { status, error } = body as { status: string; error?: unknown };
      if (status === "Succeeded") return;
      if (status !== "InProgress") throw new Error(`operation ${status}: ${JSON.stringify(error)}`);
      await sleep(POLL_MS);
    }
  }

  async createResourceGroup(name: string): Promise<void> {
    await this.arm("PUT", this.path(`/resourcegroups/${name}?api-version=2021-04-01`), { location: "westus" });
  }

  diskPath(group: string, name: string, action = ""): string {
    return this.path(`/resourceGroups/${group}/providers/Microsoft.Compute/disks/${name}${action}?api-version=${DISK_API}`);
  }

  /** Stops the server (SIGTERM, as a service manager would); its data dir stays. */
  async stop(): Promise<void> {
    this.agent.destroy();
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGTERM");
      await exited;
    }
  }

  private async authenticate(): Promise<void> {
    const { tokenUrl, clientId, clientSecret, endpoint } = this.connection;
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret, scope: `${endpoint}/.default` });
    const { status, text } = await send(this.agent, tokenUrl, "POST", { "content-type": "application/x-www-form-urlencoded" }, form.toString());
    if (status !== 200) throw new Error(`token endpoint answered ${status}: ${text}`);
    this.token = (JSON.parse(text) as { access_token: string }).access_token;
  }
}

function send(agent: Agent, url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: ArmResponse["headers"]; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (piece: string) => (text += piece));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
