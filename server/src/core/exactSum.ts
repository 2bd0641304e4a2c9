/**
 * A sum of float64 values that does not depend on their order: the exact sum is
 * kept as a short list of non-overlapping partials (Shewchuk's algorithm) and
 * rounded once, correctly, at the end. Means over a source's triples use it, so
 * reading the same triples in another line order gives the same bits (the
 * sample's invariance to line order would be worth little if the means moved).
 */
export class ExactSum {
  private readonly partials: number[] = [];
  /** Partials in use (the array is not shrunk: setting an array's length is slow in V8). */
  private size = 0;
  /** Infinities and NaN, which the partials cannot hold: summed plainly. */
  private special = 0;
  private hasSpecial = false;

  add(value: number): void {
    if (!Number.isFinite(value)) {
      this.special += value;
      this.hasSpecial = true;
      return;
    }
    const p = this.partials;
    let x = value;
    let kept = 0;
    for (let k = 0; k < this.size; k++) {
      let y = p[k];
      if (Math.abs(x) < Math.abs(y)) { const t = x; x = y; y = t; }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[kept++] = lo;
      x = hi;
    }
    p[kept] = x;
    this.size = kept + 1;
  }

  /** The exact sum rounded to the nearest float64 (ties to even). */
  value(): number {
    if (this.hasSpecial) return this.special;
    const p = this.partials;
    let n = this.size;
    if (n === 0) return 0;
    let hi = p[--n];
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n];
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half-way cases correctly: the partials below may tip the balance.
    if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}
