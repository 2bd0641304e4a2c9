/**
 * Issue 5.1, the adversarial input corpus through the core and the CLI: no
 * crash; exactly one problem on each bad line, at its file, line, column and
 * field, saying what was expected; every good line (and the good part of a
 * partly bad one) still scored. The corpus is generated (test/helpers/adversarial.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { decodeEscaped, encodeEscaped, fileLineSource, textLineSource, type LineSource, type NumberedLine } from '../../server/src/pipeline/lines';
import { planFromFiles } from '../../server/src/pipeline/plan';
import { PROBLEMS_KEPT_PER_FILE, scan } from '../../server/src/pipeline/scan';
import { detectFormat, parseTripleLine } from '../../server/src/core/formats';
import type { Problem } from '../../server/src/core/types';
import { BAD_UNIONS, editorText, expected, writeWorkspace, type CorpusFile } from '../helpers/adversarial';
import { ROOT } from '../helpers/lspClient';
import { tempDir } from '../helpers/lspFixtures';
import { syntheticLines } from '../helpers/synthetic';

async function collect(src: LineSource): Promise<NumberedLine[]> {
  const out: NumberedLine[] = [];
  for await (const l of src.lines()) out.push(l);
  return out;
}

/** Parses every line of a source: problems and triple counts per line. */
async function parseAll(src: LineSource, file: CorpusFile) {
  const problems: Problem[] = [];
  const triples = new Map<number, number>();
  let last = 0;
  for await (const { line, text } of src.lines()) {
    const r = parseTripleLine(text, { file: src.name, line, format: detectFormat(file.path)! });
    problems.push(...r.problems);
    if (r.triples.length) triples.set(line, r.triples.length);
    last = line;
  }
  return { problems, triples, last };
}

/** Asserts one view of a corpus file: one problem per bad line as expected, the expected triples on every line. */
function checkView(file: CorpusFile, view: 'disk' | 'editor', problems: Problem[], triples: Map<number, number>, withField = true): void {
  const byLine = new Map<number, Problem[]>();
  for (const p of problems) byLine.set(p.line, [...(byLine.get(p.line) ?? []), p]);
  for (const [line, { case: c }] of file.expect) {
    const want = expected(file, line, view)!;
    const got = byLine.get(line) ?? [];
    const what = `${view} line ${line} (${c.name}): ${JSON.stringify(got.map((p) => `${p.column}: ${p.message.slice(0, 200)}`))}`;
    if (want.problem) {
      assert.equal(got.length, 1, `exactly one problem — ${what}`);
      assert.equal(got[0].column, want.problem.column, `column — ${what}`);
      assert.match(got[0].message, want.problem.message, what);
      if (withField && want.problem.field !== undefined) assert.equal(got[0].field, want.problem.field, `field — ${what}`);
    } else assert.equal(got.length, 0, `no problem — ${what}`);
    assert.equal(triples.get(line) ?? 0, want.triples, `scored triples — ${what}`);
    byLine.delete(line);
  }
  assert.deepEqual([...byLine.keys()], [], `problems on good lines: ${JSON.stringify([...byLine.values()])}`);
  for (const line of file.goodLines) assert.equal(triples.get(line), 1, `${view}: good line ${line} is scored`);
}

describe('adversarial corpus: core and CLI', () => {
  let dir: string;
  let ws: ReturnType<typeof writeWorkspace>;

  before(() => {
    dir = tempDir('adversarial');
    ws = writeWorkspace(dir);
  });

  test('the file reader and the editor-text reader number lines as LSP does (\\n, \\r\\n, lone \\r), BOM hidden', async () => {
    for (const file of [ws.jsonl, ws.crlf, ws.tsv]) {
      const disk = await collect(fileLineSource(file.path));
      const editor = await collect(textLineSource(file.path, editorText(file.bytes)));
      assert.equal(disk.length, file.lineCount, file.path);
      assert.equal(editor.length, file.lineCount, file.path);
      assert.ok(!disk[0].text.startsWith('\uFEFF') && !editor[0].text.startsWith('\uFEFF'), 'the BOM is not text');
      for (let i = 0; i < disk.length; i++) {
        assert.equal(disk[i].line, i + 1);
        assert.ok(!/[\r\n]/.test(disk[i].text) && !/[\r\n]/.test(editor[i].text), `no line break inside line ${i + 1}`);
        // Same text, except where bad bytes are: the editor shows U+FFFD, the reader keeps them visible.
        if (!file.expect.get(i + 1)?.case.editor) assert.equal(disk[i].text, editor[i].text, `line ${i + 1}`);
      }
    }
  });

  test('line ends split across read chunks, a final line without a break, and the bytes of every line kept', async () => {
    // 1 MiB chunks: put a \r\n and a lone \r exactly on chunk boundaries.
    const chunk = 1 << 20;
    const a = 'x'.repeat(chunk - 1);
    const b = 'y'.repeat(chunk - 1);
    const path = join(dir, 'boundary.jsonl');
    writeFileSync(path, Buffer.concat([Buffer.from(`${a}\r\n`), Buffer.from(`${b.slice(1)}\r`), Buffer.from('z\r\r\nlast')]));
    const lines = await collect(fileLineSource(path));
    assert.deepEqual(lines.map((l) => [l.line, l.text.length, l.text[0]]), [[1, a.length, 'x'], [2, b.length - 1, 'y'], [3, 1, 'z'], [4, 0, undefined], [5, 4, 'l']]);
    assert.deepEqual(lines.map((l) => l.eol), ['\r\n', '\r', '\r', '\r\n', ''], 'each line knows its own ending');
    // Text and ending of every line, put back together, are the file byte for byte (after the BOM).
    for (const file of [ws.jsonl, ws.crlf, ws.tsv]) {
      const parts = (await collect(fileLineSource(file.path))).flatMap((l) => [encodeEscaped(l.text), Buffer.from(l.eol)]);
      const bom = file.bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? 3 : 0;
      assert.ok(Buffer.concat(parts).equals(file.bytes.subarray(bom)), `${file.path} rebuilt from its lines`);
    }
    // Damaged bytes come back exactly: a writer of kept lines (export) loses nothing.
    for (const { case: { bytes } } of ws.jsonl.expect.values()) {
      const text = decodeEscaped(bytes);
      assert.deepEqual(encodeEscaped(text), bytes);
    }
  });

  test('every bad line gives exactly one problem where it is; good lines parse (disk bytes and editor text)', async () => {
    for (const file of [ws.jsonl, ws.crlf, ws.tsv]) {
      const disk = await parseAll(fileLineSource(file.path), file);
      const editor = await parseAll(textLineSource(file.path, editorText(file.bytes)), file);
      // The cross-line dimension check is the analysis's (scan): the line parser accepts that line.
      const lineOnly = (p: typeof disk) => {
        for (const [line, { case: c }] of file.expect) if (c.acrossLines) { assert.equal(p.triples.get(line), 1); p.triples.delete(line); }
        return p;
      };
      const fix = (f: CorpusFile): CorpusFile => ({ ...f, expect: new Map([...f.expect].filter(([, e]) => !e.case.acrossLines)) });
      checkView(fix(file), 'disk', disk.problems, lineOnly(disk).triples);
      checkView(fix(file), 'editor', editor.problems, lineOnly(editor).triples);
    }
  });

  const cli = (args: string[], cwd: string) => new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'eci-sem.js'), ...args], { cwd, env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms: performance.now() - started }));
  });

  interface Report { sources: { name: string; size: number }[]; triples: { file: string; line: number }[]; problems: Problem[] }

  const perLine = (report: Report, file: string) => {
    const m = new Map<number, number>();
    for (const t of report.triples) if (t.file === file) m.set(t.line, (m.get(t.line) ?? 0) + 1);
    return m;
  };

  test('CLI: the config run reports one problem per bad line and scores every good line', async () => {
    assert.ok(existsSync(join(ROOT, 'dist', 'cli.js')) || existsSync(join(ROOT, 'dist')), 'npm run build first');
    const r = await cli(['score', 'eci.config.jsonc', '--format', 'json', '--triples', '-q'], dir);
    assert.equal(r.code, 0, r.stderr.slice(0, 3000));
    assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+|TypeError|RangeError|Error:/, 'no crash or stack trace');
    const report = JSON.parse(r.stdout) as Report;
    const shown = { jsonl: 'data/corpus.jsonl', crlf: 'data/crlf.jsonl' };
    for (const [file, name] of [[ws.jsonl, shown.jsonl], [ws.crlf, shown.crlf]] as const) {
      const problems = report.problems.filter((p) => p.file === name);
      // The JSON report's problems carry no field; their messages start with it.
      checkView(file, 'disk', problems, perLine(report, name), false);
    }
    const badLines = (f: CorpusFile) => [...f.expect.keys()].filter((l) => expected(f, l, 'disk')!.problem).length;
    const bad = badLines(ws.jsonl) + badLines(ws.crlf);
    assert.equal(report.problems.length, bad, 'nothing else is reported');
    assert.match(r.stderr, new RegExp(`${bad} problem\\(s\\) on ${bad} line\\(s\\) were skipped`));
    // Sources count what was scored: every good line, the good parts of partly bad lines.
    const scored = (f: CorpusFile) => f.goodLines.length + [...f.expect.keys()].reduce((s, l) => s + expected(f, l, 'disk')!.triples, 0);
    assert.deepEqual(report.sources.map((s) => [s.name, s.size]).sort(), [['Corpus', scored(ws.jsonl)], ['Crlf', scored(ws.crlf)]]);
    console.log(`# CLI on the corpus (${(ws.jsonl.bytes.length / 1048576).toFixed(1)} MB, ${ws.jsonl.lineCount} lines): ${Math.round(r.ms)} ms`);
  });

  test('CLI: the table names each bad line as file:line:column: message', async () => {
    const r = await cli(['score', 'data/crlf.jsonl', 'data/corpus.jsonl', '--encoder', 'precomputed', '-q'], dir);
    assert.equal(r.code, 0, r.stderr.slice(0, 3000));
    const [[line, { case: c }]] = [...ws.crlf.expect];
    assert.ok(r.stdout.includes(`data/crlf.jsonl:${line}:${c.disk.problem!.column}: negative: expected text (a JSON string), got a number`), r.stdout.slice(-3000));
  });

  test('CLI: TSV with a BOM, mixed line ends, NUL and invalid UTF-8 (default model)', async () => {
    const r = await cli(['score', 'data/corpus.tsv', '--format', 'json', '--triples', '-q'], dir);
    assert.equal(r.code, 0, r.stderr.slice(0, 3000));
    const report = JSON.parse(r.stdout) as Report;
    checkView(ws.tsv, 'disk', report.problems, perLine(report, 'data/corpus.tsv'), false);
  });

  test('CLI: a union that names itself and a cycle of two hybrids are errors at the config key; nothing crashes', async () => {
    const r = await cli(['score', 'eci.config.jsonc', '-q'], join(dir, 'bad'));
    assert.equal(r.code, 2);
    const cfg = join(dir, 'bad', 'eci.config.jsonc');
    // At the element of the union that is wrong: line and column of "Self" in Self's union, of "X" in Y's.
    const lines = BAD_UNIONS.split('\n');
    const self = `${cfg}:5:${lines[4].lastIndexOf('"Self"') + 1}: error: sources[1].union[1]: a union cannot include its own source "Self"`;
    const cycle = `${cfg}:7:${lines[6].lastIndexOf('"X"') + 1}: error: sources[3].union[1]: cycle: "X" → "Y" → "X" (a union cannot contain itself through other unions)`;
    assert.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith(cfg)), [self, cycle]);
    assert.match(r.stderr, /the config has errors; nothing was scored/);
    assert.doesNotMatch(r.stderr, /TypeError|RangeError|\bat .*\.js:\d+/);
  });
});

test('a file whose every line is bad keeps a bounded list of problems and still counts and scores everything', async () => {
  const dir = tempDir('all-bad');
  const bad = PROBLEMS_KEPT_PER_FILE * 3;
  // A misnamed field on every line (the usual way a whole export goes wrong), five good lines among them.
  const lines = Array.from({ length: bad }, (_, i) => JSON.stringify({ query: `q${i}`, pos_text: `p${i}`, negative: `n${i}` }));
  const good = syntheticLines('AllBad', 5, 'hard', 9);
  for (let k = 0; k < good.length; k++) lines.splice(k * 7000, 0, good[k]);
  writeFileSync(join(dir, 'all-bad.jsonl'), lines.join('\n') + '\n');
  const r = await scan(planFromFiles(['all-bad.jsonl'], dir), { precomputed: true, termsOf: null });
  assert.equal(r.skippedLines, bad, 'every bad line is counted');
  assert.equal(r.table.length, good.length, 'the good lines are scored');
  assert.equal(r.problems.length, PROBLEMS_KEPT_PER_FILE + 1, 'the list of problems is bounded');
  assert.equal(new Set(r.problems.map((p) => p.line)).size, r.problems.length, 'still one problem a line');
  const last = r.problems.at(-1)!;
  assert.match(last.message, /^missing "positive".*\(and 19999 more problems after this line, not listed: only the first 10001 of a file are kept\)$/);
  assert.ok(r.problems.slice(0, -1).every((p) => !/more problems/.test(p.message)));
});
