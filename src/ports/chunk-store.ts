// A storage target's bytes: content-addressed chunks and manifests, each stored once under its
// SHA-256 digest (64 lower-case hex characters). Drivers: a local directory, an Azure Blob
// container and an S3 bucket; all pass the same conformance suite (test/conformance).

export interface ChunkStore {
  /** A name for logs and errors, e.g. "fs:/var/lib/vitrine/regions/westus/t1". */
  readonly name: string;
  has(digest: string): Promise<boolean>;
  /**
   * Sets the writtenAt of `digest` to now, as a put of it would, without its bytes; false when
   * the store does not have it. How a copy keeps a chunk the target already holds.
   */
  refresh(digest: string): Promise<boolean>;
  /**
   * Stores `data` under `digest`; idempotent and safe under concurrent writers of the same digest.
   * The driver verifies that `data` hashes to `digest` and refuses it otherwise, unless the caller
   * says it has just hashed these very bytes (`verified`: an ingest that computed the digest, a
   * copy of bytes that `get` verified), which saves hashing every chunk twice. Putting a digest
   * that is already present refreshes its `writtenAt`, so that garbage collection's grace period
   * protects a chunk that a new manifest is about to reference.
   */
  put(digest: string, data: Buffer, options?: PutOptions): Promise<void>;
  /** The bytes of `digest`, verified against it; throws ChunkNotFoundError when absent. */
  get(digest: string): Promise<Buffer>;
  /**
   * As get, with the bytes put in `into` (at least the chunk's length): a caller that reads chunk
   * after chunk (a download) reuses its buffers instead of allocating one per chunk, whose
   * external memory sets off the garbage collector's full collections. Returns a view of `into`,
   * or a buffer of its own from a driver that cannot.
   */
  getInto?(digest: string, into: Buffer): Promise<Buffer>;
  /** Removes `digest`; no error when absent. */
  delete(digest: string): Promise<void>;
  /** Every digest stored, with when it was written (for garbage collection's grace period). */
  list(): AsyncIterable<{ digest: string; writtenAt: Date; size: number }>;
  /**
   * Copies `digest` from `source` inside the storage service, without its bytes passing through
   * this process (between two local stores: through one reused buffer), and verifies the copy
   * against the digest; false when this store cannot copy from that one so (another kind of
   * store, another endpoint): the caller then gets and puts. A store with `sync` may defer the
   * copy's durability to it, as a deferred put.
   */
  copyFrom?(source: ChunkStore, digest: string): Promise<boolean>;
  /**
   * Gives back the space of deleted chunks where a delete does not (a local store's packs);
   * garbage collection calls it after its sweep. Object stores free space as they delete.
   */
  compact?(): Promise<{ bytesFreed: number }>;
  /**
   * Makes every deferred put so far durable and visible to other processes, then checks that each
   * of `digests` (the caller's chunks) is stored: ChunkNotFoundError for one that is not, a
   * deferred put lost to a failed write.
   */
  sync?(digests: Iterable<string>): Promise<void>;
}

export interface PutOptions {
  /** `digest` is the SHA-256 of `data`, computed by the caller from these bytes: not checked again. */
  verified?: boolean;
  /**
   * The put may resolve before the chunk is durable; `sync` makes it so. For a caller that stores
   * many chunks and then one object that references them (a manifest): it syncs before that one.
   * A store without `sync` stores every put durably.
   */
  deferred?: boolean;
}

export class ChunkNotFoundError extends Error {
  constructor(
    readonly store: string,
    readonly digest: string,
  ) {
    super(`chunk ${digest} not found in ${store}`);
    this.name = "ChunkNotFoundError";
  }
}

export class ChunkCorruptError extends Error {
  constructor(
    readonly store: string,
    readonly digest: string,
  ) {
    super(`chunk ${digest} in ${store} does not match its digest`);
    this.name = "ChunkCorruptError";
  }
}

/** The storage service refused this server's credentials (a wrong key, an expired SAS, no permission). */
export class ChunkStoreRefusedError extends Error {
  constructor(
    readonly store: string,
    readonly reason: string,
  ) {
    super(`${store} refused the configured credentials (${reason}); check the storage target's key or SAS`);
    this.name = "ChunkStoreRefusedError";
  }
}
