// The processes the disk and replication benchmarks start besides Vitrine's servers: the
// benchmark itself again, trusting the servers' CA, and the range-serving file server that
// Import reads images from (bench/range-file-server.ts).
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ensureTlsMaterial } from "../src/identity/certificates.js";

const here = fileURLToPath(new URL(".", import.meta.url));

/**
 * Runs `script` (a compiled bench file) in a child process with BENCH_CA_DIR set to a fresh CA
 * that the bench servers' certificates are issued by: the storage SDK and node:https trust it
 * only through NODE_EXTRA_CA_CERTS, which Node reads once at start.
 */
export async function runWithBenchCa(script: string, what: string): Promise<void> {
  const caDir = await mkdtemp(join(tmpdir(), "vitrine-bench-ca-"));
  try {
    const tls = await ensureTlsMaterial(caDir);
    const child = spawn(process.execPath, [script], { stdio: "inherit", env: { ...process.env, BENCH_CA_DIR: caDir, NODE_EXTRA_CA_CERTS: tls.caCertFile } });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    if (code !== 0) throw new Error(`${what} failed (exit code ${code})`);
  } finally {
    await rm(caDir, { recursive: true, force: true });
  }
}

export interface FileServer {
  url: string;
  stop: () => void;
}

/**
 * The range-serving file server over `dir` (HTTPS with the certificate in `tlsDir`, and the page
 * ranges of the files `listed`, found before it answers), in its own process; its base URL.
 */
export async function startFileServer(dir: string, tlsDir?: string, listed: string[] = []): Promise<FileServer> {
  const child = spawn(process.execPath, [join(here, "range-file-server.js"), dir, ...(tlsDir || listed.length > 0 ? [tlsDir ?? "-", ...listed] : [])], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the file server exited with ${code}`)));
  });
  lines.close();
  const { port } = JSON.parse(first) as { port: number };
  return { url: `${tlsDir ? "https" : "http"}://127.0.0.1:${port}`, stop: () => child.stdin.end() };
}
