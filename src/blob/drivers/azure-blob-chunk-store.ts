// The chunk store of an Azure Blob Storage container: each chunk (and manifest) a block blob
// named by its digest. Put Blob replaces a blob atomically, so a reader sees a whole chunk or
// none, and concurrent writers of one digest each write the same bytes.
//
// writtenAt is the blob's Last-Modified; a refresh sets its metadata, which moves Last-Modified
// without sending the bytes again.

import { Readable } from "node:stream";
import { AnonymousCredential, BlobSASPermissions, ContainerClient, RestError, StorageSharedKeyCredential, generateBlobSASQueryParameters } from "@azure/storage-blob";
import { ChunkCorruptError, ChunkNotFoundError, ChunkStoreRefusedError, type ChunkStore, type PutOptions } from "../../ports/chunk-store.js";
import { checkedDigest, isSha256Hex, sha256HexOf, verifiedChunk } from "../digest.js";
import type { Secret } from "./secret.js";

export interface AzureBlobSettings {
  /** The blob service endpoint, e.g. https://<account>.blob.core.windows.net (Azurite: http://127.0.0.1:10000/devstoreaccount1). */
  accountUrl: string;
  container: string;
  /** The account key, or a SAS (the query string, without "?") with read, write, delete, list and create permissions. */
  accountKey?: Secret;
  sas?: Secret;
}

/** How long a SAS made for a server-side copy's source stays valid: the copy is synchronous. */
const COPY_SAS_MS = 15 * 60 * 1000;

export class AzureBlobChunkStore implements ChunkStore {
  readonly name: string;
  private readonly container: ContainerClient;
  private readonly key: StorageSharedKeyCredential | undefined;
  private created: Promise<void> | undefined;

  constructor(private readonly settings: AzureBlobSettings) {
    const account = new URL(settings.accountUrl);
    // The name shows in logs: the endpoint and container, never a key or SAS.
    this.name = `azure-blob:${account.origin}${account.pathname.replace(/\/+$/, "")}/${settings.container}`;
    const url = `${account.origin}${account.pathname.replace(/\/+$/, "")}/${encodeURIComponent(settings.container)}`;
    if (settings.accountKey) {
      this.key = new StorageSharedKeyCredential(accountNameOf(account), settings.accountKey.reveal());
      this.container = new ContainerClient(url, this.key);
    } else {
      this.container = new ContainerClient(`${url}?${settings.sas?.reveal() ?? ""}`, new AnonymousCredential());
    }
  }

  async has(digest: string): Promise<boolean> {
    return this.call(() => this.blob(digest).exists());
  }

  async refresh(digest: string): Promise<boolean> {
    return this.call(async () => {
      try {
        await this.blob(digest).setMetadata({});
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    });
  }

  /** A blob of the right length already there is refreshed, not written again (damage in it shows on get). */
  async put(digest: string, data: Buffer, options: PutOptions = {}): Promise<void> {
    const blob = this.blob(digest);
    if (!options.verified) verifiedChunk(this.name, digest, data);
    await this.call(async () => {
      const size = await blob.getProperties().then(
        (properties) => properties.contentLength,
        (error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)),
      );
      if (size === data.length && (await this.refresh(digest))) return;
      await this.ensureContainer();
      await blob.uploadData(data);
    });
  }

  async get(digest: string): Promise<Buffer> {
    const data = await this.call(async () => {
      try {
        // One request: a blob replaced or deleted meanwhile cannot mix two versions into one answer.
        const response = await this.blob(digest).download();
        const chunks: Buffer[] = [];
        for await (const piece of response.readableStreamBody ?? Readable.from([])) chunks.push(piece as Buffer);
        return Buffer.concat(chunks);
      } catch (error) {
        if (isNotFound(error)) throw new ChunkNotFoundError(this.name, digest);
        throw error;
      }
    });
    return verifiedChunk(this.name, digest, data);
  }

  async delete(digest: string): Promise<void> {
    const blob = this.blob(digest);
    await this.call(async () => {
      try {
        await blob.delete();
      } catch (error) {
        // Gone already, or its container never made: either way not stored.
        if (!isNotFound(error)) throw error;
      }
    });
  }

  async *list(): AsyncIterable<{ digest: string; writtenAt: Date; size: number }> {
    try {
      for await (const item of this.container.listBlobsFlat()) {
        if (isSha256Hex(item.name)) yield { digest: item.name, writtenAt: item.properties.lastModified, size: item.properties.contentLength ?? 0 };
      }
    } catch (error) {
      // A container not created yet holds nothing.
      if (isNotFound(error)) return;
      throw refusal(this.name, error);
    }
  }

  /**
   * Copy Blob From URL when the source is another container of Azure Blob Storage: the service
   * reads the source itself through a short-lived read SAS, and the copy is then read back here,
   * inside the target's region, to check its digest.
   */
  async copyFrom(source: ChunkStore, digest: string): Promise<boolean> {
    if (!(source instanceof AzureBlobChunkStore)) return false;
    const target = this.blob(digest);
    await this.call(async () => {
      await this.ensureContainer();
      try {
        await target.syncCopyFromURL(source.readUrl(digest));
      } catch (error) {
        if (isNotFound(error)) throw new ChunkNotFoundError(source.name, digest);
        throw error;
      }
      const copied = await target.download();
      if ((await sha256HexOf(copied.readableStreamBody ?? Readable.from([]))) !== digest) {
        await target.deleteIfExists();
        throw new ChunkCorruptError(source.name, digest);
      }
    });
    return true;
  }

  /** A URL that lets another container's copy read `digest` here. */
  private readUrl(digest: string): string {
    const blob = this.blob(digest);
    if (!this.key) return blob.url;
    const sas = generateBlobSASQueryParameters(
      { containerName: this.settings.container, blobName: digest, permissions: BlobSASPermissions.parse("r"), expiresOn: new Date(Date.now() + COPY_SAS_MS) },
      this.key,
    );
    return `${blob.url}?${sas.toString()}`;
  }

  private blob(digest: string) {
    return this.container.getBlockBlobClient(checkedDigest(digest));
  }

  /** Creates the container on the first write; a SAS that may not create it is taken to mean it exists. */
  private ensureContainer(): Promise<void> {
    this.created ??= this.container.createIfNotExists().then(
      () => undefined,
      (error: unknown) => {
        this.created = undefined;
        if ((error as RestError).statusCode === 403 && this.settings.sas) return;
        throw error;
      },
    );
    return this.created;
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw refusal(this.name, error);
    }
  }
}

/** The account of a key: the path's first segment for an emulator (http://host:port/<account>), else the host's first label. */
function accountNameOf(url: URL): string {
  const segment = url.pathname.split("/").find(Boolean);
  return segment ?? url.hostname.split(".")[0] ?? "";
}

function isNotFound(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404;
}

/** A refused request as ChunkStoreRefusedError; anything else as it was. */
function refusal(store: string, error: unknown): unknown {
  if (error instanceof RestError && (error.statusCode === 401 || error.statusCode === 403)) return new ChunkStoreRefusedError(store, `${error.statusCode} ${error.code ?? "AuthenticationFailed"}`);
  return error;
}
