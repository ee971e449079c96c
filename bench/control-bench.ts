// Control-plane throughput (issue 7): requests per second and p99 latency at 50 connections for
//   a. GET of one image version
//   b. the list of 1,000 versions, every page followed through nextLink (100 a page by default)
//   c. "latest" among 10,000 versions: no read-only request resolves an image definition's latest,
//      so this is the smallest real request that does: PUT of a managed disk FromImage whose
//      galleryImageReference is the definition, each with a new disk name (it creates the disk)
// on `vitrine serve` (a child process) on the embedded default (SQLite), then on PostgreSQL, each
// as a ratio to a bare Fastify HTTPS server answering a constant JSON body (bench/bare-json-server.ts,
// also a child process), measured in the same run by the same load generator (autocannon), right
// before figure a on the embedded default; and, for reference, a lean authenticated GET without a
// framework (bench/lean-get-server.ts), measured with it.
// `npm run bench` runs it (BENCH_CONTROL=0 leaves it out); `node dist/bench/control-bench.js`
// alone. BENCH_CONTROL_SECONDS (10) is each measurement's length, after 2 s of warm-up.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import pg from "pg";
import { ensureTlsMaterial } from "../src/identity/certificates.js";
import { runWithBenchCa } from "./bench-processes.js";
import { forgetConnection, GALLERY_API, LATEST_DEFINITION, LIST_DEFINITION, seedThroughApi, seedThroughStore, versionName } from "./control-seed.js";
import { BenchServer } from "./disk-server.js";

const SECONDS = Number(process.env.BENCH_CONTROL_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
/** Disk PUTs that resolve latest: one per connection, all sent at once (each takes the server about a second). */
const LATEST_REQUESTS = Number(process.env.BENCH_CONTROL_LATEST ?? 50);
const CONNECTIONS = 50;
/** Azure Resource Manager's published read budget per principal: sustained per second, and burst. */
const AZURE_READS_PER_SECOND = 25;
const AZURE_READ_BURST = 250;
/** The target of issue 7 for GET of a version on the embedded default. */
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 5;
/** The one credential the lean reference server (bench/lean-get-server.ts) takes. */
const LEAN_AUTHORIZATION = "Bearer lean";

const self = fileURLToPath(import.meta.url);
const here = fileURLToPath(new URL(".", import.meta.url));

/** Runs the control-plane benchmark in a child process that trusts the bench servers' CA (bench-processes.ts). */
export async function runControlBench(): Promise<void> {
  await runWithBenchCa(self, "the control-plane benchmark");
}

interface Figure {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  seconds: number;
}

type Requests = NonNullable<autocannon.Options["requests"]>;

/**
 * 2 s of warm-up, then SECONDS measured; or, for a request that takes the server a second or more
 * (latest), `amount` requests and no warm-up: a warm-up would leave its requests in flight on the
 * server, where they would slow the measurement down. Fails on any error, timeout or non-2xx.
 */
async function load(url: string, authorization: string | undefined, requests?: Requests, amount?: number): Promise<Figure> {
  const options = (duration: number): autocannon.Options => ({
    url,
    connections: CONNECTIONS,
    ...(amount ? { amount } : { duration }),
    timeout: 120,
    headers: authorization ? { authorization } : {},
    ...(requests ? { requests } : {}),
  });
  if (!amount) await autocannon(options(WARMUP_SECONDS));
  const result = await autocannon(options(SECONDS));
  if (result.errors + result.timeouts + result.non2xx > 0) {
    throw new Error(`${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} answers other than 2xx`);
  }
  return { requestsPerSecond: result.requests.total / result.duration, p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total, seconds: result.duration };
}

/** A reference server (`script`: bare-json-server.js or lean-get-server.js) answering `body`, in its own process; stop() ends it. */
async function startReference(script: string, tlsDir: string, body: string, ...args: string[]): Promise<{ url: string; stop: () => void }> {
  const bodyFile = join(tlsDir, "body.json");
  await writeFile(bodyFile, body);
  const child = spawn(process.execPath, [join(here, script), tlsDir, bodyFile, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the bare server exited with ${code}`)));
  });
  lines.close();
  const { port } = JSON.parse(first) as { port: number };
  return { url: `https://127.0.0.1:${port}`, stop: () => child.stdin.end() };
}

/** The path and query of an absolute nextLink in a list page's body, if it has one. */
const nextPathOf = (body: string): string | undefined => {
  const link = /"nextLink"\s*:\s*"([^"]+)"/.exec(body)?.[1];
  return link === undefined ? undefined : new URL(link).pathname + new URL(link).search;
};

/** The pages of a whole list, each request taking the previous page's nextLink. */
async function listPages(server: BenchServer, firstPath: string): Promise<Requests> {
  let pages = 0;
  let items = 0;
  for (let path: string | undefined = firstPath; path !== undefined; pages++) {
    const { body } = await server.arm("GET", path);
    const page = body as { value: unknown[]; nextLink?: string };
    items += page.value.length;
    path = page.nextLink === undefined ? undefined : nextPathOf(JSON.stringify(page));
  }
  if (items !== LIST_DEFINITION.versions) throw new Error(`the list has ${items} versions, not ${LIST_DEFINITION.versions}`);
  // autocannon gives each connection a context of its own, cleared when its sequence starts over.
  type PageContext = { next?: string };
  const remember = (_status: number, body: string, context: object) => void ((context as PageContext).next = nextPathOf(body));
  const follow = (request: autocannon.Request, context: object) => {
    const next = (context as PageContext).next;
    if (next === undefined) throw new Error(`a page of ${firstPath} before the last came without a nextLink`);
    return { ...request, path: next };
  };
  return Array.from({ length: pages }, (_, i): autocannon.Request => (i === 0 ? { method: "GET", path: firstPath, onResponse: remember } : { method: "GET", setupRequest: follow, onResponse: remember }));
}

/** Disk PUTs FromImage of the definition, each a new disk name. */
function latestRequests(server: BenchServer, slug: string): Requests {
  let made = 0;
  const body = JSON.stringify({
    location: LATEST_DEFINITION.location,
    properties: { creationData: { createOption: "FromImage", galleryImageReference: { id: server.path(LATEST_DEFINITION.path) } } },
  });
  return [
    {
      method: "PUT",
      body,
      // The request's own headers replace the defaults, so the token is named again.
      headers: { "content-type": "application/json", authorization: server.authorization },
      setupRequest: (request: autocannon.Request) => ({ ...request, path: server.diskPath("control", `latest-${slug}-${made++}`) }),
    },
  ];
}

interface StoreFigures {
  store: string;
  get: Figure;
  list: Figure;
  pagesPerList: number;
  latest: Figure;
}

/** The baseline and the lean reference, measured with the version's body just before a store's GET figure. */
type References = (versionBody: string) => Promise<{ baseline: Figure; lean: Figure }>;

/**
 * A store's figures. `references`, when given, are measured right before its GET figure: this
 * machine's speed swings by 2x from minute to minute, so a ratio is only as good as the closeness
 * in time of its two measurements.
 */
async function measureStore(caDir: string, store: string, slug: string, databaseUrl: string | undefined, work: string, references?: References): Promise<StoreFigures & { references?: Awaited<ReturnType<References>> }> {
  const dataDir = join(work, slug);
  const args = databaseUrl ? ["--database-url", databaseUrl] : [];
  let server = await BenchServer.start(dataDir, caDir, args);
  await seedThroughApi(server);
  await server.stop();
  const seedMs = await seedThroughStore(databaseUrl ?? `sqlite:${join(dataDir, "metadata.db")}`, server.connection.subscriptionId);
  await forgetConnection(dataDir);
  server = await BenchServer.start(dataDir, caDir, args);
  try {
    console.log(`  ${store}: seeded ${LATEST_DEFINITION.versions + LIST_DEFINITION.versions} versions (2 through the API, the rest through the store in ${(seedMs / 1000).toFixed(1)} s)`);
    const endpoint = server.connection.endpoint;
    const versionPath = server.path(`${LATEST_DEFINITION.path}/versions/${versionName(4321)}?api-version=${GALLERY_API}`);
    const pages = await listPages(server, server.path(`${LIST_DEFINITION.path}/versions?api-version=${GALLERY_API}`));
    // One disk FromImage first: it warms the path up, and fails the bench if latest does not resolve.
    const [warm] = latestRequests(server, slug);
    await server.arm("PUT", server.diskPath("control", `latest-${slug}-warm`), JSON.parse(String(warm?.body)));
    const versionBody = JSON.stringify((await server.arm("GET", versionPath)).body);
    const measuredReferences = references && (await references(versionBody));
    const figures = {
      store,
      ...(measuredReferences && { references: measuredReferences }),
      get: await load(`${endpoint}${versionPath}`, server.authorization),
      list: await load(endpoint, server.authorization, pages),
      pagesPerList: pages.length,
      latest: await load(endpoint, server.authorization, latestRequests(server, slug), LATEST_REQUESTS),
    };
    return figures;
  } finally {
    await server.stop();
  }
}

const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 0)} ms`;
/** Two significant digits for small values, so that a slow figure does not print as 0. */
const num = (value: number, digits = 2): string => (value < 1 ? value.toPrecision(2) : value.toFixed(value < 10 ? 1 : digits));

function printFigures(baseline: Figure, lean: Figure, all: StoreFigures[]): void {
  console.log(`\n  baseline, bare Fastify HTTPS server, constant JSON body (a version's), measured just before figure a on the embedded default: ${baseline.requestsPerSecond.toFixed(0)} req/s, p50 ${ms(baseline.p50)}, p99 ${ms(baseline.p99)}`);
  console.log(
    `  reference, a lean authenticated GET of a stored resource (bench/lean-get-server.ts: node:https, a token map, two SQLite reads, parse and render, no framework): ` +
      `${lean.requestsPerSecond.toFixed(0)} req/s (${num(lean.requestsPerSecond / baseline.requestsPerSecond)}x the baseline), p99 ${ms(lean.p99)}`,
  );
  const line = (what: string, figure: Figure, extra = "") =>
    console.log(
      `    ${what}: ${num(figure.requestsPerSecond, 0)} req/s (${num(figure.requestsPerSecond / baseline.requestsPerSecond)}x the baseline), ` +
        `p50 ${ms(figure.p50)}, p99 ${ms(figure.p99)} (${num(figure.p99 / baseline.p99, 0)}x the baseline's)${extra}; ` +
        `${num(figure.requestsPerSecond / AZURE_READS_PER_SECOND, 1)}x Azure's ${AZURE_READS_PER_SECOND}/s per principal`,
    );
  for (const figures of all) {
    console.log(`  ${figures.store}:`);
    line("a. GET of a version", figures.get);
    line(`b. list of 1,000 versions, ${figures.pagesPerList} pages through nextLink, per page`, figures.list, `; ${(figures.list.requestsPerSecond / figures.pagesPerList).toFixed(1)} whole lists/s`);
    line(`c. latest among 10,000 versions (disk PUT FromImage of the definition), ${figures.latest.requests} requests sent at once`, figures.latest);
  }
  const embedded = all[0];
  if (embedded) {
    const ratio = embedded.get.requestsPerSecond / baseline.requestsPerSecond;
    const met = ratio >= TARGET_RATIO && embedded.get.p99 <= TARGET_P99_MS;
    console.log(`  target, GET of a version on ${embedded.store}: >= ${TARGET_RATIO}x with p99 <= ${TARGET_P99_MS} ms: ${ratio.toFixed(2)}x, p99 ${ms(embedded.get.p99)}: ${met ? "met" : "MISSED"}`);
  }
  console.log(`  Azure's read budget: ${AZURE_READS_PER_SECOND} requests/s per principal, bursts of ${AZURE_READ_BURST}; all figures above are one principal's`);
}

async function measure(caDir: string): Promise<void> {
  const work = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), "vitrine-control-bench-"));
  const pgServer = process.env.VITRINE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/";
  const database = `vitrine_bench_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: new URL("/postgres", pgServer).toString() });
  const references: Array<{ stop: () => void }> = [];
  try {
    console.log(`\ncontrol plane: ${CONNECTIONS} connections, autocannon, ${SECONDS} s per figure after ${WARMUP_SECONDS} s of warm-up; servers are child processes`);
    const bareTls = join(work, "bare-tls");
    await ensureTlsMaterial(bareTls);
    const versionPath = `/subscriptions/bench${LATEST_DEFINITION.path}/versions/${versionName(4321)}?api-version=${GALLERY_API}`;
    const measureReferences: References = async (versionBody) => {
      const bare = await startReference("bare-json-server.js", bareTls, versionBody);
      references.push(bare);
      const lean = await startReference("lean-get-server.js", bareTls, versionBody, LEAN_AUTHORIZATION);
      references.push(lean);
      return { baseline: await load(`${bare.url}/`, undefined), lean: await load(`${lean.url}${versionPath}`, LEAN_AUTHORIZATION) };
    };
    const embedded = await measureStore(caDir, "SQLite (embedded default)", "sqlite", undefined, work, measureReferences);
    const all: StoreFigures[] = [embedded];
    let postgres = true;
    try {
      await admin.connect();
      await admin.query(`create database ${database}`);
    } catch (error) {
      postgres = false;
      console.log(`  PostgreSQL at ${pgServer} not usable (${error instanceof Error ? error.message : String(error)}): SQLite alone`);
    }
    if (postgres) all.push(await measureStore(caDir, "PostgreSQL", "postgres", new URL(`/${database}`, pgServer).toString(), work));
    if (!embedded.references) throw new Error("the references were not measured");
    printFigures(embedded.references.baseline, embedded.references.lean, all);
  } finally {
    for (const reference of references) reference.stop();
    await admin.query(`drop database if exists ${database} with (force)`).catch(() => undefined);
    await admin.end().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === self) {
  if (process.env.BENCH_CA_DIR) await measure(process.env.BENCH_CA_DIR);
  else await runControlBench();
}
