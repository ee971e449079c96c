// PackageStaging on the local filesystem: one directory per upload, holding its metadata (size,
// expiry) and, once the whole body has arrived, the file. A body is written to a temporary name
// and renamed when complete, so a file present is a file whole.

import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { errors } from "../core/errors.js";
import type { PackageStaging, StagedFile } from "../ports/package-staging.js";

interface Meta {
  size: number;
  expiresAt: string;
}

const ID = /^[0-9a-f-]{36}$/;

export class FsPackageStaging implements PackageStaging {
  constructor(private readonly dir: string) {}

  async create(id: string, size: number, expiresAt: Date): Promise<void> {
    const dir = this.dirOf(id);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "meta.json"), JSON.stringify({ size, expiresAt: expiresAt.toISOString() } satisfies Meta));
  }

  async write(id: string, body: AsyncIterable<Buffer>): Promise<void> {
    const meta = await this.meta(id);
    if (!meta) throw errors.blobNotFound();
    const dir = this.dirOf(id);
    const partial = join(dir, `file.${process.pid}.${Date.now()}.part`);
    let received = 0;
    try {
      await pipeline(
        body,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            received += chunk.length;
            if (received > meta.size) throw errors.invalidHeaderValue("Content-Length", `The upload was reserved for ${meta.size} bytes; more arrived.`);
            yield chunk;
          }
        },
        createWriteStream(partial),
      );
      if (received !== meta.size) throw errors.invalidHeaderValue("Content-Length", `The upload was reserved for ${meta.size} bytes; ${received} arrived.`);
      await rename(partial, join(dir, "file"));
    } finally {
      await rm(partial, { force: true });
    }
  }

  async open(id: string, now: Date): Promise<StagedFile | undefined> {
    const meta = await this.meta(id);
    if (!meta || Date.parse(meta.expiresAt) <= now.getTime()) return undefined;
    const path = join(this.dirOf(id), "file");
    const info = await stat(path).catch(() => undefined);
    if (!info) return undefined;
    return {
      size: info.size,
      etag: `"${info.mtimeMs.toString(16)}-${info.size.toString(16)}"`,
      modifiedAt: info.mtime,
      read: (start, end) => createReadStream(path, { start, end }),
    };
  }

  async sweep(now: Date): Promise<void> {
    const ids = await readdir(this.dir).catch(() => [] as string[]);
    for (const id of ids) {
      const meta = await this.meta(id);
      if (!meta || Date.parse(meta.expiresAt) <= now.getTime()) await rm(this.dirOf(id), { recursive: true, force: true });
    }
  }

  private async meta(id: string): Promise<Meta | undefined> {
    if (!ID.test(id)) return undefined;
    try {
      return JSON.parse(await readFile(join(this.dirOf(id), "meta.json"), "utf8")) as Meta;
    } catch {
      return undefined;
    }
  }

  private dirOf(id: string): string {
    return join(this.dir, id);
  }
}
