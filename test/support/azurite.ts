// A real Azure Blob Storage for tests: Azurite's blob service as a child process on 127.0.0.1,
// its own port and workspace, driven with @azure/storage-blob and the well-known dev account.

import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import {
  BlobSASPermissions,
  BlobServiceClient,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  type ContainerClient,
  type PageBlobClient,
} from "@azure/storage-blob";
import { listeningPort } from "./listening-port.js";

/** Azurite's one account and its published key (https://learn.microsoft.com/azure/storage/common/storage-use-azurite). */
export const DEV_ACCOUNT = "devstoreaccount1";
export const DEV_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

const START_TIMEOUT_MS = 30_000;
/** A page write carries at most 4 MiB (Put Page's limit). */
const PAGE_WRITE = 4 * 1024 * 1024;
const PAGE = 512;

export type BlobKind = "page" | "block";

export interface Azurite {
  /** `http://127.0.0.1:<port>/devstoreaccount1`. */
  accountUrl: string;
  credential: StorageSharedKeyCredential;
  service: BlobServiceClient;
  createContainer(name: string): Promise<ContainerClient>;
  /**
   * Uploads a local file as `container/blobName`. A page blob by default for `.vhd` names and a
   * block blob otherwise, as AzCopy chooses: Azure reads disk images from page blobs, which need
   * a size that is a multiple of 512, while a qcow2 file need not be one.
   */
  uploadFile(container: string, blobName: string, path: string, kind?: BlobKind): Promise<string>;
  /** A read-only SAS URL of the blob, valid until `expiresOn` (in the past for an expired one). */
  readSasUrl(container: string, blobName: string, expiresOn: Date): string;
  /** Kills Azurite and removes its workspace. Safe to call more than once. */
  stop(): Promise<void>;
}

/** Starts Azurite's blob service and waits until it answers an authenticated request. */
export async function startAzurite(): Promise<Azurite> {
  const location = await mkdtemp(join(tmpdir(), "vitrine-azurite-"));
  // Its JS entry run with this node: the .bin shim's shebang would pick whatever `node` is on PATH.
  const entry = createRequire(import.meta.url).resolve("azurite/dist/src/blob/main.js");
  const child = spawn(
    process.execPath,
    // Port 0: the OS picks a free port, which Azurite prints, so no port can be taken in between.
    [entry, "--blobHost", "127.0.0.1", "--blobPort", "0", "--location", location, "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  // A test process that exits without stop() (a crash, a cancelled run) still leaves nothing behind.
  const onExit = () => {
    child.kill("SIGKILL");
    rmSync(location, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      process.removeListener("exit", onExit);
      await kill(child);
      await rm(location, { recursive: true, force: true, maxRetries: 3 });
    })());

  try {
    const port = await listeningPort(child, { name: "Azurite", pattern: /listens on https?:\/\/[^\s:]+:(\d+)/, timeoutMs: START_TIMEOUT_MS });
    const accountUrl = `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
    const credential = new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_ACCOUNT_KEY);
    const service = new BlobServiceClient(accountUrl, credential);
    await untilAnswering(service, child);
    return {
      accountUrl,
      credential,
      service,
      async createContainer(name) {
        const container = service.getContainerClient(name);
        await container.create();
        return container;
      },
      async uploadFile(container, blobName, path, kind = blobName.endsWith(".vhd") ? "page" : "block") {
        const blob = service.getContainerClient(container).getBlobClient(blobName);
        if (kind === "block") await blob.getBlockBlobClient().uploadFile(path);
        else await uploadPageBlob(blob.getPageBlobClient(), path);
        return blob.url;
      },
      readSasUrl(container, blobName, expiresOn) {
        const sas = generateBlobSASQueryParameters(
          // A start an hour back, so that an expiry in the past is "expired", not "before its start".
          { containerName: container, blobName, permissions: BlobSASPermissions.parse("r"), startsOn: new Date(expiresOn.getTime() - 3_600_000), expiresOn },
          credential,
        );
        return `${service.getContainerClient(container).getBlobClient(blobName).url}?${sas.toString()}`;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Polls until Azurite answers a request signed with the account key. */
async function untilAnswering(service: BlobServiceClient, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Azurite exited (${child.exitCode}) while starting`);
    try {
      await service.getProperties();
      return;
    } catch (error) {
      // A refusal is an answer (and a wrong key a bug to show): only a failed connection is waited on.
      if ((error as { statusCode?: number }).statusCode !== undefined) throw error;
      if (Date.now() > deadline) throw new Error(`Azurite did not answer within ${START_TIMEOUT_MS / 1000} s`, { cause: error });
    }
    await delay(50);
  }
}

/**
 * Creates a page blob of the file's size and writes its non-zero 4 MiB pieces, as Azure's tools
 * upload VHDs: what is never written reads as zeros.
 */
async function uploadPageBlob(client: PageBlobClient, path: string): Promise<void> {
  const { size } = await stat(path);
  if (size % PAGE !== 0) throw new Error(`${path} is ${size} bytes, not a multiple of ${PAGE}: it cannot be a page blob; upload it as a block blob.`);
  await client.create(size);
  const file = await open(path, "r");
  try {
    const buffer = Buffer.alloc(PAGE_WRITE);
    for (let offset = 0; offset < size; offset += PAGE_WRITE) {
      const { bytesRead } = await file.read(buffer, 0, Math.min(PAGE_WRITE, size - offset), offset);
      const piece = buffer.subarray(0, bytesRead);
      if (piece.some((byte) => byte !== 0)) await client.uploadPages(piece, offset, piece.length);
    }
  } finally {
    await file.close();
  }
}

/** SIGKILL, not SIGTERM: Azurite's graceful close waits on keep-alive sockets, and its workspace is thrown away anyway. */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}
