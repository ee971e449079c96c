// A small least-recently-used cache of loads (L2 tables, sector bitmaps): sequential reads of an
// image hit the same table again and again, and loads in flight are shared, not repeated.

export class LruCache<K, V, Id = K> {
  private readonly entries = new Map<Id, Promise<V>>();

  /** `idOf` names a key in the cache (for keys that are objects); by default the key itself. */
  constructor(
    private readonly capacity: number,
    private readonly load: (key: K) => Promise<V>,
    private readonly idOf: (key: K) => Id = (key) => key as unknown as Id,
  ) {}

  get(input: K): Promise<V> {
    const key = this.idOf(input);
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
    } else {
      const loading = this.load(input);
      // A failed load is not remembered, so a later read tries again.
      loading.catch(() => {
        if (this.entries.get(key) === loading) this.entries.delete(key);
      });
      entry = loading;
      if (this.entries.size >= this.capacity) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.entries.delete(oldest.value);
      }
    }
    this.entries.set(key, entry);
    return entry;
  }
}
