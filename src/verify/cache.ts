/**
 * A bounded least-recently-used map whose entries carry their own deadline: a `Map` for lookup plus a
 * doubly linked list for recency, so a hit only relinks two nodes and eviction drops the tail — no
 * iteration over the `Map` (whose iterator walks past deleted slots) and no timers (nothing keeps a
 * Worker isolate or a Node process busy).
 */

/** Counters of a {@link TtlLru}. */
export interface LruStats {
  size: number;
  evictions: number;
}

interface Node<V> {
  key: string;
  value: V;
  expiresAt: number;
  prev: Node<V> | null;
  next: Node<V> | null;
}

/**
 * @example const c = new TtlLru<string>(1000); c.set("k", "v", Date.now() + 60_000, Date.now()); c.get("k", Date.now());
 */
export class TtlLru<V> {
  readonly #map = new Map<string, Node<V>>();
  /** Most recently used. */
  #head: Node<V> | null = null;
  /** Least recently used: evicted first. */
  #tail: Node<V> | null = null;
  #evictions = 0;

  constructor(readonly maxEntries: number) {}

  /** The live value of `key`, or undefined (an expired entry is dropped on the way). */
  get(key: string, now: number): V | undefined {
    const node = this.#map.get(key);
    if (node === undefined) return undefined;
    if (node.expiresAt <= now) {
      this.#remove(node);
      return undefined;
    }
    if (node !== this.#head) {
      this.#unlink(node);
      this.#pushHead(node);
    }
    return node.value;
  }

  /** Store `value` until `expiresAt` (epoch ms); the least recently used entry goes when full. */
  set(key: string, value: V, expiresAt: number, now: number): void {
    if (this.maxEntries === 0 || expiresAt <= now) return;
    const old = this.#map.get(key);
    if (old !== undefined) this.#remove(old);
    const node: Node<V> = { key, value, expiresAt, prev: null, next: null };
    this.#map.set(key, node);
    this.#pushHead(node);
    while (this.#map.size > this.maxEntries && this.#tail !== null) {
      this.#remove(this.#tail);
      this.#evictions++;
    }
  }

  stats(): LruStats {
    return { size: this.#map.size, evictions: this.#evictions };
  }

  #remove(node: Node<V>): void {
    this.#map.delete(node.key);
    this.#unlink(node);
  }

  #unlink(node: Node<V>): void {
    if (node.prev) node.prev.next = node.next;
    else this.#head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.#tail = node.prev;
    node.prev = node.next = null;
  }

  #pushHead(node: Node<V>): void {
    node.next = this.#head;
    if (this.#head) this.#head.prev = node;
    this.#head = node;
    this.#tail ??= node;
  }
}
