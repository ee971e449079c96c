// The S3 chunk store against the conformance suite, on s3rver (test/support/s3-server.ts).

import { readFile, writeFile } from "node:fs/promises";
import { after, before } from "node:test";
import { S3ChunkStore } from "../../src/blob/drivers/s3-chunk-store.js";
import { Secret } from "../../src/blob/drivers/secret.js";
import type { ChunkStore } from "../../src/ports/chunk-store.js";
import { startS3Server, type S3Server } from "../support/s3-server.js";
import { chunkStoreConformance } from "./chunk-store.js";

let server: S3Server;
before(async () => (server = await startS3Server()));
after(() => server.stop());

let buckets = 0;
const bucketOf = new Map<ChunkStore, string>();
function openStore(bucket = `chunks-${++buckets}`): S3ChunkStore {
  const store = new S3ChunkStore(server.settings(bucket));
  bucketOf.set(store, bucket);
  return store;
}
const objectPath = (store: ChunkStore, digest: string) => server.objectPath(bucketOf.get(store) ?? "", digest);

chunkStoreConformance("s3 (s3rver)", async () => openStore(), {
  async corrupt(store, digest) {
    const data = await readFile(objectPath(store, digest));
    data[0] = (data[0] ?? 0) ^ 0xff;
    await writeFile(objectPath(store, digest), data);
  },
  // No backdate: s3rver reports a file's mtime as LastModified and leaves it as it is on a copy of
  // an object onto itself, which S3 moves; so the refresh cases cannot be seen here.
  async refused() {
    // s3rver checks the access key id, not the Signature V4 itself: an unknown key id is refused.
    const existing = openStore();
    return new S3ChunkStore({ ...server.settings(bucketOf.get(existing) ?? ""), accessKeyId: "NOT-A-KEY", secretAccessKey: new Secret("not-the-key") });
  },
  notAtomic: "s3rver writes an object in place, so a reader can see it half-written; S3 itself replaces objects atomically",
});
