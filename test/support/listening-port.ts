// The port a storage emulator the tests start (Azurite, s3rver) announces on its stdout once it
// listens: both are started on port 0 and say which port they got.

import type { ChildProcess } from "node:child_process";

/** Resolves with the port `pattern`'s first group captures in `child`'s stdout; fails when `child` exits first or after `timeoutMs`. */
export function listeningPort(child: ChildProcess, server: { name: string; pattern: RegExp; timeoutMs: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    let found = false;
    const timer = setTimeout(() => fail(new Error(`${server.name} did not start within ${server.timeoutMs / 1000} s: ${err || out}`)), server.timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.removeListener("exit", exited);
      reject(error);
    };
    const exited = (code: number | null) => fail(new Error(`${server.name} exited (${code}) before listening: ${err || out}`));
    child.once("exit", exited);
    child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.stdout?.on("data", (chunk: Buffer) => {
      // Kept flowing after the port is known, so a full pipe never blocks the server.
      if (found) return;
      out += chunk.toString();
      const match = server.pattern.exec(out);
      if (!match) return;
      found = true;
      clearTimeout(timer);
      child.removeListener("exit", exited);
      resolve(Number(match[1]));
    });
  });
}
