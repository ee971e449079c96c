// ensureTlsMaterial: the generated CA and server certificate must be trusted by a real TLS client
// for 127.0.0.1, localhost and ::1, survive a restart unchanged, and be repaired or re-issued when
// they are broken, too short-lived or lack a requested host name.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey, createPublicKey, webcrypto } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import type { AddressInfo, LookupFunction } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as x509 from "@peculiar/x509";
import { ensureTlsMaterial, type TlsMaterial } from "../../src/identity/certificates.js";

const tempDirs: string[] = [];
function freshDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vitrine-tls-"));
  tempDirs.push(dir);
  return path.join(dir, "tls"); // not yet existing: ensureTlsMaterial must create it
}

async function startServer(tls: TlsMaterial, host: string): Promise<{ server: https.Server; port: number }> {
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => {
    res.end("ok");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function stopServer(server: https.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** GETs `url`, resolving to the body; rejects with the TLS error if the handshake fails. */
function get(url: string, options: https.RequestOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent: false, ...options }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(body));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/** Resolves every name to 127.0.0.1, so a certificate's host names can be tested without DNS. */
const toLoopback = ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
  if (opts.all) cb(null, [{ address: "127.0.0.1", family: 4 }]);
  else cb(null, "127.0.0.1", 4);
}) as unknown as LookupFunction;

describe("ensureTlsMaterial", () => {
  let dir: string;
  let tls: TlsMaterial;
  let server: https.Server;
  let port: number;

  before(async () => {
    dir = freshDir();
    tls = await ensureTlsMaterial(dir);
    ({ server, port } = await startServer(tls, "127.0.0.1"));
  });

  after(async () => {
    await stopServer(server);
    for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("writes the four files, private keys with mode 0600, and no temporary leftovers", () => {
    assert.deepEqual(fs.readdirSync(dir).sort(), ["ca-key.pem", "ca.pem", "server-key.pem", "server.pem"]);
    assert.equal(tls.caCertFile, path.join(path.resolve(dir), "ca.pem"));
    assert.equal(fs.readFileSync(tls.caCertFile, "utf8"), tls.caCertPem);
    assert.equal(fs.readFileSync(path.join(dir, "server.pem"), "utf8"), tls.certPem);
    assert.equal(fs.readFileSync(path.join(dir, "server-key.pem"), "utf8"), tls.keyPem);
    if (process.platform !== "win32") {
      assert.equal(fs.statSync(path.join(dir, "ca-key.pem")).mode & 0o777, 0o600);
      assert.equal(fs.statSync(path.join(dir, "server-key.pem")).mode & 0o777, 0o600);
    }
  });

  it("issues a CA and a server certificate with the extensions strict verifiers require", () => {
    const ca = new X509Certificate(tls.caCertPem);
    const leaf = new X509Certificate(tls.certPem);
    assert.equal(ca.ca, true);
    assert.equal(leaf.ca, false);
    assert.ok(leaf.checkIssued(ca));
    assert.ok(leaf.verify(ca.publicKey));
    assert.ok(leaf.checkPrivateKey(createPrivateKey(tls.keyPem)));
    assert.deepEqual(leaf.keyUsage, ["1.3.6.1.5.5.7.3.1"]); // extendedKeyUsage serverAuth
    assert.equal(leaf.checkHost("localhost"), "localhost");
    assert.equal(leaf.checkIP("127.0.0.1"), "127.0.0.1");
    assert.equal(leaf.checkIP("::1"), "::1");

    const caCert = new x509.X509Certificate(tls.caCertPem);
    const basic = caCert.getExtension(x509.BasicConstraintsExtension);
    assert.ok(basic?.ca && basic.critical);
    const caUsage = caCert.getExtension(x509.KeyUsagesExtension);
    assert.equal(caUsage?.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    const ski = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
    assert.ok(ski?.keyId);

    const leafCert = new x509.X509Certificate(tls.certPem);
    const leafBasic = leafCert.getExtension(x509.BasicConstraintsExtension);
    assert.ok(leafBasic && !leafBasic.ca);
    const leafUsage = leafCert.getExtension(x509.KeyUsagesExtension);
    assert.equal(leafUsage?.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    assert.equal(leafCert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, ski.keyId);
    const days = (leafCert.notAfter.getTime() - leafCert.notBefore.getTime()) / 86_400_000;
    assert.ok(days <= 397, `leaf valid for ${days} days`);
  });

  it("is trusted over https for 127.0.0.1 and localhost given the CA", async () => {
    assert.equal(await get(`https://127.0.0.1:${port}/`, { ca: tls.caCertPem }), "ok");
    // family 4: the server listens on 127.0.0.1 only, and localhost may resolve to ::1 first.
    assert.equal(await get(`https://localhost:${port}/`, { ca: tls.caCertPem, family: 4 }), "ok");
  });

  it("is trusted over https for ::1 where IPv6 loopback is available", async (t) => {
    let v6: { server: https.Server; port: number };
    try {
      v6 = await startServer(tls, "::1");
    } catch {
      t.skip("no IPv6 loopback");
      return;
    }
    try {
      assert.equal(await get(`https://[::1]:${v6.port}/`, { ca: tls.caCertPem }), "ok");
    } finally {
      await stopServer(v6.server);
    }
  });

  it("is rejected with a certificate error without the CA", async () => {
    await assert.rejects(get(`https://127.0.0.1:${port}/`), (err: NodeJS.ErrnoException) => {
      assert.match(String(err.code), /CERT|SIGNATURE|UNABLE_TO_VERIFY|SELF_SIGNED/);
      return true;
    });
  });

  it("rejects a host name that is not in the certificate", async () => {
    await assert.rejects(
      get(`https://not-in-cert.test:${port}/`, { ca: tls.caCertPem, lookup: toLoopback }),
      (err: NodeJS.ErrnoException) => {
        assert.equal(err.code, "ERR_TLS_CERT_ALTNAME_INVALID");
        return true;
      },
    );
  });

  it("returns the same material on a second call (no regeneration)", async () => {
    const again = await ensureTlsMaterial(dir);
    assert.deepEqual(again, tls);
    assert.deepEqual(fs.readdirSync(dir).sort(), ["ca-key.pem", "ca.pem", "server-key.pem", "server.pem"]);
  });

  it("re-issues the server certificate from the same CA when an extra host is missing", async () => {
    const d = freshDir();
    const first = await ensureTlsMaterial(d);
    const second = await ensureTlsMaterial(d, ["Vitrine.Test", "10.11.12.13", "[fd00::7]"]);
    assert.equal(second.caCertPem, first.caCertPem);
    assert.notEqual(second.certPem, first.certPem);
    assert.notEqual(second.keyPem, first.keyPem);
    const leaf = new X509Certificate(second.certPem);
    for (const host of ["localhost", "vitrine.test"]) assert.equal(leaf.checkHost(host), host);
    for (const ip of ["127.0.0.1", "::1", "10.11.12.13", "fd00::7"]) assert.equal(leaf.checkIP(ip), ip);

    // A subset of what the certificate covers needs nothing new; the same hosts in another spelling neither.
    assert.deepEqual(await ensureTlsMaterial(d), second);
    assert.deepEqual(await ensureTlsMaterial(d, ["vitrine.test.", "fd00:0:0::7"]), second);

    const v = await startServer(second, "127.0.0.1");
    try {
      const body = await get(`https://vitrine.test:${v.port}/`, { ca: second.caCertPem, lookup: toLoopback });
      assert.equal(body, "ok");
    } finally {
      await stopServer(v.server);
    }
  });

  it("re-issues a server certificate that expires within 30 days", async () => {
    const d = freshDir();
    const first = await ensureTlsMaterial(d);
    // Replace the server certificate with one from the same CA, same names, valid 10 more days.
    const caKey = await webcrypto.subtle.importKey(
      "pkcs8",
      createPrivateKey(fs.readFileSync(path.join(d, "ca-key.pem"))).export({ type: "pkcs8", format: "der" }),
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const leafKey = await webcrypto.subtle.importKey(
      "spki",
      createPublicKey(first.keyPem).export({ type: "spki", format: "der" }),
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      true,
      ["verify"],
    );
    const original = new x509.X509Certificate(first.certPem);
    const shortLived = await x509.X509CertificateGenerator.create(
      {
        subject: original.subjectName,
        issuer: original.issuerName,
        notBefore: new Date(Date.now() - 86_400_000),
        notAfter: new Date(Date.now() + 10 * 86_400_000),
        publicKey: leafKey,
        signingKey: caKey,
        signingAlgorithm: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
        extensions: original.extensions,
      },
      webcrypto as unknown as NonNullable<Parameters<typeof x509.X509CertificateGenerator.create>[1]>,
    );
    const shortPem = shortLived.toString("pem") + "\n";
    fs.writeFileSync(path.join(d, "server.pem"), shortPem);
    assert.ok(new X509Certificate(shortPem).checkPrivateKey(createPrivateKey(first.keyPem)));

    const renewed = await ensureTlsMaterial(d);
    assert.equal(renewed.caCertPem, first.caCertPem);
    assert.notEqual(renewed.certPem, shortPem);
    const notAfter = new x509.X509Certificate(renewed.certPem).notAfter.getTime();
    assert.ok(notAfter > Date.now() + 300 * 86_400_000);
  });

  it("repairs a damaged server certificate or key without touching the CA", async () => {
    const d = freshDir();
    const first = await ensureTlsMaterial(d);
    fs.writeFileSync(path.join(d, "server.pem"), first.certPem.slice(0, 200)); // truncated
    const repaired = await ensureTlsMaterial(d);
    assert.equal(repaired.caCertPem, first.caCertPem);
    assert.ok(new X509Certificate(repaired.certPem).checkPrivateKey(createPrivateKey(repaired.keyPem)));

    // A key from another pair (e.g. a crash between the key and the certificate rename).
    fs.writeFileSync(path.join(d, "server-key.pem"), first.keyPem);
    const again = await ensureTlsMaterial(d);
    assert.equal(again.caCertPem, first.caCertPem);
    assert.ok(new X509Certificate(again.certPem).checkPrivateKey(createPrivateKey(again.keyPem)));
  });

  it("creates a new CA, and so a new server certificate, when the CA key is gone", async () => {
    const d = freshDir();
    const first = await ensureTlsMaterial(d);
    fs.rmSync(path.join(d, "ca-key.pem"));
    const second = await ensureTlsMaterial(d);
    assert.notEqual(second.caCertPem, first.caCertPem);
    assert.ok(new X509Certificate(second.certPem).checkIssued(new X509Certificate(second.caCertPem)));
  });
});
