/**
 * The median of a list of numbers, by selection (expected linear time) rather than
 * a sort: the residual scale m of spec §2 is the median ‖u‖ over every triple of an
 * analysis, 100k–10M values a run.
 */

/**
 * Median (mean of the two middle values when the count is even), selected in
 * linear time on a copy so the caller's array — often a view into a column
 * table — is left in place. The values are those a full sort would put in the
 * middle, so the result is the same bits. Empty input has no median: NaN.
 * Inputs are assumed NaN-free.
 */
export function median(values: Float64Array | number[]): number {
  const n = values.length;
  if (n === 0) return NaN;
  const a = Float64Array.from(values);
  const mid = n >> 1;
  const upper = selectNth(a, mid);
  if (n % 2 === 1) return upper;
  // After selection every value left of `mid` is ≤ a[mid]: the largest of them is the lower middle.
  let lower = -Infinity;
  for (let k = 0; k < mid; k++) if (a[k] > lower) lower = a[k];
  return (lower + upper) / 2;
}

/**
 * Hoare's selection (quickselect with a median-of-three pivot): rearranges `a` so
 * that a[k] is the value a sort would put there, everything before it ≤ a[k] and
 * everything after it ≥ a[k]; returns a[k]. Expected O(n).
 */
function selectNth(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const m = (lo + hi) >> 1;
    // Median of three as the pivot: sorted runs (common for norms read in order) stay linear.
    if (a[m] < a[lo]) swap(a, m, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[m]) swap(a, hi, m);
    const pivot = a[m];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) { swap(a, i, j); i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
