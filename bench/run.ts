// `npm run bench`: figures as ratios against baselines measured in the same run.
//
// 1. ARM read path: sequential GETs of a gallery through Vitrine (auth, routing, store, render)
//    against a bare node:https server answering the same JSON body: the cost of the stack.
// 2. Metadata writes: creates of image definitions on SQLite and on PostgreSQL through the same
//    store code, against SQLite: what the scaled-out store costs per write.
// 3. The disk data plane (bench/disk-bench.ts, docs/benchmarks.md): ingest, download, memory and
//    latency against cp of the same image. BENCH_DISKS=0 leaves it out.
// 4. Replication between regions (bench/replication-bench.ts): a full copy against cp, a delta
//    copy against rsync. BENCH_REPLICATION=0 leaves it out.
// 5. Control-plane throughput at 50 connections on SQLite and PostgreSQL (bench/control-bench.ts)
//    against a bare Fastify HTTPS server. BENCH_CONTROL=0 leaves it out; BENCH_ONLY=control runs
//    it alone.

import { Agent, createServer, request } from "node:https";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { resolveConfig } from "../src/config.js";
import { startVitrine } from "../src/main.js";
import { ensureTlsMaterial } from "../src/identity/certificates.js";
import type { MetadataStore, ResourceRecord } from "../src/ports/metadata-store.js";
import { openMetadataStore } from "../src/store/open-store.js";
import { runControlBench } from "./control-bench.js";
import { runDiskBench } from "./disk-bench.js";
import { runReplicationBench } from "./replication-bench.js";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const WRITES = Number(process.env.BENCH_WRITES ?? 1000);

function get(agent: Agent, url: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

async function timeRequests(agent: Agent, url: string, token?: string): Promise<number> {
  for (let i = 0; i < 100; i++) await get(agent, url, token);
  const start = process.hrtime.bigint();
  for (let i = 0; i < REQUESTS; i++) {
    const status = await get(agent, url, token);
    if (status !== 200) throw new Error(`GET ${url} answered ${status}`);
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function armReadPath(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "vitrine-bench-"));
  const vitrine = await startVitrine(resolveConfig({ dataDir, port: 0, logLevel: "silent" }));
  const { connection } = vitrine;
  const tls = await ensureTlsMaterial(join(dataDir, "tls"));
  const agent = new Agent({ keepAlive: true, ca: tls.caCertPem });
  const token = await tokenFor(agent, connection);
  const sub = `${connection.endpoint}/subscriptions/${connection.subscriptionId}`;
  await put(agent, `${sub}/resourcegroups/rg?api-version=2021-04-01`, token, { location: "westus" });
  await put(agent, `${sub}/resourceGroups/rg/providers/Microsoft.Compute/galleries/bench?api-version=2024-03-03`, token, { location: "westus", properties: { description: "bench" } });
  const galleryUrl = `${sub}/resourceGroups/rg/providers/Microsoft.Compute/galleries/bench?api-version=2024-03-03`;
  const body = await new Promise<string>((resolve) => request(galleryUrl, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
    let text = "";
    res.on("data", (c: Buffer) => (text += c.toString()));
    res.on("end", () => resolve(text));
  }).end());

  const bare = createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(body);
  });
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
  const bareUrl = `https://127.0.0.1:${(bare.address() as AddressInfo).port}/`;

  const baselineMs = await timeRequests(agent, bareUrl);
  const vitrineMs = await timeRequests(agent, galleryUrl, token);
  report("ARM GET gallery (sequential, keep-alive)", "bare node:https serving the same body", REQUESTS, baselineMs, vitrineMs);
  agent.destroy();
  bare.close();
  await vitrine.close();
  rmSync(dataDir, { recursive: true, force: true });
}

function put(agent: Agent, url: string, token: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "PUT", agent, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

function tokenFor(agent: Agent, connection: { tokenUrl: string; clientId: string; clientSecret: string; endpoint: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(connection.tokenUrl, { method: "POST", agent, headers: { "content-type": "application/x-www-form-urlencoded" } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve((JSON.parse(text) as { access_token: string }).access_token));
    });
    req.on("error", reject);
    req.end(new URLSearchParams({ grant_type: "client_credentials", client_id: connection.clientId, client_secret: connection.clientSecret, scope: `${connection.endpoint}/.default` }).toString());
  });
}

async function timeWrites(store: MetadataStore): Promise<number> {
  const now = new Date().toISOString();
  const gallery = "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/galleries/g";
  const start = process.hrtime.bigint();
  for (let i = 0; i < WRITES; i++) {
    const id = `${gallery}/images/i${i}`;
    const record: ResourceRecord = {
      id, key: id, subscriptionId: "s", resourceGroup: "rg", type: "Microsoft.Compute/galleries/images", parentKey: "/subscriptions/s",
      name: `i${i}`, location: "westus", uniqueKey: `p/o/${i}`, body: { properties: { osType: "Linux" } }, createdAt: now, updatedAt: now,
    };
    const result = await store.createResource(record, { type: record.type, limit: WRITES + 1 });
    if (result.kind !== "created") throw new Error(`create ${i}: ${result.kind}`);
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function metadataWrites(): Promise<void> {
  const sqliteDir = mkdtempSync(join(tmpdir(), "vitrine-bench-"));
  const sqlite = await openMetadataStore(`sqlite:${join(sqliteDir, "bench.db")}`);
  const sqliteMs = await timeWrites(sqlite);
  await sqlite.close();
  rmSync(sqliteDir, { recursive: true, force: true });
  const base = process.env.VITRINE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432";
  const name = `vitrine_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  try {
    await admin.connect();
  } catch {
    console.log(`metadata writes: PostgreSQL not reachable at ${base}; SQLite alone: ${(WRITES / (sqliteMs / 1000)).toFixed(0)} creates/s`);
    return;
  }
  await admin.query(`create database ${name}`);
  try {
    const postgres = await openMetadataStore(`${base}/${name}`);
    const postgresMs = await timeWrites(postgres);
    await postgres.close();
    report("guarded creates of image definitions (quota lock, unique index)", "the same store code on SQLite", WRITES, sqliteMs, postgresMs, "PostgreSQL");
  } finally {
    await admin.query(`drop database ${name} with (force)`);
    await admin.end();
  }
}

function report(what: string, baseline: string, count: number, baselineMs: number, subjectMs: number, subject = "Vitrine"): void {
  const perSecond = (ms: number) => (count / (ms / 1000)).toFixed(0);
  console.log(`\n${what}, ${count} operations`);
  console.log(`  baseline (${baseline}): ${baselineMs.toFixed(0)} ms, ${perSecond(baselineMs)}/s`);
  console.log(`  ${subject}: ${subjectMs.toFixed(0)} ms, ${perSecond(subjectMs)}/s`);
  console.log(`  ratio ${subject} / baseline time: ${(subjectMs / baselineMs).toFixed(2)}x`);
}

if (process.env.BENCH_ONLY === "control") {
  await runControlBench();
} else {
  await armReadPath();
  await metadataWrites();
  if (process.env.BENCH_DISKS !== "0") await runDiskBench();
  if (process.env.BENCH_REPLICATION !== "0") await runReplicationBench();
  if (process.env.BENCH_CONTROL !== "0") await runControlBench();
}
