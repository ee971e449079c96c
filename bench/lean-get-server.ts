// `node dist/bench/lean-get-server.js <tls dir> <body file> <authorization>`: a reference for the control-plane
// benchmark, not a server of Vitrine's: how little an authenticated, authorized GET of a
// stored resource costs on Node here, with no framework. Per request: the bearer token looked up
// in a map, the access generation and the resource row read from SQLite (better-sqlite3,
// prepared statements), the row's body and internal state parsed and the body rendered again,
// request-id headers. What it leaves out (ARM path parsing, api-version checks, role
// evaluation, metrics, logging) is what Vitrine adds on top. It answers requests whose
// Authorization header is <authorization> (any other is refused, 401), runs in a process of its
// own, prints {"port": N} once listening, and stops when its parent closes its stdin.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import Database from "better-sqlite3";
import { ensureTlsMaterial } from "../src/identity/certificates.js";

const [tlsDir, bodyFile, authorization] = process.argv.slice(2);
if (!tlsDir || !bodyFile || !authorization) throw new Error("usage: lean-get-server <tls dir> <body file> <authorization>");
const tls = await ensureTlsMaterial(tlsDir);
const db = new Database(":memory:");
db.exec("create table access_generation (id integer primary key, generation integer not null); insert into access_generation values (1, 1)");
db.exec("create table resources (key text primary key, body text not null, internal text not null)");
const insert = db.prepare("insert into resources values (?, ?, ?)");
const generationRead = db.prepare<[number], { generation: number }>("select generation from access_generation where id = ?");
const resourceRead = db.prepare<[string], { body: string; internal: string }>("select body, internal from resources where key = ?");
const callers = new Map([[authorization, { objectId: "bench" }]]);
/** The principal's rights as read at a generation: the scopes it may read. */
const rights = new Map([["bench", { generation: 1, scopes: ["/subscriptions/"] }]]);
const body = readFileSync(bodyFile, "utf8");

const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (request, response) => {
  const caller = callers.get(request.headers.authorization ?? "");
  if (!caller) return void response.writeHead(401).end();
  const url = request.url ?? "/";
  const key = (url.includes("?") ? url.slice(0, url.indexOf("?")) : url).toLowerCase();
  const generation = generationRead.get(1)?.generation;
  const granted = rights.get(caller.objectId);
  if (!granted || granted.generation !== generation || !granted.scopes.some((scope) => key.startsWith(scope))) return void response.writeHead(403).end();
  let row = resourceRead.get(key);
  if (!row) {
    // Every path asked for is a stored resource with the same body, stored at its first GET.
    insert.run(key, body, "{}");
    row = resourceRead.get(key);
  }
  if (!row) return void response.writeHead(404).end();
  const rendered = JSON.stringify({ ...(JSON.parse(row.body) as object), ...(JSON.parse(row.internal) as object) });
  response
    .writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(rendered),
      "x-ms-request-id": randomUUID(),
      "x-ms-correlation-request-id": randomUUID(),
    })
    .end(rendered);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
