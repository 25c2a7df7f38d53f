/**
 * A bounded least-recently-used map whose entries carry their own deadline. A JavaScript `Map` keeps
 * insertion order, so re-inserting on every hit makes its first key the least recently used one: O(1)
 * per operation, no timers (nothing keeps a Worker isolate or a Node process busy).
 */

/** Counters of a {@link TtlLru}. */
export interface LruStats {
  size: number;
  evictions: number;
}

/**
 * @example const c = new TtlLru<string>(1000); c.set("k", "v", Date.now() + 60_000, Date.now()); c.get("k", Date.now());
 */
export class TtlLru<V> {
  readonly #map = new Map<string, { value: V; expiresAt: number }>();
  #evictions = 0;

  constructor(readonly maxEntries: number) {}

  /** The live value of `key`, or undefined (an expired entry is dropped on the way). */
  get(key: string, now: number): V | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    this.#map.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.#map.set(key, entry);
    return entry.value;
  }

  /** Store `value` until `expiresAt` (epoch ms); the least recently used entry goes when full. */
  set(key: string, value: V, expiresAt: number, now: number): void {
    if (this.maxEntries === 0 || expiresAt <= now) return;
    this.#map.delete(key);
    this.#map.set(key, { value, expiresAt });
    while (this.#map.size > this.maxEntries) {
      const oldest = this.#map.keys().next();
      if (oldest.done) break;
      this.#map.delete(oldest.value);
      this.#evictions++;
    }
  }

  stats(): LruStats {
    return { size: this.#map.size, evictions: this.#evictions };
  }
}
