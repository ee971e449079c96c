// An S3-compatible server for tests: s3rver (npm) as a child process on 127.0.0.1, its own port
// and directory. It speaks S3's REST API with Signature V4 checks (a wrong key is refused as S3
// refuses it), ListObjectsV2 and CopyObject, and keeps each object as a file
// (<dir>/<bucket>/<key>._S3rver_object), which lets a test damage or age an object behind it.

import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Secret } from "../../src/blob/drivers/secret.js";
import type { S3Settings } from "../../src/blob/drivers/s3-chunk-store.js";
import { listeningPort } from "./listening-port.js";

/** s3rver's one account. */
export const S3RVER_KEY = "S3RVER";
const START_TIMEOUT_MS = 30_000;

export interface S3Server {
  endpoint: string;
  directory: string;
  /** Settings for a bucket on this server, with its account's credentials. */
  settings(bucket: string): S3Settings;
  /** The file that holds `key` of `bucket`. */
  objectPath(bucket: string, key: string): string;
  stop(): Promise<void>;
}

export async function startS3Server(): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), "vitrine-s3rver-"));
  const entry = createRequire(import.meta.url).resolve("s3rver/bin/s3rver.js");
  // Port 0: the OS picks a free one, which s3rver prints.
  const child = spawn(process.execPath, [entry, "--directory", directory, "--address", "127.0.0.1", "--port", "0", "--silent"], { stdio: ["ignore", "pipe", "pipe"] });
  const onExit = () => {
    child.kill("SIGKILL");
    rmSync(directory, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      process.removeListener("exit", onExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
      }
      await rm(directory, { recursive: true, force: true, maxRetries: 3 });
    })());
  try {
    const port = await listeningPort(child, { name: "s3rver", pattern: /listening on [^\s:]+:(\d+)/, timeoutMs: START_TIMEOUT_MS });
    const endpoint = `http://127.0.0.1:${port}`;
    return {
      endpoint,
      directory,
      settings: (bucket) => ({ endpoint, bucket, region: "us-east-1", accessKeyId: S3RVER_KEY, secretAccessKey: new Secret(S3RVER_KEY), forcePathStyle: true }),
      objectPath: (bucket, key) => join(directory, bucket, `${key}._S3rver_object`),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

