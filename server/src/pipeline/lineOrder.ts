/**
 * In-order matching of a unit read from memory (an open document) against its last whole
 * read, for pipeline/lineFacts.ts. An edit leaves most lines where they were, or one line
 * up or down: the next line of a read is compared with the line at the cursor and the one
 * after it, a string comparison instead of hashing every line of an open document on every
 * keystroke. A line that matches neither is looked up by the hash of its text as before.
 */

/** The lines of a read in order, with their keys and facts (none for a line with a problem). */
interface Lines<F> { texts: string[]; keys: string[]; facts: (F | undefined)[] }

export class OrderedRead<F> {
  /** The last whole read. */
  private last: Lines<F> | undefined;
  /** The read under way, and the position in `last` the next line is compared with. */
  private reading: Lines<F> | undefined;
  private cursor = 0;

  start(): void {
    this.reading = { texts: [], keys: [], facts: [] };
    this.cursor = 0;
  }

  /** The read reached the unit's end: its lines are what the next read is matched against. */
  finish(): void {
    if (this.reading) this.last = this.reading;
    this.reading = undefined;
  }

  get active(): boolean {
    return this.reading !== undefined;
  }

  /**
   * The key and facts of the next line when it is the line at the cursor or the one after
   * (the line is then recorded for the next read); undefined when it is neither.
   */
  match(text: string): { key: string; fact: F | undefined } | undefined {
    const o = this.last, r = this.reading, c = this.cursor;
    if (!o || !r) return undefined;
    const at = c < o.texts.length && o.texts[c] === text ? c : c + 1 < o.texts.length && o.texts[c + 1] === text ? c + 1 : -1;
    if (at < 0) return undefined;
    this.cursor = at + 1;
    const key = o.keys[at], fact = o.facts[at];
    r.texts.push(text); r.keys.push(key); r.facts.push(fact);
    return { key, fact };
  }

  /** Records a line found by its hash instead. */
  record(text: string, key: string, fact: F | undefined): void {
    const r = this.reading;
    if (r) { r.texts.push(text); r.keys.push(key); r.facts.push(fact); }
  }

  /** The facts of the line just recorded under `key`, made after it was looked up. */
  setFact(key: string, fact: F): void {
    const r = this.reading;
    if (r && r.keys[r.keys.length - 1] === key) r.facts[r.facts.length - 1] = fact;
  }
}
