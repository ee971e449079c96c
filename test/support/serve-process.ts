// `vitrine serve` as a separate process, as a user runs it: the built binary, ready when its
// connection.json appears. For tests of what a process boundary shows: signals, kill -9, restarts.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ConnectionInfo } from "../../src/main.js";

export const BIN = resolve("dist/cli/vitrine.js");

/** Starts `vitrine serve`; `output()` is what it has written to stdout (its log lines) so far. */
export async function serve(dataDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ child: ChildProcess; connection: ConnectionInfo; output: () => string }> {
  const file = join(dataDir, "connection.json");
  const before = existsSync(file) ? readFileSync(file, "utf8") : "";
  const child = spawn(process.execPath, [BIN, "serve", "--data-dir", dataDir, "--port", "0", "--log-level", "silent", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`vitrine serve exited ${child.exitCode}: ${stderr}`);
    if (stderr.includes("Vitrine is serving") && existsSync(file) && readFileSync(file, "utf8") !== before) {
      return { child, connection: JSON.parse(readFileSync(file, "utf8")) as ConnectionInfo, output: () => stdout };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`vitrine serve did not become ready: ${stderr}`);
}

/** Resolves when the process has ended (at once if it has: by an exit or, with a null code, by a signal). */
export const exitOf = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once("exit", (code) => r(code)));
