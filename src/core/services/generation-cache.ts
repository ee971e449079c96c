// Values read from the store, kept while the store's access generation stays where it was when
// they were read (MetadataStore.accessGeneration). The generation is read before the values, so
// a kept value is at least as new as its generation; any later write to what it was read from
// raises the generation, and the first request that sees the new number starts afresh.

/** Entries kept at most for one generation; past it the oldest goes first. */
const DEFAULT_LIMIT = 10_000;

export class GenerationCache<V> {
  private generation: number | undefined;
  private readonly entries = new Map<string, Promise<V>>();

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  /**
   * The value of `key` read at `generation` or later: kept if it was, else `load`ed (once for
   * concurrent callers). An undefined generation keeps nothing.
   */
  get(generation: number | undefined, key: string, load: () => Promise<V>): Promise<V> {
    // A caller that read an older generation than the one kept (it was slower) reads for itself.
    if (generation === undefined || (this.generation !== undefined && generation < this.generation)) return load();
    if (generation !== this.generation) {
      this.entries.clear();
      this.generation = generation;
    }
    const kept = this.entries.get(key);
    if (kept) return kept;
    const loading = load();
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, loading);
    // A failed read is not kept; nor is one that a newer generation has replaced meanwhile.
    loading.catch(() => {
      if (this.entries.get(key) === loading) this.entries.delete(key);
    });
    return loading;
  }
}
