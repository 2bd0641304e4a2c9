/**
 * The TextMate grammars the extension contributes, run by VS Code's own engine
 * (vscode-textmate + oniguruma): files by id read as ids and texts, triple TSV files
 * as query / positive / negative, and each kind of file gets its grammar by name.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';
import { ROOT } from '../helpers/lspClient';

let registry: textmate.Registry;

before(async () => {
  const wasm = readFileSync(join(ROOT, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const files: Record<string, string> = { 'source.eci.ids.tsv': 'ids-tsv.tmLanguage.json', 'source.eci.triples.tsv': 'triples-tsv.tmLanguage.json' };
  registry = new textmate.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) => (files[scope] ? textmate.parseRawGrammar(readFileSync(join(ROOT, 'syntaxes', files[scope]), 'utf8'), files[scope]) : null),
  });
});

/** [text, innermost scope] of each token of each line. */
async function tokens(scope: string, lines: string[]): Promise<[string, string][][]> {
  const grammar = (await registry.loadGrammar(scope))!;
  let state = textmate.INITIAL;
  return lines.map((line) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => [line.slice(t.startIndex, t.endIndex), t.scopes.at(-1)!] as [string, string]);
  });
}

test('files by id: ids and numbers as constants, passage and query texts as text, a BEIR header as a header', async () => {
  const [collection, header, qrel, trec, triple] = await tokens('source.eci.ids.tsv', [
    '1234567\tThe Manhattan Project was a research and development undertaking.',
    'query-id\tcorpus-id\tscore',
    'q17\tdoc-3\t1',
    '1185869 0 0 1',
    '400296\t1540783\t3518497',
  ]);
  assert.deepEqual(collection, [['1234567', 'constant.numeric.id.eci'], ['\t', 'punctuation.separator.tab.eci'], ['The Manhattan Project was a research and development undertaking.', 'string.unquoted.text.eci']]);
  assert.deepEqual(header, [['query-id\tcorpus-id\tscore', 'markup.heading.header.eci']]);
  assert.deepEqual(qrel.filter(([, s]) => s !== 'punctuation.separator.tab.eci'), [['q17', 'constant.numeric.id.eci'], ['doc-3', 'constant.numeric.id.eci'], ['1', 'constant.numeric.id.eci']]);
  assert.deepEqual(trec, [['1185869 0 0 1', 'string.unquoted.text.eci']], 'a space-separated TREC line is one column');
  assert.equal(triple.filter(([, s]) => s === 'constant.numeric.id.eci').length, 3);
});

test('triple TSV files: query, positive and negative columns keep their roles', async () => {
  const [line] = await tokens('source.eci.triples.tsv', ['how do I list files\tls lists a folder\tcat prints a file']);
  assert.deepEqual(line.map(([, s]) => s), ['entity.name.tag.query.eci', 'punctuation.separator.tab.eci', 'markup.inserted.positive.eci', 'punctuation.separator.tab.eci', 'markup.deleted.negative.eci']);
});

test('MS MARCO and BEIR file names get the ids grammar; other .tsv files stay triples', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { languages: { id: string; extensions?: string[]; filenamePatterns?: string[] }[]; grammars: { language?: string; path: string }[] } };
  const ids = pkg.contributes.languages.find((l) => l.id === 'eci-ids-tsv')!;
  const glob = (p: string) => new RegExp(`^${p.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*')}$`);
  const matches = (name: string) => ids.filenamePatterns!.some((p) => glob(p).test(name) || glob(p).test(name.split('/').pop()!));
  for (const f of ['collection.tsv', 'queries.train.tsv', 'qrels.train.tsv', 'qidpidtriples.train.full.tsv', 'qrels/test.tsv', 'corpus.tsv']) assert.ok(matches(f), f);
  for (const f of ['bm25.tsv', 'triples.tsv']) assert.ok(!matches(f), f);
  assert.ok(pkg.contributes.languages.find((l) => l.id === 'eci-triples-tsv')!.extensions!.includes('.tsv'));
  assert.ok(pkg.contributes.grammars.some((g) => g.language === 'eci-ids-tsv' && g.path === './syntaxes/ids-tsv.tmLanguage.json'));
});
