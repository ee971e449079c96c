// Local TLS material: a private certificate authority plus a server certificate for the loopback
// names, created on first start inside the data directory. Clients trust the CA through
// NODE_EXTRA_CA_CERTS (Node) or REQUESTS_CA_BUNDLE (Python `requests`, i.e. the Azure CLI).
//
// The extensions follow what strict verifiers (OpenSSL 3 with X509_V_FLAG_X509_STRICT, the default
// of Python >= 3.13) require:
//  - CA:   basicConstraints CA:TRUE (critical), keyUsage keyCertSign+cRLSign (critical),
//          subjectKeyIdentifier, authorityKeyIdentifier.
//  - leaf: basicConstraints CA:FALSE (critical), keyUsage digitalSignature+keyEncipherment
//          (critical), extendedKeyUsage serverAuth, subjectAltName, subjectKeyIdentifier,
//          authorityKeyIdentifier.
import { X509Certificate as NodeX509Certificate, createPrivateKey, randomBytes, webcrypto } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { promises as fs } from "node:fs";
import { isIP } from "node:net";
import * as path from "node:path";
import * as x509 from "@peculiar/x509";

export interface TlsMaterial {
  caCertFile: string;
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

const CA_CERT = "ca.pem";
const CA_KEY = "ca-key.pem";
const SERVER_CERT = "server.pem";
const SERVER_KEY = "server-key.pem";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Certificates are back-dated a little to tolerate clock skew between processes/hosts. */
const BACKDATE_MS = 60 * 60 * 1000;
const CA_VALIDITY_MS = 3650 * DAY_MS;
/** Below the 397-day ceiling that browsers and some TLS stacks enforce for leaves. */
const LEAF_VALIDITY_MS = 365 * DAY_MS;
/** A certificate expiring within this window is replaced on start. */
const RENEW_BEFORE_MS = 30 * DAY_MS;

const DEFAULT_HOSTS = ["localhost", "127.0.0.1", "::1"];

// Passed explicitly so the library never depends on its global provider or on globalThis.crypto.
// The library types it as the DOM `Crypto`, which @types/node's webcrypto does not match exactly.
type LibraryCrypto = NonNullable<Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]>;
const cryptoImpl = webcrypto as unknown as LibraryCrypto;

const RSA_GEN: webcrypto.RsaHashedKeyGenParams = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};

interface SigningCa {
  cert: x509.X509Certificate;
  certPem: string;
  key: webcrypto.CryptoKey;
  signingAlgorithm: webcrypto.Algorithm | webcrypto.EcdsaParams;
}

/**
 * Loads the CA and server certificate from `dir` (creating `dir`), generating what is
 * missing: ca.pem/ca-key.pem, server.pem/server-key.pem. Private keys written with mode
 * 0600. Extra host names/IPs may be added to the server certificate's SAN; if the
 * existing server certificate lacks one of them or expires within 30 days, it is
 * re-issued by the same CA.
 */
export async function ensureTlsMaterial(dir: string, extraHosts: string[] = []): Promise<TlsMaterial> {
  const root = path.resolve(dir);
  await fs.mkdir(root, { recursive: true, mode: 0o700 });
  const file = (name: string): string => path.join(root, name);
  const now = Date.now();

  let ca = await loadCa(file(CA_CERT), file(CA_KEY), now);
  let caIssued = false;
  if (!ca) {
    ca = await createCa(now);
    // Key first: a crash between the two renames leaves a key that does not match the
    // old certificate, which the next start detects and repairs.
    await writeFileAtomic(file(CA_KEY), await exportPkcs8Pem(ca.key), 0o600);
    await writeFileAtomic(file(CA_CERT), ca.certPem, 0o644);
    caIssued = true;
  }

  const hosts = normalizeHosts([...DEFAULT_HOSTS, ...extraHosts]);
  let server = caIssued ? undefined : await loadServer(file(SERVER_CERT), file(SERVER_KEY), ca, hosts, now);
  if (!server) {
    server = await issueServerCert(ca, hosts, now);
    await writeFileAtomic(file(SERVER_KEY), server.keyPem, 0o600);
    await writeFileAtomic(file(SERVER_CERT), server.certPem, 0o644);
  }

  return { caCertFile: file(CA_CERT), caCertPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem };
}

// ---------------------------------------------------------------------------
// CA

async function createCa(now: number): Promise<SigningCa> {
  const keys = await webcrypto.subtle.generateKey(RSA_GEN, true, ["sign", "verify"]);
  const signingAlgorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  // A per-installation suffix keeps distinct installs from sharing a subject name in a
  // trust store (same issuer name with different keys confuses chain building).
  const name = `CN=Vitrine Local CA ${randomBytes(4).toString("hex")}, O=Vitrine`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + CA_VALIDITY_MS),
      signingAlgorithm,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, cryptoImpl),
        await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey, false, cryptoImpl),
      ],
    },
    cryptoImpl,
  );
  return { cert, certPem: toPem(cert), key: keys.privateKey, signingAlgorithm };
}

/** Returns the stored CA if both files are present, consistent and not about to expire. */
async function loadCa(certFile: string, keyFile: string, now: number): Promise<SigningCa | undefined> {
  const certPem = await readIfExists(certFile);
  const keyPem = await readIfExists(keyFile);
  if (certPem === undefined || keyPem === undefined) return undefined;
  try {
    const nodeCert = new NodeX509Certificate(certPem);
    const keyObject = createPrivateKey(keyPem);
    if (!nodeCert.ca || !nodeCert.checkPrivateKey(keyObject)) return undefined;
    const cert = new x509.X509Certificate(certPem);
    if (cert.notAfter.getTime() - now <= RENEW_BEFORE_MS) return undefined;
    const imported = await importSigningKey(keyObject);
    if (!imported) return undefined;
    return { cert, certPem: ensureTrailingNewline(certPem), key: imported.key, signingAlgorithm: imported.signingAlgorithm };
  } catch {
    // Unparseable or half-written files: treat as missing and start over.
    return undefined;
  }
}

/** Imports an RSA or EC (P-256/384/521) private key for signing; other key types are unsupported. */
async function importSigningKey(
  keyObject: KeyObject,
): Promise<{ key: webcrypto.CryptoKey; signingAlgorithm: webcrypto.Algorithm | webcrypto.EcdsaParams } | undefined> {
  const der = keyObject.export({ type: "pkcs8", format: "der" });
  if (keyObject.asymmetricKeyType === "rsa") {
    const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    const key = await webcrypto.subtle.importKey("pkcs8", der, algorithm, true, ["sign"]);
    return { key, signingAlgorithm: algorithm };
  }
  if (keyObject.asymmetricKeyType === "ec") {
    const curves: Record<string, { curve: string; hash: string }> = {
      prime256v1: { curve: "P-256", hash: "SHA-256" },
      secp384r1: { curve: "P-384", hash: "SHA-384" },
      secp521r1: { curve: "P-521", hash: "SHA-512" },
    };
    const entry = curves[keyObject.asymmetricKeyDetails?.namedCurve ?? ""];
    if (!entry) return undefined;
    const key = await webcrypto.subtle.importKey("pkcs8", der, { name: "ECDSA", namedCurve: entry.curve }, true, ["sign"]);
    return { key, signingAlgorithm: { name: "ECDSA", hash: entry.hash } };
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Server certificate

interface HostSet {
  dns: string[];
  ips: string[];
}

async function issueServerCert(ca: SigningCa, hosts: HostSet, now: number): Promise<{ certPem: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(RSA_GEN, true, ["sign", "verify"]);
  const notAfter = Math.min(now + LEAF_VALIDITY_MS, ca.cert.notAfter.getTime());
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: "CN=localhost, O=Vitrine",
      issuer: ca.cert.subjectName,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(notAfter),
      signingAlgorithm: ca.signingAlgorithm,
      publicKey: keys.publicKey,
      signingKey: ca.key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          ...hosts.dns.map((value) => ({ type: "dns" as const, value })),
          ...hosts.ips.map((value) => ({ type: "ip" as const, value })),
        ]),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, cryptoImpl),
        await authorityKeyIdentifierFor(ca.cert),
      ],
    },
    cryptoImpl,
  );
  return { certPem: toPem(cert), keyPem: await exportPkcs8Pem(keys.privateKey) };
}

/** The leaf's AKI must equal the CA's SKI (which a user-supplied CA may have computed differently). */
async function authorityKeyIdentifierFor(caCert: x509.X509Certificate): Promise<x509.AuthorityKeyIdentifierExtension> {
  const ski = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) return new x509.AuthorityKeyIdentifierExtension(ski.keyId, false);
  return x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, cryptoImpl);
}

/** Returns the stored server certificate if it matches its key, was issued by `ca`, covers `hosts` and is not about to expire. */
async function loadServer(
  certFile: string,
  keyFile: string,
  ca: SigningCa,
  hosts: HostSet,
  now: number,
): Promise<{ certPem: string; keyPem: string } | undefined> {
  const certPem = await readIfExists(certFile);
  const keyPem = await readIfExists(keyFile);
  if (certPem === undefined || keyPem === undefined) return undefined;
  try {
    const nodeCert = new NodeX509Certificate(certPem);
    const caNodeCert = new NodeX509Certificate(ca.certPem);
    if (!nodeCert.checkPrivateKey(createPrivateKey(keyPem))) return undefined;
    if (!nodeCert.checkIssued(caNodeCert) || !nodeCert.verify(caNodeCert.publicKey)) return undefined;
    const cert = new x509.X509Certificate(certPem);
    if (cert.notBefore.getTime() > now + BACKDATE_MS) return undefined;
    if (cert.notAfter.getTime() - now <= RENEW_BEFORE_MS) return undefined;
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    if (!san) return undefined;
    const have = new Set<string>();
    for (const name of san.names.toJSON()) {
      if (name.type === "dns") have.add(`dns:${name.value.toLowerCase()}`);
      else if (name.type === "ip") {
        const ip = canonicalIp(name.value);
        if (ip) have.add(`ip:${ip}`);
      }
    }
    const missing =
      hosts.dns.some((h) => !have.has(`dns:${h}`)) || hosts.ips.some((ip) => !have.has(`ip:${ip}`));
    if (missing) return undefined;
    return { certPem: ensureTrailingNewline(certPem), keyPem: ensureTrailingNewline(keyPem) };
  } catch {
    return undefined;
  }
}

/** Splits host names from IP literals, canonicalises both and drops duplicates/empties. */
function normalizeHosts(input: string[]): HostSet {
  const dns = new Set<string>();
  const ips = new Set<string>();
  for (const raw of input) {
    let host = raw.trim();
    if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
    if (host === "") continue;
    const ip = canonicalIp(host);
    if (ip) ips.add(ip);
    else dns.add(host.toLowerCase().replace(/\.$/, ""));
  }
  return { dns: [...dns], ips: [...ips] };
}

/** Canonical text of an IPv4/IPv6 literal (zone id dropped), or undefined if `value` is not one. */
function canonicalIp(value: string): string | undefined {
  const host = value.replace(/%.*$/, "");
  const family = isIP(host);
  if (family === 4) return new URL(`http://${host}/`).hostname;
  if (family === 6) return new URL(`http://[${host}]/`).hostname.slice(1, -1);
  return undefined;
}

// ---------------------------------------------------------------------------
// Helpers

/** Positive, non-zero 128-bit serial (RFC 5280 allows up to 20 octets). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString("hex");
}

async function exportPkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  const body = der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
}

function toPem(cert: x509.X509Certificate): string {
  return ensureTrailingNewline(cert.toString("pem"));
}

function ensureTrailingNewline(text: string): string {
  const trimmed = text.replace(/\r\n/g, "\n").trimEnd();
  return `${trimmed}\n`;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Writes to a temporary sibling, flushes it, then renames it over `file`. */
async function writeFileAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await fs.open(tmp, "wx", mode);
  try {
    await handle.writeFile(data, "utf8");
    await handle.chmod(mode); // in case the umask stripped bits we asked for
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await syncDirectory(path.dirname(file));
}

/** Best effort: makes the rename itself durable (not supported on every platform). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, "r");
    await handle.sync();
  } catch {
    // ignore: e.g. Windows cannot open directories
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
