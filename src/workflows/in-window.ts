/**
 * Runs `run` over `items` with at most `size` under way at once, starting the next item as soon as any finishes;
 * results keep the items' order. In workflow code this is deterministic: which run finishes first comes from history.
 */
export async function inWindow<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, size), items.length) }, lane));
  return results;
}
