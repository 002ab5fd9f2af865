/**
 * Single-flight reads with a short time to live. Concurrent requests for the same thing share one call, and its
 * answer serves later requests for `ttlMs`. The status route needs this: Temporal answers queries to one workflow one
 * at a time (while a workflow task runs it buffers a single query and refuses the rest with RESOURCE_EXHAUSTED,
 * which the client retries with backoff), so fifty dashboards polling one cycle would otherwise wait seconds. The
 * record routes use it too: their rows change once per tick, and identical polls need not each reach the database.
 * Failures are not kept: the next request tries again.
 */
export class ReadCache {
  private readonly entries = new Map<string, { promise: Promise<unknown>; expiresAtMs: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.ttlMs <= 0) return load();
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.expiresAtMs > this.now()) return hit.promise as Promise<T>;
    // In flight until it settles: every request meanwhile joins it.
    const entry = { promise: load() as Promise<unknown>, expiresAtMs: Number.POSITIVE_INFINITY };
    this.entries.delete(key);
    this.entries.set(key, entry);
    entry.promise.then(
      () => {
        entry.expiresAtMs = this.now() + this.ttlMs;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    return entry.promise as Promise<T>;
  }

  /** Forgets the entry (after a change made through this API). */
  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every entry whose key starts with `prefix` (e.g. a record route with any query string). */
  deletePrefix(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
