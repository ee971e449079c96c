// Files uploaded for application versions (`vitrine sig gallery-application version create
// --package-file`), kept until they expire so that a version's create can fetch them from their
// read URL like any other package link.

export interface StagedFile {
  size: number;
  /** Changes whenever the file's bytes could have: what the read URL sends as its ETag. */
  etag: string;
  modifiedAt: Date;
  /** Bytes [start, end], inclusive. */
  read(start: number, end: number): NodeJS.ReadableStream;
}

export interface PackageStaging {
  /** Reserves an upload of exactly `size` bytes, kept until `expiresAt`. */
  create(id: string, size: number, expiresAt: Date): Promise<void>;
  /** Writes the whole file from `body`; refused (errors.invalidHeaderValue) unless it has exactly the reserved size. */
  write(id: string, body: AsyncIterable<Buffer>): Promise<void>;
  /** The uploaded file, or undefined when there is none (never written, incomplete, expired, or unknown). */
  open(id: string, now: Date): Promise<StagedFile | undefined>;
  /** Deletes the uploads that have expired. */
  sweep(now: Date): Promise<void>;
}
