/**
 * Numbers and sentences shown in diagnostics, CodeLens and hovers. Every
 * message carries the numbers that triggered it, so a user can judge a finding
 * without opening a report.
 */
import type { SourceCard } from '../../../common/protocol';
import { agreementPercent, orderToNext } from '../../../common/stabilityLabel';
import type { MessageInfo } from '../live/state/results';
import type { Settings } from '../core/settings';
import type { SourceFindingId, TripleFindingId } from '../core/types';

/** Two decimals for ordinary values; two significant digits for tiny ones (t of a clear false negative is 1e-40). */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const ax = Math.abs(x);
  if (ax >= 0.01) return String(Number(x.toFixed(2)));
  return ax >= 1e-4 ? String(Number(x.toPrecision(2))) : x.toExponential(1);
}

/** Three significant digits (ECI_sem in nats: "12.7", "5.32", "0.531"). */
export function sig3(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(3))) : String(x);
}

export function percent(share: number): string {
  return `${Math.round(100 * share)}%`;
}

/** The message of one triple finding on its line. */
export function findingMessage(id: TripleFindingId, e: MessageInfo, s: Settings): string {
  const th = s.thresholds;
  switch (id) {
    case 'duplicate-of-positive':
      // Three decimals: 0.995 and 1 are different stories next to a 0.98 threshold.
      return e.textDuplicate
        ? `duplicate of the positive: the same text as the positive or the query once case and spacing are normalised (cos ${e.c.toFixed(3)})`
        : `duplicate of the positive (cos ${e.c.toFixed(3)} ≥ ${th.duplicateCosine})`;
    case 'near-duplicate-of-positive':
      return `near-duplicate of the positive: IDF-weighted Jaccard ${num(e.jaccard)} — if this edit deliberately changes the answer, keep it`;
    case 'likely-false-negative':
      return `likely false negative: the encoder prefers the negative by ${num(e.b - e.a)} (a ${num(e.a)}, b ${num(e.b)}, t = ${num(e.t)})`;
    case 'too-easy':
      return `too easy: locality l = ${num(e.l)} (margin ${num(e.delta)} ≫ τ ${s.temperature})`;
    case 'lexical-only':
      return `lexical-only: r = ${num(e.r)} (the negative repeats ${percent(1 - e.r)} of the query's IDF-weighted terms)`;
    case 'redundant': {
      const own = e.sources.find((x) => x.redundant) ?? e.sources.find((x) => x.gain !== undefined);
      const gain = own?.gain ?? 0;
      return `redundant: adds ${num(gain)} nats to ${own?.name ?? 'its source'}, its residual repeats another sampled negative (cos ≥ ${th.redundantCosine})`;
    }
  }
}

/** The message of a source-level finding, on the source's name in the config (or a loose file's first line). */
export function sourceFindingMessage(id: SourceFindingId, c: SourceCard, s: Settings): string {
  const th = s.thresholds;
  switch (id) {
    case 'low-diversity':
      return `${c.name}: low diversity δ ${num(c.diversity)} < ${th.lowDiversity} — its negatives point in few residual directions`;
    case 'many-false-negatives':
      return `${c.name}: many false negatives — ${percent(c.unsafeShare)} of its triples are duplicates, near-duplicates or likely false negatives (limit ${percent(th.manyFalseNegativesShare)})`;
    case 'under-sampled':
      return `${c.name}: under-sampled — ${c.size} triples < sample size ${s.sampleSize}, so its score is not compared at equal N`;
    case 'tied-with-next': {
      const st = c.stability;
      return `${c.name} ≈ ${st?.next ?? 'the next source'}: only ${agreementPercent(st?.agreementWithNext ?? 0)} of ${st?.resamples ?? s.resamples} half-samples rank it above (< ${agreementPercent(th.stableAgreement)}), so the order of the two is not supported`;
    }
  }
}

/**
 * How the rank of a source holds under half-sampling, in a few characters: `≈ LLM (61%)`
 * (tied with the next one), `> Dense (96%)`, `? Random (N differs)`; '' for the last of a
 * group or when the check is off; `stability pending` while it computes.
 */
export function stabilityText(c: SourceCard, pending: boolean): string {
  if (!c.stability) return pending && c.rank < c.groupSize ? 'stability pending' : '';
  return orderToNext(c.stability, c.stability.next, true) ?? '';
}

/** CodeLens title of a source: `ECI_sem 12.7 · rank 2/4 plain · ≈ LLM (61%) · δ 0.64 · 6% weak`. */
export function lensTitle(c: SourceCard, stabilityPending = false): string {
  const stable = stabilityText(c, stabilityPending);
  return `ECI_sem ${sig3(c.eci)} · rank ${c.rank}/${c.groupSize} ${c.group}${stable ? ` · ${stable}` : ''} · δ ${num(c.diversity)} · ${percent(c.weakShare ?? 0)} weak`;
}

export const SOURCE_FINDINGS: readonly SourceFindingId[] = ['low-diversity', 'many-false-negatives', 'under-sampled', 'tied-with-next'];
