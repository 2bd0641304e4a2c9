/** `eci-sem score … --format json --triples --quiet` in this process, with what it printed and its report. */
import { PassThrough } from 'node:stream';
import { main } from '../../server/src/cli/main';

export interface JsonRun<R> { code: number; stdout: string; stderr: string; report: R | null }

export async function scoreJson<R = unknown>(args: string[], cwd: string): Promise<JsonRun<R>> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => { stdout += c.toString(); });
  err.on('data', (c: Buffer) => { stderr += c.toString(); });
  const code = await main(['score', ...args, '--format', 'json', '--triples', '--quiet'], { stdout: out, stderr: err as unknown as NodeJS.WriteStream, cwd });
  await new Promise((ok) => setImmediate(ok));
  return { code, stdout, stderr, report: stdout ? JSON.parse(stdout) as R : null };
}
