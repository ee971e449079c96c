// One chunk store over several: every chunk is written to all of them, and read from the first
// that returns it intact. This is how a zone-redundant replica lives on a target in each of three
// zones: losing one zone's target (missing, unreadable or damaged chunks) loses no data, and
// reads go on from the others.

import { ChunkCorruptError, ChunkNotFoundError, type ChunkStore, type PutOptions } from "../../ports/chunk-store.js";

export class MirroredChunkStore implements ChunkStore {
  readonly name: string;

  constructor(private readonly members: readonly ChunkStore[]) {
    if (members.length === 0) throw new RangeError("a mirrored chunk store needs at least one member");
    this.name = `mirror(${members.map((member) => member.name).join(", ")})`;
  }

  /** Whether every member has it: a chunk one of them lacks is put again, which repairs that member. */
  async has(digest: string): Promise<boolean> {
    const answers = await Promise.all(this.members.map((member) => member.has(digest)));
    return answers.every(Boolean);
  }

  /** True when every member had it (and refreshed it); false sends the caller to put it, which fills the gaps. */
  async refresh(digest: string): Promise<boolean> {
    const answers = await Promise.all(this.members.map((member) => member.refresh(digest)));
    return answers.every(Boolean);
  }

  async put(digest: string, data: Buffer, options?: PutOptions): Promise<void> {
    await Promise.all(this.members.map((member) => member.put(digest, data, options)));
  }

  async sync(digests: Iterable<string>): Promise<void> {
    const all = [...digests];
    await Promise.all(this.members.map((member) => member.sync?.(all)));
  }

  /**
   * The first intact copy, in member order. ChunkNotFoundError only when no member has it;
   * ChunkCorruptError when those that have it hold damaged bytes; another failure when a member
   * could not be read at all and no other one had the chunk.
   */
  get(digest: string): Promise<Buffer> {
    return this.fromAnyMember(digest, (member) => member.get(digest));
  }

  getInto(digest: string, into: Buffer): Promise<Buffer> {
    return this.fromAnyMember(digest, (member) => (member.getInto ? member.getInto(digest, into) : member.get(digest)));
  }

  /** The first member's answer that succeeds; else the failure that says most (another error, then damage, then absence). */
  private async fromAnyMember(digest: string, read: (member: ChunkStore) => Promise<Buffer>): Promise<Buffer> {
    const failures: unknown[] = [];
    for (const member of this.members) {
      try {
        return await read(member);
      } catch (error) {
        failures.push(error);
      }
    }
    const other = failures.find((error) => !(error instanceof ChunkNotFoundError) && !(error instanceof ChunkCorruptError));
    if (other) throw other;
    if (failures.some((error) => error instanceof ChunkCorruptError)) throw new ChunkCorruptError(this.name, digest);
    throw new ChunkNotFoundError(this.name, digest);
  }

  /** A server-side copy into every member; false (the caller then puts, filling the gaps) unless each member could copy so. */
  async copyFrom(source: ChunkStore, digest: string): Promise<boolean> {
    const answers = await Promise.all(this.members.map((member) => member.copyFrom?.(source, digest) ?? false));
    return answers.every(Boolean);
  }

  async delete(digest: string): Promise<void> {
    await Promise.all(this.members.map((member) => member.delete(digest)));
  }

  /** Every digest any member holds, once, with its latest writtenAt. */
  async *list(): AsyncIterable<{ digest: string; writtenAt: Date; size: number }> {
    const seen = new Map<string, { digest: string; writtenAt: Date; size: number }>();
    for (const member of this.members) {
      for await (const entry of member.list()) {
        const known = seen.get(entry.digest);
        if (!known || known.writtenAt < entry.writtenAt) seen.set(entry.digest, entry);
      }
    }
    yield* [...seen.values()].sort((a, b) => a.digest.localeCompare(b.digest));
  }
}
