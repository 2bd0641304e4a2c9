/** Reading bench/results.json's loosely typed figures for the generated tables. */
export type Json = Record<string, unknown>;
export const obj = (x: unknown): Json => (x && typeof x === 'object' ? x as Json : {});
export const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
export const fmt = (x: unknown, unit = ''): string => {
  const n = num(x);
  return n === null ? '—' : `${n}${unit}`;
};
