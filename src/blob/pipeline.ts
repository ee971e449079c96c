// Bounded concurrency for the chunk pipelines (ingest, export, verification, garbage collection):
// a few chunks in flight keep a remote store or a URL busy, and a bound keeps memory at a few MiB
// whatever the disk's size.

/**
 * The results of `load` for each item, in the items' order, with up to `depth` loads running
 * ahead of the one being consumed. A load's failure is thrown when its turn comes; loads already
 * started are settled before the generator finishes, so nothing runs on after a failure or a `break`.
 */
export async function* prefetch<T, R>(items: Iterable<T>, depth: number, load: (item: T) => Promise<R>): AsyncGenerator<R> {
  const iterator = items[Symbol.iterator]();
  const pending: Promise<R>[] = [];
  try {
    for (;;) {
      while (pending.length <= depth) {
        const next = iterator.next();
        if (next.done) break;
        const loading = load(next.value);
        // A rejection is thrown when the consumer reaches it, or dropped in `finally`.
        loading.catch(() => undefined);
        pending.push(loading);
      }
      const head = pending.shift();
      if (!head) return;
      yield await head;
    }
  } finally {
    await Promise.allSettled(pending);
  }
}

/**
 * Runs `work` on each item with at most `limit` running at once, pulling the next item only when
 * a slot is free. The first failure (of `work` or of the items) stops it; it is thrown once the
 * running work has settled.
 */
export async function forEachLimited<T>(items: Iterable<T> | AsyncIterable<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown) => {
    failure ??= { error };
  };
  try {
    for await (const item of items) {
      const task: Promise<void> = work(item).then(undefined, fail).finally(() => running.delete(task));
      running.add(task);
      if (running.size >= limit) await Promise.race(running);
      if (failure) break;
    }
  } catch (error) {
    fail(error);
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}
