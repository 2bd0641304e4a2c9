/** The `sources` list of the config: file sources, hybrids (`union`), and their cross-checks. */
import type { Node } from 'jsonc-parser';
import type { SourceConfig } from './types';
import { Reader, type Prop } from './reader';
import { didYouMean, kindOf, SOURCE_KEYS, type ConfigPath } from './rules';

interface Draft {
  index: number;
  node: Node;
  name?: string;
  nameNode?: Node;
  files?: string[];
  key?: string;
  negativesPerQuery?: number;
  union?: { name: string; node: Node; index: number }[];
  unionNode?: Node;
  ok: boolean;
}

export function readSources(r: Reader, root: Node, prop: Prop | undefined): SourceConfig[] {
  const node = prop?.value;
  if (!node) {
    if (!prop) r.report(['sources'], { offset: root.offset, length: 1 }, 'missing: expected a list of sources, e.g. [{"name": "BM25", "files": "data/bm25.jsonl"}]');
    return [];
  }
  if (node.type !== 'array') {
    r.report(['sources'], node, `expected a list of sources, got ${kindOf(Reader.valueOf(node))}`);
    return [];
  }
  const items = node.children ?? [];
  if (items.length === 0) {
    r.report(['sources'], node, 'expected at least one source, got an empty list');
    return [];
  }
  const drafts: Draft[] = [];
  const firstByName = new Map<string, Draft>();
  items.forEach((item, i) => {
    const path: ConfigPath = ['sources', i];
    if (item.type !== 'object') {
      r.report(path, item, `expected a source object such as {"name": "BM25", "files": "bm25.jsonl"}, got ${kindOf(Reader.valueOf(item))}`);
      return;
    }
    const d: Draft = { index: i, node: item, ok: true };
    drafts.push(d);
    const p = r.properties(item, path, SOURCE_KEYS);
    const nameProp = p.get('name');
    if (!nameProp) { r.report([...path, 'name'], { offset: item.offset, length: 1 }, 'missing: every source needs a "name"'); d.ok = false; }
    else if (nameProp.value) {
      d.name = r.string(nameProp.value, [...path, 'name'], { what: 'a non-empty source name' });
      d.nameNode = nameProp.value;
      if (d.name === undefined) d.ok = false;
      else if (firstByName.has(d.name)) {
        r.report([...path, 'name'], nameProp.value, `duplicate source name "${d.name}" (already used by sources[${firstByName.get(d.name)!.index}])`);
        d.ok = false;
      } else firstByName.set(d.name, d);
    } else d.ok = false;
    const filesProp = p.get('files');
    const unionProp = p.get('union');
    if (filesProp && unionProp) {
      r.report([...path, 'union'], unionProp.key, 'a source has either "files" or "union", not both (a union source is built from other sources)');
      d.ok = false;
    } else if (!filesProp && !unionProp) {
      r.report([...path, 'files'], { offset: item.offset, length: 1 }, 'missing: expected "files" (a file, glob, or list of them) or "union" (a list of source names)');
      d.ok = false;
    }
    if (filesProp?.value) {
      d.files = r.stringList(filesProp.value, [...path, 'files'], 'file or glob');
      if (!d.files) d.ok = false;
    } else if (filesProp) d.ok = false;
    if (unionProp?.value) {
      const u = unionProp.value;
      d.unionNode = u;
      if (u.type !== 'array') {
        r.report([...path, 'union'], u, `expected a list of source names, got ${kindOf(Reader.valueOf(u))}`);
        d.ok = false;
      } else if ((u.children ?? []).length === 0) {
        r.report([...path, 'union'], u, 'expected at least one source name, got an empty list');
        d.ok = false;
      } else {
        d.union = [];
        (u.children ?? []).forEach((el, j) => {
          const s = r.string(el, [...path, 'union', j], { what: 'a source name' });
          if (s !== undefined) d.union!.push({ name: s, node: el, index: j });
        });
      }
    } else if (unionProp) d.ok = false;
    const keyProp = p.get('key');
    if (keyProp?.value) {
      const k = r.string(keyProp.value, [...path, 'key'], { what: 'the name of a key of grouped "neg" objects' });
      if (k !== undefined) {
        if (unionProp) r.report([...path, 'key'], keyProp.value, 'ignored: "key" selects negatives in files, and a union source reads none', 'warning');
        else d.key = k;
      }
    }
    const kProp = p.get('negativesPerQuery');
    if (kProp?.value) {
      const k = r.number(kProp.value, [...path, 'negativesPerQuery'], { integer: true, min: 1 });
      if (k !== undefined) {
        if (unionProp) r.report([...path, 'negativesPerQuery'], kProp.value, 'ignored: a union source takes the negatives its members keep', 'warning');
        else d.negativesPerQuery = k;
      }
    }
  });

  checkUnions(r, drafts, firstByName);

  const valid = drafts.filter((d) => d.ok);
  const validNames = new Set(valid.map((d) => d.name!));
  const out: SourceConfig[] = [];
  for (const d of valid) {
    const src: SourceConfig = {
      name: d.name!, files: d.files ?? [], nameOffset: d.nameNode!.offset + r.shift, offset: d.node.offset + r.shift, length: d.node.length,
    };
    if (d.key !== undefined) src.key = d.key;
    if (d.negativesPerQuery !== undefined) src.negativesPerQuery = d.negativesPerQuery;
    if (d.union) {
      src.union = [...new Set(d.union.map((u) => u.name))].filter((n) => validNames.has(n) && n !== d.name);
      if (src.union.length === 0) continue;
    }
    out.push(src);
  }
  return out;
}

function checkUnions(r: Reader, drafts: Draft[], byName: Map<string, Draft>): void {
  const names = [...byName.keys()];
  for (const d of drafts) {
    if (!d.union) continue;
    const path: ConfigPath = ['sources', d.index, 'union'];
    const seen = new Set<string>();
    for (const u of d.union) {
      if (u.name === d.name) {
        r.report([...path, u.index], u.node, `a union cannot include its own source "${u.name}"`);
        d.ok = false;
      } else if (!byName.has(u.name)) {
        const near = didYouMean(u.name, names.filter((n) => n !== d.name));
        r.report([...path, u.index], u.node, `unknown source "${u.name}"${near ? ` — did you mean "${near}"?` : ''}`);
        d.ok = false;
      } else if (seen.has(u.name)) {
        r.report([...path, u.index], u.node, `"${u.name}" is listed twice`, 'warning');
      }
      seen.add(u.name);
    }
    if (d.ok && seen.size === 1 && d.union.length >= 1) {
      r.report(path, d.unionNode!, `a union of one source ("${d.union[0].name}") scores the same negatives as that source`, 'warning');
    }
  }
  // Cycles among unions of unions: depth-first, reporting the element that closes a cycle.
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (d: Draft): void => {
    state.set(d.name!, 'active');
    stack.push(d.name!);
    for (const u of d.union ?? []) {
      const target = byName.get(u.name);
      if (!target?.union || u.name === d.name) continue;
      const st = state.get(u.name);
      if (st === 'active') {
        const cycle = [...stack.slice(stack.indexOf(u.name)), u.name];
        r.report(['sources', d.index, 'union', u.index], u.node, `cycle: ${cycle.map((n) => `"${n}"`).join(' → ')} (a union cannot contain itself through other unions)`);
        for (const n of cycle) byName.get(n)!.ok = false;
      } else if (st === undefined) visit(target);
    }
    stack.pop();
    state.set(d.name!, 'done');
  };
  for (const d of drafts) if (d.union && d.name !== undefined && byName.get(d.name) === d && !state.has(d.name)) visit(d);
}
