// Buffers of one size, lent and given back, the last few kept for the next borrower: bytes that
// pass through the server a few MiB at a time (page-write bodies, the chunks of a download) reuse
// memory instead of allocating a buffer each time. A fresh buffer's external memory counts towards
// V8's next full garbage collection, and gigabytes of them set off dozens, each a pause for every
// other request (docs/benchmarks.md).

export class ReusedBuffers {
  private readonly spare: Buffer[] = [];
  /** Weak: a buffer never given back (its write never called back) is simply collected. */
  private readonly lent = new WeakSet<ArrayBufferLike>();

  constructor(
    readonly size: number,
    /** Spare buffers kept at most; past that, a buffer given back is left to the collector. */
    private readonly keep: number,
  ) {}

  /** A buffer of `size` bytes, spare or new; it holds whatever it last held. */
  take(): Buffer {
    const buffer = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.size);
    this.lent.add(buffer.buffer);
    return buffer;
  }

  /** Takes back a buffer `take` lent, or a view of one; anything else, or a second return, is ignored. */
  give(view: unknown): void {
    if (!Buffer.isBuffer(view) || !this.lent.delete(view.buffer)) return;
    if (this.spare.length < this.keep) this.spare.push(Buffer.from(view.buffer, 0, this.size));
  }
}
