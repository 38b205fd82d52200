// Run an async function over the items of an iterable with at most `concurrency` calls in flight.
// Items are pulled lazily, so an iterable of 10 million paths never becomes an array of promises.

export async function forEachBounded<T>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const iterator =
    Symbol.asyncIterator in items
      ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]();
  let failed: { error: unknown } | null = null;
  let pulling: Promise<unknown> = Promise.resolve();
  // Pulls are serialised: an async iterator must not be advanced twice at once.
  const pull = (): Promise<IteratorResult<T>> => {
    const next = pulling.then(() => iterator.next());
    pulling = next.catch(() => undefined);
    return next;
  };
  const worker = async (): Promise<void> => {
    while (failed === null) {
      signal?.throwIfAborted();
      const next = await pull();
      if (next.done === true) return;
      await fn(next.value);
    }
  };
  const workers = Array.from({ length: Math.max(1, concurrency) }, () =>
    worker().catch((error: unknown) => {
      failed ??= { error };
    }),
  );
  await Promise.all(workers);
  if (failed !== null) {
    await (iterator as { return?: () => unknown }).return?.();
    throw (failed as { error: unknown }).error;
  }
}
