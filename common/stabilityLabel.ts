/**
 * How the order of a source to the next one holds under half-sampling, in the same
 * words in the CLI table, the CodeLens, the hover and the ranking panel.
 */

/** A share of half-samples in whole percent, rounded down: a tie never shows the threshold itself. */
export function agreementPercent(share: number): string {
  return `${Math.floor(100 * share + 1e-9)}%`;
}

interface OrderFacts { comparableWithNext: boolean; tiedWithNext: boolean; agreementWithNext: number | null }

/**
 * `≈ LLM 61%` (tied), `> Dense 96%` (the order holds), `? Random (N differs)` (not
 * comparable); null without a next source. `paren` puts the share in parentheses.
 */
export function orderToNext(st: OrderFacts | undefined, next: string | undefined, paren = false): string | null {
  if (!st || !next) return null;
  if (!st.comparableWithNext || st.agreementWithNext === null) return `? ${next} (N differs)`;
  const share = agreementPercent(st.agreementWithNext);
  return `${st.tiedWithNext ? '≈' : '>'} ${next} ${paren ? `(${share})` : share}`;
}
