// The built `vitrine` CLI run as a user runs it: a child process whose environment holds no
// AZURE_*, VITRINE_* or NODE_EXTRA_CA_CERTS, so it finds and trusts the server through the
// connection.json of the data dir it is given, and nothing else.

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";

const CLI = resolve(process.cwd(), "dist/cli/vitrine.js");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON; undefined when it is empty or not JSON. */
  json: unknown;
}

function cleanEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(AZURE_|VITRINE_)/.test(name) && name !== "NODE_EXTRA_CA_CERTS") env[name] = value;
  }
  return { ...env, ...extra };
}

/**
 * Runs the CLI asynchronously (the server answering it lives in this process's event loop), with
 * `extraEnv` added to the clean environment.
 */
export function runCli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { env: cleanEnvironment(extraEnv), maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      let json: unknown;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      done({ code, stdout, stderr, json });
    });
  });
}

/** Where `script` (util-linux) is not installed, the reason to skip a test that needs a terminal. */
export const terminalSkip = existsSync("/usr/bin/script") ? false : "/usr/bin/script (util-linux) is not installed: it gives the CLI a terminal";

/**
 * Runs the CLI with a pseudo-terminal as its stdin, stdout and stderr (util-linux `script`), 160
 * columns wide; `output` is what the terminal received, escape sequences included.
 */
export function runCliInTerminal(args: string[]): Promise<{ code: number; output: string }> {
  const quote = (word: string) => `'${word.replace(/'/g, "'\\''")}'`;
  const command = `stty cols 160 rows 40; exec ${[process.execPath, CLI, ...args].map(quote).join(" ")}`;
  return new Promise((done) => {
    execFile("/usr/bin/script", ["-qefc", command, "/dev/null"], { env: cleanEnvironment({}), maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, output: stdout });
    });
  });
}
