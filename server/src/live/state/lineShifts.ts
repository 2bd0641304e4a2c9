/**
 * Where the lines of an earlier version of an open document are now. A run's
 * findings describe the text it read; while the next run is pending, the
 * findings of lines the user did not touch stay shown, moved with the edits (as
 * ESLint and rust-analyzer keep theirs), and only edited lines' findings are
 * withdrawn. Each content change is kept as a line transform; a mapping from
 * version v composes the transforms recorded after v.
 */

/** One replacement, in lines of the document before it: old lines [start, end] became `lines` + 1 lines. */
interface Shift {
  /** Version of the document after this change. */
  version: number;
  start: number;
  end: number;
  /** Line breaks in the inserted text. */
  breaks: number;
  /** Old line `end` is intact after the change (the replacement ended at its first column with a line break or nothing). */
  endSurvives: boolean;
}

interface Range { start: { line: number; character: number }; end: { line: number; character: number } }

/** A change of the text: a replacement of `range`, or the whole document when `range` is absent. */
export type ContentChange = { range: Range; text: string } | { text: string };

/** Changes kept per document; a result older than these has nothing to carry (its findings wait for the next run). */
export const MAX_SHIFTS = 2000;

function lineBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) { n++; if (text.charCodeAt(i + 1) === 10) i++; }
  }
  return n;
}

export class LineShifts {
  private shifts: Shift[] = [];
  /** Versions before this one cannot be mapped (a whole-document change, or history dropped). */
  private floor = -Infinity;

  /** Records the changes that made `version` (in the order the client sent them). */
  record(version: number, changes: readonly ContentChange[]): void {
    for (const c of changes) {
      if (!('range' in c) || !c.range) {
        // The whole text replaced: no line of an earlier version is known to survive.
        this.shifts = [];
        this.floor = version;
        continue;
      }
      const { start, end } = c.range;
      const lastChar = c.text.charCodeAt(c.text.length - 1);
      this.shifts.push({
        version, start: start.line, end: end.line, breaks: lineBreaks(c.text),
        endSurvives: start.character === 0 && end.character === 0 && (c.text === '' || lastChar === 10 || lastChar === 13),
      });
    }
    if (this.shifts.length > MAX_SHIFTS) {
      const drop = this.shifts.length - MAX_SHIFTS;
      this.floor = Math.max(this.floor, this.shifts[drop - 1].version);
      this.shifts = this.shifts.slice(drop);
    }
  }

  /**
   * A function from a 0-based line of version `from` to its line now, or -1 when that
   * line was edited or deleted since; null when `from` is too old to map.
   */
  mapper(from: number): ((line: number) => number) | null {
    if (from < this.floor) return null;
    const after = this.shifts.filter((s) => s.version > from);
    if (after.length === 0) return (line) => line;
    return (line) => {
      let l = line;
      for (const s of after) {
        if (l < s.start) continue;
        if (l > s.end) { l += s.breaks - (s.end - s.start); continue; }
        if (l === s.end && s.endSurvives) { l = s.start + s.breaks; continue; }
        return -1;
      }
      return l;
    };
  }
}
