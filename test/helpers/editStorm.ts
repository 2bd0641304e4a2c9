/**
 * Edit storms for the language-server tests: a seeded generator of editor
 * changes (typing, inserted and deleted lines, lines broken and fixed again,
 * multi-change notifications, whole-text replacements), sent at a fixed rate
 * to an open document over a TestClient's connection, with hovers and saves
 * in between; plus the server process's resident memory from /proc.
 */
import { readFileSync } from 'node:fs';
import { DidChangeTextDocumentNotification, type TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol/node';
import { applyEdits, type TestClient, uri } from './lspClient';
import { rng } from './synthetic';

/** Resident set size of a process in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) / 1024;
}

export interface StormOptions {
  /** Changes per second. */
  rate: number;
  seconds: number;
  seed: number;
  /** Valid triple lines to insert (the file's own format). */
  goodLines: string[];
  /** Lines never deleted, broken or typed into (planted findings the final text must keep). */
  keep: Set<string>;
  /** The file never gets shorter than this many lines. */
  minLines: number;
  /** A didSave every this many ms (a save starts a run at once, which the next change cancels). */
  saveEveryMs: number;
  /** A hover every this many ms; each latency is recorded. */
  hoverEveryMs: number;
  /** Sampled every this many ms: the server's RSS. */
  rssEveryMs: number;
}

export interface StormReport {
  changes: number;
  notifications: number;
  saves: number;
  finalVersion: number;
  finalText: string;
  hoverMs: number[];
  hoverAnswered: number;
  rssPeakMb: number;
  /** Lines broken during the storm and still broken at its end (1-based numbers in the final text). */
  brokenAtEnd: number[];
  seconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Lines that cannot be read, each unique (a counter) so a later change can find
 * and fix it: invalid JSON, a missing negative, a number where text belongs,
 * an array instead of an object.
 */
function badLine(k: number): string {
  switch (k % 4) {
    case 0: return `{"query": "broken ${k}", "positive": "p", "negative": "n"`;
    case 1: return `{"query": "missing negative ${k}", "positive": "some passage"}`;
    case 2: return `{"query": "typed wrong ${k}", "positive": "p", "negative": ${k}}`;
    default: return `["not", "an", "object", ${k}]`;
  }
}

const BAD = /^(\{"query": "(broken|missing negative|typed wrong) \d+"|\["not", "an", "object", \d+\])/;

/**
 * The document's text and version as the client holds them; changes go to the
 * server as didChange with the version, like an editor's.
 */
export class StormDoc {
  constructor(private readonly client: TestClient, readonly path: string, public text: string, public version: number) {}

  send(changes: TextDocumentContentChangeEvent[]): void {
    for (const c of changes) {
      this.text = 'range' in c ? applyEdits(this.text, [{ range: c.range, newText: c.text }]) : c.text;
    }
    this.version++;
    void this.client.conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: uri(this.path), version: this.version }, contentChanges: changes,
    });
  }

  lines(): string[] {
    return this.text.split('\n');
  }
}

/** One random change of the document (possibly several content changes in one notification). */
function nextChange(doc: StormDoc, rand: () => number, opts: StormOptions, counter: { bad: number }): TextDocumentContentChangeEvent[] {
  const lines = doc.lines();
  // The last piece after a final newline is empty: not a line to touch.
  const count = lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
  const pick = (ok: (l: string) => boolean): number => {
    for (let tries = 0; tries < 20; tries++) {
      const k = Math.floor(rand() * count);
      if (ok(lines[k])) return k;
    }
    return -1;
  };
  const editable = (l: string) => !opts.keep.has(l);
  const whole = (k: number) => ({ start: { line: k, character: 0 }, end: { line: k, character: lines[k].length } });
  const r = rand();
  if (r < 0.35) {
    // Typing: a letter into the negative's text of a valid line.
    const k = pick((l) => editable(l) && !BAD.test(l) && l.includes('"negative":'));
    if (k >= 0) {
      const at = lines[k].indexOf('"negative":');
      const open = lines[k].indexOf('"', at + '"negative":'.length);
      if (open >= 0) {
        const ch = open + 1;
        return [{ range: { start: { line: k, character: ch }, end: { line: k, character: ch } }, text: 'abcdefghijklmnopqrstuvwxyz'[Math.floor(rand() * 26)] }];
      }
    }
  }
  if (r < 0.5 && count > opts.minLines) {
    const k = pick(editable);
    if (k >= 0) return [{ range: { start: { line: k, character: 0 }, end: { line: k + 1, character: 0 } }, text: '' }];
  }
  if (r < 0.65) {
    const k = Math.floor(rand() * (count + 1));
    const line = opts.goodLines[Math.floor(rand() * opts.goodLines.length)];
    return [{ range: { start: { line: k, character: 0 }, end: { line: k, character: 0 } }, text: line + '\n' }];
  }
  if (r < 0.77) {
    const k = pick((l) => editable(l) && !BAD.test(l));
    if (k >= 0) return [{ range: whole(k), text: badLine(counter.bad++) }];
  }
  if (r < 0.9) {
    // Fix a broken line (or, when none is broken, break two at once in one notification).
    const broken = lines.map((l, k) => (BAD.test(l) ? k : -1)).filter((k) => k >= 0);
    const good = () => opts.goodLines[Math.floor(rand() * opts.goodLines.length)];
    if (broken.length > 0) return [{ range: whole(broken[Math.floor(rand() * broken.length)]), text: good() }];
    const a = pick(editable);
    const b = pick(editable);
    if (a >= 0 && b >= 0 && a !== b) {
      // Content changes apply in order: the later line first, so the earlier range still holds.
      const [hi, lo] = a > b ? [a, b] : [b, a];
      return [{ range: whole(hi), text: badLine(counter.bad++) }, { range: whole(lo), text: badLine(counter.bad++) }];
    }
  }
  // A whole-text change (no range), as a client that does not sync incrementally
  // sends: here the same text with one more good line at the end.
  const text = doc.text.endsWith('\n') || doc.text === '' ? doc.text : doc.text + '\n';
  return [{ text: text + opts.goodLines[Math.floor(rand() * opts.goodLines.length)] + '\n' }];
}

/** Sends `rate` changes per second for `seconds` (catching up when the timer is late), hovering and saving in between. */
export async function runStorm(client: TestClient, doc: StormDoc, opts: StormOptions): Promise<StormReport> {
  const rand = rng(opts.seed);
  // Hovers draw from their own generator: the changes are the same whatever the timing.
  const hoverRand = rng(opts.seed + 1);
  const counter = { bad: 1 };
  const pid = client.child.pid!;
  const total = Math.round(opts.rate * opts.seconds);
  const hoverMs: number[] = [];
  let hoverAnswered = 0;
  let rssPeakMb = rssMb(pid);
  let saves = 0;
  let notifications = 0;
  const pendingHovers: Promise<void>[] = [];
  const t0 = performance.now();
  let nextHover = t0;
  let nextSave = t0 + opts.saveEveryMs;
  let nextRss = t0;
  for (let k = 0; k < total;) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - t0) * opts.rate) / 1000) + 1);
    while (k < due) {
      doc.send(nextChange(doc, rand, opts, counter));
      notifications++;
      k++;
    }
    if (now >= nextHover) {
      nextHover += opts.hoverEveryMs;
      const line = Math.floor(hoverRand() * Math.max(1, doc.lines().length - 1));
      const h0 = performance.now();
      pendingHovers.push(client.hover(doc.path, line, 5).then((h) => {
        hoverMs.push(performance.now() - h0);
        if (h) hoverAnswered++;
      }));
    }
    if (now >= nextSave) {
      nextSave += opts.saveEveryMs;
      client.save(doc.path);
      saves++;
    }
    if (now >= nextRss) {
      nextRss += opts.rssEveryMs;
      rssPeakMb = Math.max(rssPeakMb, rssMb(pid));
    }
    await sleep(t0 + ((k + 1) * 1000) / opts.rate - performance.now());
  }
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(pendingHovers);
  const lines = doc.lines();
  return {
    changes: total, notifications, saves, finalVersion: doc.version, finalText: doc.text, hoverMs, hoverAnswered, rssPeakMb,
    brokenAtEnd: lines.map((l, k) => (BAD.test(l) ? k + 1 : -1)).filter((k) => k > 0), seconds,
  };
}

export const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
