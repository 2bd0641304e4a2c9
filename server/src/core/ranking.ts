/**
 * Ranking of sources (spec §3): by ECI_sem at the common sample size, within
 * two groups — plain sources and hybrid (per-query union) sources — as the
 * paper reports them. Hybrids are ranked apart because a union of sources
 * naturally has more, and more diverse, negatives per query.
 */

export interface RankItem {
  name: string;
  group: 'plain' | 'hybrid';
  eci: number;
}

/**
 * Rank within each group by eci descending (1 = best). Ties — and NaN scores,
 * which sort last — are broken by name in code-unit order (not locale order),
 * so the ranking is the same on every machine. Names must be unique: the
 * result is keyed by name.
 */
export function rankSources(items: readonly RankItem[]): Map<string, number> {
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.name)) throw new Error(`rankSources: duplicate source name "${it.name}"`);
    seen.add(it.name);
  }
  const ranks = new Map<string, number>();
  for (const group of ['plain', 'hybrid'] as const) {
    const members = items.filter((it) => it.group === group);
    members.sort((x, y) => {
      const xn = Number.isNaN(x.eci), yn = Number.isNaN(y.eci);
      if (xn !== yn) return xn ? 1 : -1;
      if (!xn && x.eci !== y.eci) return y.eci - x.eci;
      return x.name < y.name ? -1 : x.name > y.name ? 1 : 0;
    });
    members.forEach((it, k) => ranks.set(it.name, k + 1));
  }
  return ranks;
}
