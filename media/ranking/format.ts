/** Pure formatting for the panel (no DOM), so numbers read the same everywhere. */
import type { FindingId, RunState, SourceCard } from '../../common/protocol';
import { orderToNext } from '../../common/stabilityLabel';

export function num(x: number | undefined | null, digits: number): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '–';
}

export function percent(x: number | undefined | null): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${Math.round(x * 100)}%` : '–';
}

export { FINDING_LABELS } from '../../common/findingLabels';

const SOURCE_FLAGS: FindingId[] = ['under-sampled', 'low-diversity', 'many-false-negatives'];
/** Findings that mean "this triple may teach the wrong thing", shown as errors/warnings. */
export const UNSAFE: ReadonlySet<FindingId> = new Set<FindingId>(['duplicate-of-positive', 'near-duplicate-of-positive', 'likely-false-negative']);

export function tripleFindings(card: SourceCard): { id: FindingId; count: number }[] {
  const out: { id: FindingId; count: number }[] = [];
  for (const [id, count] of Object.entries(card.findings) as [FindingId, number | undefined][]) {
    if (!SOURCE_FLAGS.includes(id) && count) out.push({ id, count });
  }
  return out;
}

export function sourceFlags(card: SourceCard): FindingId[] {
  return SOURCE_FLAGS.filter((id) => (id === 'under-sampled' && card.underSampled) || (card.findings[id] ?? 0) > 0);
}

/** "examples/eci.config.jsonc" for a config URI; the host knows workspace-relative paths, the page does not. */
export function scopeLabel(scope: string): string {
  if (scope === 'workspace' || scope === '') return 'Workspace triple files';
  return tail(scope, 2);
}

/** The last `n` path segments of a URI, decoded. */
export function tail(uri: string, n: number): string {
  try {
    const parts = decodeURIComponent(new URL(uri).pathname).split('/').filter(Boolean);
    return parts.slice(-n).join('/');
  } catch {
    return uri;
  }
}

/** The order of a source and the next one under half-sampling: `≈ LLM 61%`, `> Dense 96%`, `? Random (N differs)`, or '–'. */
export function stableText(card: SourceCard, pending: boolean): string {
  if (!card.stability) return pending && card.rank < card.groupSize ? 'pending…' : '–';
  return orderToNext(card.stability, card.stability.next) ?? '–';
}

export function statusText(s: RunState): string {
  switch (s.state) {
    case 'running':
      return `Scoring ${scopeLabel(s.scope)}: ${s.phase}${s.total > 0 ? ` ${s.done}/${s.total}` : ''}…${s.sampleRanking ? ' (ranking shown from the samples)' : ''}`;
    case 'failed':
      return `Last run failed (${scopeLabel(s.scope)}): ${s.message}`;
    case 'done':
      return `Scored ${scopeLabel(s.scope)} in ${s.seconds.toFixed(1)} s`;
    default:
      return '';
  }
}
