// `node dist/bench/bare-json-server.js <tls dir> <body file>`: the control-plane benchmark's
// baseline, a bare Fastify HTTPS server answering every GET with the same JSON body (the bytes of
// <body file>, read once). It runs in a process of its own, as the Vitrine server it is compared
// with does, prints {"port": N} once listening, and stops when its parent closes its stdin.
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import Fastify from "fastify";
import { ensureTlsMaterial } from "../src/identity/certificates.js";

const [tlsDir, bodyFile] = process.argv.slice(2);
if (!tlsDir || !bodyFile) throw new Error("usage: bare-json-server <tls dir> <body file>");
const tls = await ensureTlsMaterial(tlsDir);
const body = readFileSync(bodyFile, "utf8");
const app = Fastify({ https: { cert: tls.certPem, key: tls.keyPem }, logger: false });
app.get("/*", (_request, reply) => reply.type("application/json; charset=utf-8").send(body));
await app.listen({ port: 0, host: "127.0.0.1" });
console.log(JSON.stringify({ port: (app.server.address() as AddressInfo).port }));
process.stdin.on("end", () => void app.close().then(() => process.exit(0)));
process.stdin.resume();
