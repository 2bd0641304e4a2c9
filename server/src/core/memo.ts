/**
 * A bounded memo: values by key, forgotten in generations so that memory stays
 * bounded on inputs with millions of distinct keys while the keys that recur
 * (a positive shared by every source of a query, a query with many negatives)
 * are computed once. Two maps: lookups try the current one, then the previous,
 * promoting what they find; when the current one is full it becomes the
 * previous and the oldest generation is dropped.
 */
export class BoundedMemo<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();

  constructor(private readonly generation: number, private readonly compute: (key: K) => V) {}

  get(key: K): V {
    let v = this.current.get(key);
    if (v !== undefined) return v;
    v = this.previous.get(key);
    if (v === undefined) v = this.compute(key);
    if (this.current.size >= this.generation) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, v);
    return v;
  }
}
