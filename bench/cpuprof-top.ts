/**
 * The top self-time functions of V8 CPU profiles (`node --cpu-prof --cpu-prof-dir=DIR …`),
 * to explain a benchmark figure: one table per profile file (the main thread and each
 * worker thread write their own), functions merged by name and location.
 *
 *   npx tsx bench/cpuprof-top.ts DIR|FILE.cpuprofile… [--top=15]
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; hitCount?: number }

const maps = new Map<string, SourceMap | null>();
/** The TypeScript file a bundled frame comes from (through the bundle's .js.map), else the script's name. */
function sourceOf(f: Node['callFrame']): string {
  if (!f.url) return f.functionName.startsWith('(') ? f.functionName : '(native)';
  const path = f.url.startsWith('file:') ? fileURLToPath(f.url) : f.url;
  if (!maps.has(path)) maps.set(path, existsSync(`${path}.map`) ? new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))) : null);
  const entry = maps.get(path)?.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string } | undefined;
  return entry?.originalSource ? entry.originalSource.replace(/^.*?(server\/src\/|common\/|node_modules\/)/, '$1') : basename(path);
}
interface Profile { nodes: Node[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

function top(file: string, n: number): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const self = new Map<string, number>();
  const byFile = new Map<string, number>();
  // Each sample's time is the delta to the next sample (the last one gets none).
  for (let i = 0; i < p.samples.length; i++) {
    const node = byId.get(p.samples[i]);
    if (!node) continue;
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i + 1] ?? 0));
    const src = sourceOf(f);
    byFile.set(src, (byFile.get(src) ?? 0) + (p.timeDeltas[i + 1] ?? 0));
  }
  const totalMs = (p.endTime - p.startTime) / 1000;
  const line = ([k, us]: [string, number]) => `  ${(us / 1000).toFixed(0).padStart(7)} ms  ${((100 * us) / 1000 / totalMs).toFixed(1).padStart(5)} %  ${k}`;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  return [`${basename(file)}: ${(totalMs / 1000).toFixed(2)} s profiled`, ' functions (self time):', ...sorted(self).map(line),
    ' source files (self time):', ...sorted(byFile).map(line)].join('\n');
}

const argv = process.argv.slice(2);
const n = Number(argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 15);
const files = argv.filter((a) => !a.startsWith('--')).flatMap((a) => (statSync(a).isDirectory()
  ? readdirSync(a).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(a, f)) : [a]));
for (const f of files) process.stdout.write(`${top(f, n)}\n\n`);
