// Starts a real Vitrine server for a test: HTTPS on 127.0.0.1, a free port, a fresh data dir,
// certificates issued by the test CA that scripts/run-tests.mjs made and the clients trust.

import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig, type ConfigInput } from "../../src/config.js";
import { startVitrine, type RunningVitrine, type StartOptions } from "../../src/main.js";

export interface TestServer extends RunningVitrine {
  dataDir: string;
}

export function testCaDir(): string {
  const dir = process.env.VITRINE_TEST_CA_DIR;
  if (!dir) throw new Error("VITRINE_TEST_CA_DIR is not set: run tests through `npm test` (scripts/run-tests.mjs), which makes the test CA.");
  return dir;
}

/** A fresh data dir whose tls/ holds the test CA, so the server's certificate chains to it. */
export function freshDataDir(): string {
  const dataDir = mkdtempSync(join(tmpdir(), "vitrine-test-"));
  mkdirSync(join(dataDir, "tls"), { mode: 0o700 });
  for (const file of ["ca.pem", "ca-key.pem"]) copyFileSync(join(testCaDir(), file), join(dataDir, "tls", file));
  return dataDir;
}

export async function startTestServer(settings: ConfigInput = {}, dataDir = freshDataDir(), options: StartOptions = {}): Promise<TestServer> {
  const config = resolveConfig({ dataDir, port: 0, host: "127.0.0.1", logLevel: "silent", ...settings });
  const vitrine = await startVitrine(config, options);
  return { ...vitrine, dataDir };
}

/** A clock a test moves by hand. */
export class ManualClock {
  constructor(private current = new Date()) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
