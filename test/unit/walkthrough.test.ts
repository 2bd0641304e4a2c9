/**
 * The getting-started walkthrough (contributes.walkthroughs): every command a step names —
 * in its description's `command:` links, its completion events, or its markdown page — is
 * a contributed command the extension registers, and every page it shows exists and is
 * packaged (.vscodeignore). A button naming a missing command does nothing when clicked.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import test from 'node:test';

const root = resolve(__dirname, '../..');
interface Step { id: string; title: string; description: string; media: { markdown?: string; image?: string }; completionEvents?: string[] }
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  activationEvents: string[];
  contributes: { commands: { command: string }[]; walkthroughs: { id: string; steps: Step[] }[] };
};
const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
const steps = pkg.contributes.walkthroughs.flatMap((w) => w.steps);

/** Command ids a step names: `command:id` links (with or without arguments) and `onCommand:id` events. */
function commandsOf(step: Step): string[] {
  const texts = [step.description];
  if (step.media.markdown) texts.push(readFileSync(join(root, step.media.markdown), 'utf8'));
  const ids = texts.flatMap((t) => [...t.matchAll(/\bcommand:([\w.-]+)/g)].map((m) => m[1]!));
  for (const e of step.completionEvents ?? []) if (e.startsWith('onCommand:')) ids.push(e.slice('onCommand:'.length));
  return ids;
}

/** String literals of the client and shared protocol sources: where commands get registered. */
function clientStrings(): Set<string> {
  const out = new Set<string>();
  for (const dir of ['client/src', 'common']) {
    for (const f of readdirSync(join(root, dir)).filter((n) => n.endsWith('.ts'))) {
      for (const m of readFileSync(join(root, dir, f), 'utf8').matchAll(/'([\w.-]+)'/g)) out.add(m[1]!);
    }
  }
  return out;
}

test('the walkthrough covers the first-run path in four steps or more', () => {
  assert.equal(pkg.contributes.walkthroughs.length, 1);
  assert.ok(steps.length >= 4, `${steps.length} steps`);
  const titles = steps.map((s) => s.title.toLowerCase()).join(' | ');
  for (const words of ['example', 'ranking', 'onnx', 'finding']) assert.ok(titles.includes(words), `no step about "${words}": ${titles}`);
});

test('every command a walkthrough step names is contributed and registered by the client', () => {
  const registered = clientStrings();
  const named = steps.flatMap((s) => commandsOf(s).map((id) => ({ step: s.id, id })));
  assert.ok(named.length >= steps.length, 'each step should offer at least one command');
  for (const { step, id } of named) {
    assert.ok(contributed.has(id), `step ${step} names ${id}, which contributes.commands does not list`);
    assert.ok(registered.has(id), `step ${step} names ${id}, which no client source registers`);
  }
});

test('every page a step shows exists and is shipped in the VSIX', () => {
  const ignore = readFileSync(join(root, '.vscodeignore'), 'utf8').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1));
  const globToRe = (g: string) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
  for (const s of steps) {
    const page = s.media.markdown ?? s.media.image;
    assert.ok(page, `step ${s.id} has no media`);
    assert.ok(existsSync(join(root, page)), `step ${s.id}: ${page} does not exist`);
    assert.ok(ignore.some((g) => globToRe(g).test(page)), `step ${s.id}: .vscodeignore leaves ${page} out of the VSIX`);
  }
});
