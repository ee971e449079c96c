// A small least-recently-used cache of loads (L2 tables, sector bitmaps): sequential reads of an
// image hit the same table again and again, and loads in flight are shared, not repeated.

export class LruCache<K, V> {
  private readonly entries = new Map<K, Promise<V>>();

  constructor(
    private readonly capacity: number,
    private readonly load: (key: K) => Promise<V>,
  ) {}

  get(key: K): Promise<V> {
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
    } else {
      const loading = this.load(key);
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
