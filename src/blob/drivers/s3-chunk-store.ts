// The chunk store of an S3 bucket (AWS S3 or any S3-compatible store): each chunk (and manifest)
// an object keyed by its digest. PutObject replaces an object atomically on S3, so a reader sees
// a whole chunk or none, and concurrent writers of one digest each write the same bytes.
//
// writtenAt is the object's LastModified; a refresh copies the object onto itself with its
// metadata replaced, which S3 allows and which moves LastModified without sending the bytes.

import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { ChunkCorruptError, ChunkNotFoundError, ChunkStoreRefusedError, type ChunkStore, type PutOptions } from "../../ports/chunk-store.js";
import { checkedDigest, isSha256Hex, sha256HexOf, verifiedChunk } from "../digest.js";
import type { Secret } from "./secret.js";

export interface S3Settings {
  /** e.g. https://s3.eu-west-1.amazonaws.com, or an S3-compatible store's URL. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: Secret;
  /** Buckets in the path (endpoint/bucket/key) rather than the host name; what most S3-compatible stores want. Default true. */
  forcePathStyle?: boolean;
}

const NOT_FOUND = new Set(["NotFound", "NoSuchKey", "NoSuchBucket"]);
const REFUSED = new Set(["AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"]);

export class S3ChunkStore implements ChunkStore {
  readonly name: string;
  private readonly client: S3Client;
  private created: Promise<void> | undefined;

  constructor(private readonly settings: S3Settings) {
    // The name shows in logs: the endpoint and bucket, never a credential.
    this.name = `s3:${new URL(settings.endpoint).origin}/${settings.bucket}`;
    this.client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle ?? true,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey.reveal() },
      // Checksums only where S3 requires them: S3-compatible stores that predate the flexible
      // checksums would store aws-chunked framing as the object's bytes. Digests are checked here anyway.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  async has(digest: string): Promise<boolean> {
    return (await this.sizeOf(digest)) !== undefined;
  }

  async refresh(digest: string): Promise<boolean> {
    return this.call(async () => {
      try {
        await this.client.send(
          new CopyObjectCommand({ ...this.key(digest), CopySource: this.copySource(digest), MetadataDirective: "REPLACE", Metadata: { refreshed: new Date().toISOString() } }),
        );
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    });
  }

  /** An object of the right length already there is refreshed, not written again (damage in it shows on get). */
  async put(digest: string, data: Buffer, options: PutOptions = {}): Promise<void> {
    const key = this.key(digest);
    if (!options.verified) verifiedChunk(this.name, digest, data);
    if ((await this.sizeOf(digest)) === data.length && (await this.refresh(digest))) return;
    await this.call(async () => {
      await this.ensureBucket();
      await this.client.send(new PutObjectCommand({ ...key, Body: data, ContentLength: data.length }));
    });
  }

  async get(digest: string): Promise<Buffer> {
    const key = this.key(digest);
    const data = await this.call(async () => {
      try {
        const response = await this.client.send(new GetObjectCommand(key));
        return Buffer.from((await response.Body?.transformToByteArray()) ?? []);
      } catch (error) {
        if (isNotFound(error)) throw new ChunkNotFoundError(this.name, digest);
        throw error;
      }
    });
    return verifiedChunk(this.name, digest, data);
  }

  async delete(digest: string): Promise<void> {
    const key = this.key(digest);
    await this.call(async () => {
      try {
        await this.client.send(new DeleteObjectCommand(key));
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    });
  }

  async *list(): AsyncIterable<{ digest: string; writtenAt: Date; size: number }> {
    try {
      for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.settings.bucket })) {
        for (const object of page.Contents ?? []) {
          if (object.Key && isSha256Hex(object.Key)) yield { digest: object.Key, writtenAt: object.LastModified ?? new Date(0), size: object.Size ?? 0 };
        }
      }
    } catch (error) {
      // A bucket not created yet holds nothing.
      if (isNotFound(error)) return;
      throw refusal(this.name, error);
    }
  }

  /**
   * CopyObject when the source is a bucket on the same endpoint under the same access key: the
   * store copies the bytes itself, and the copy is then read back here to check its digest.
   */
  async copyFrom(source: ChunkStore, digest: string): Promise<boolean> {
    if (!(source instanceof S3ChunkStore) || source.settings.endpoint !== this.settings.endpoint || source.settings.accessKeyId !== this.settings.accessKeyId) return false;
    const key = this.key(digest);
    await this.call(async () => {
      await this.ensureBucket();
      try {
        await this.client.send(new CopyObjectCommand({ ...key, CopySource: source.copySource(digest) }));
      } catch (error) {
        if (isNotFound(error)) throw new ChunkNotFoundError(source.name, digest);
        throw error;
      }
      const copied = await this.client.send(new GetObjectCommand(key));
      if (!copied.Body || (await sha256HexOf(copied.Body as AsyncIterable<Uint8Array>)) !== digest) {
        await this.client.send(new DeleteObjectCommand(key));
        throw new ChunkCorruptError(source.name, digest);
      }
    });
    return true;
  }

  private key(digest: string): { Bucket: string; Key: string } {
    return { Bucket: this.settings.bucket, Key: checkedDigest(digest) };
  }

  private copySource(digest: string): string {
    return `${this.settings.bucket}/${checkedDigest(digest)}`;
  }

  private async sizeOf(digest: string): Promise<number | undefined> {
    const key = this.key(digest);
    return this.call(async () => {
      try {
        return (await this.client.send(new HeadObjectCommand(key))).ContentLength ?? 0;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    });
  }

  /** Creates the bucket on the first write; one that exists already, or that the key may not create, is taken as it is. */
  private ensureBucket(): Promise<void> {
    this.created ??= this.client.send(new CreateBucketCommand({ Bucket: this.settings.bucket })).then(
      () => undefined,
      (error: unknown) => {
        const name = (error as { name?: string }).name;
        if (name === "BucketAlreadyOwnedByYou" || name === "BucketAlreadyExists" || name === "AccessDenied") return;
        this.created = undefined;
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

function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (NOT_FOUND.has(error.name) || error.$metadata.httpStatusCode === 404);
}

/** A refused request as ChunkStoreRefusedError; anything else as it was. */
function refusal(store: string, error: unknown): unknown {
  if (error instanceof S3ServiceException && (REFUSED.has(error.name) || error.$metadata.httpStatusCode === 403)) return new ChunkStoreRefusedError(store, `${error.$metadata.httpStatusCode ?? 403} ${error.name}`);
  return error;
}
