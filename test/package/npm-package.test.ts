/**
 * The npm package as a user gets it (issue 13): `npm pack`, install the tarball into a
 * fresh project with install scripts disabled, then `npx eci-sem score` on the examples
 * must give the repository's own scores, and `npx eci-sem lsp --stdio` must answer an
 * editor's handshake and publish findings — from the package's own bundles and model.
 * Packs the current dist/ (`npm test` builds it first) with --ignore-scripts, so the
 * repo's dist/ is never rebuilt under other running tests.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import {
  ConfigurationRequest, createProtocolConnection, DidOpenTextDocumentNotification, ExitNotification, InitializedNotification,
  InitializeRequest, PublishDiagnosticsNotification, RegistrationRequest, ShutdownRequest, StreamMessageReader,
  StreamMessageWriter, WorkDoneProgressCreateRequest, WorkspaceFoldersRequest, type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { assertCloseScores } from '../helpers/encoderFaults';

const execFileP = promisify(execFile);
const root = resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string; version: string; private?: boolean; files: string[]; bin: Record<string, string>; dependencies: Record<string, string>;
};
const BUNDLES = ['dist/cli.js', 'dist/server.js', 'dist/analysisWorker.js', 'dist/encoderWorker.js'];
const MODEL = ['model.onnx', 'model.int8.onnx', 'tokenizer.json', 'eci-sem.json'].map((f) => `models/default/${f}`);

/** The environment of a child npm: none of the `npm test` run's own package or prefix settings. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_|^npm_config_(local_)?prefix$|^INIT_CWD$/i.test(k)) continue;
    env[k] = v;
  }
  return env;
}

async function npm(args: string[], cwd: string) {
  return execFileP('npm', args, { cwd, env: npmEnv(), maxBuffer: 1 << 26, timeout: 180_000 });
}

const work = mkdtempSync(join(tmpdir(), 'eci-npm-package-'));
const project = join(work, 'project');
let packed: { filename: string; files: { path: string }[] } | undefined;

describe('npm package', () => {
  before(async () => {
    for (const f of BUNDLES) assert.ok(existsSync(join(root, f)), `${f} is missing: run npm run build first`);
    const { stdout } = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], root);
    packed = (JSON.parse(stdout) as (typeof packed)[])[0];
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }) + '\n');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('the tarball holds the bundles, the model, the schema and examples, and no sources or tests', () => {
    const files = packed!.files.map((f) => f.path);
    for (const f of [...BUNDLES, ...MODEL, pkg.bin['eci-sem']!, 'schemas/eci-config.schema.json', 'examples/eci.config.jsonc', 'README.md', 'LICENSE']) {
      assert.ok(files.includes(f), `${f} is not in the tarball`);
    }
    const stray = files.filter((f) => /^(test|server|client|shared|bench|scripts|media|fixtures|node_modules)\//.test(f) || f.endsWith('.ts'));
    assert.deepEqual(stray, [], 'sources, tests, bench or scripts leaked into the tarball');
    assert.equal(pkg.private, undefined, 'package.json is private: npm publish would refuse it');
  });

  test('declared dependencies are exactly the packages the bundles require at run time', () => {
    const required = new Set<string>();
    for (const f of BUNDLES) {
      for (const m of readFileSync(join(root, f), 'utf8').matchAll(/\brequire\("([^"./][^"]*)"\)/g)) {
        const name = m[1]!.startsWith('@') ? m[1]!.split('/').slice(0, 2).join('/') : m[1]!.split('/')[0]!;
        if (!isBuiltin(m[1]!)) required.add(name);
      }
    }
    assert.deepEqual([...required].sort(), Object.keys(pkg.dependencies).sort(),
      'a bundled package belongs in devDependencies, an external one in dependencies');
  });

  test('installed with --ignore-scripts, npx eci-sem score gives the repository\'s scores', async () => {
    const tgz = join(work, packed!.filename);
    // --prefer-offline: onnxruntime-node comes from the npm cache `npm ci` filled when it can.
    await npm(['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', tgz], project);
    const installed = join(project, 'node_modules', pkg.name);
    for (const f of [...BUNDLES, ...MODEL]) assert.ok(existsSync(join(installed, f)), `${f} not installed`);
    cpSync(join(root, 'examples'), join(project, 'examples'), { recursive: true });

    const args = ['score', 'examples/eci.config.jsonc', '--format', 'json', '--no-cache', '--quiet'];
    const ours = await execFileP('npx', ['--no-install', 'eci-sem', ...args, '--out', join(work, 'installed.json')], { cwd: project, env: npmEnv(), timeout: 120_000 });
    const repo = await execFileP(process.execPath, [join(root, 'bin', 'eci-sem.js'), ...args, '--out', join(work, 'repo.json')], { cwd: root, timeout: 120_000 });
    const report = (f: string) => JSON.parse(readFileSync(join(work, f), 'utf8')) as { sources: { name: string; rank: number; eci: number }[] };
    const mine = report('installed.json');
    const theirs = report('repo.json');
    assert.ok(theirs.sources.length >= 5, `the repository's run scored ${theirs.sources.length} sources:\n${repo.stderr}`);
    assert.deepEqual(mine.sources.map((s) => [s.name, s.rank]), theirs.sources.map((s) => [s.name, s.rank]), ours.stderr);
    assertCloseScores(mine, theirs, 'report');
  });

  test('npx eci-sem lsp --stdio: initialize, findings on an opened file, shutdown and exit', async () => {
    assert.ok(existsSync(join(project, 'node_modules', pkg.name)), 'the install test must run first');
    const folder = join(project, 'examples');
    const child = spawn('npx', ['--no-install', 'eci-sem', 'lsp', '--stdio'], { cwd: folder, env: npmEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let log = '';
    child.stderr.on('data', (c: Buffer) => { log += c.toString(); });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const conn = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const llm = join(folder, 'data', 'llm.jsonl');
    const diagnostics = new Promise<PublishDiagnosticsParams>((done) => {
      conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
        if (p.uri === pathToFileURL(llm).href && p.diagnostics.some((d) => d.code === 'duplicate-of-positive')) done(p);
      });
    });
    conn.onRequest(ConfigurationRequest.type, (p) => p.items.map(() => ({})));
    conn.onRequest(WorkspaceFoldersRequest.type, () => [{ uri: pathToFileURL(folder).href, name: 'examples' }]);
    conn.onRequest(RegistrationRequest.type, () => undefined);
    conn.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
    conn.listen();
    const timeout = (ms: number, what: string) => new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`${what}: no answer in ${ms} ms\nserver log:\n${log.slice(-3000)}`)), ms).unref());
    try {
      const init = await Promise.race([conn.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri: pathToFileURL(folder).href,
        workspaceFolders: [{ uri: pathToFileURL(folder).href, name: 'examples' }],
        initializationOptions: { trusted: true, cacheDir: join(work, 'lsp-cache') },
        capabilities: { workspace: { configuration: true, workspaceFolders: true } },
      }), timeout(30_000, 'initialize')]);
      const caps = init.capabilities;
      assert.ok(caps.textDocumentSync, 'no textDocumentSync');
      assert.ok(caps.hoverProvider && caps.codeLensProvider && caps.codeActionProvider, `capabilities: ${JSON.stringify(caps)}`);
      await conn.sendNotification(InitializedNotification.type, {});
      await conn.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri: pathToFileURL(llm).href, languageId: 'jsonl', version: 1, text: readFileSync(llm, 'utf8') },
      });
      // The run needs the installed package's model and encoder worker: findings prove both load.
      const p = await Promise.race([diagnostics, timeout(120_000, 'diagnostics with findings on data/llm.jsonl')]);
      assert.ok(p.diagnostics.length > 0);
      await Promise.race([conn.sendRequest(ShutdownRequest.type), timeout(10_000, 'shutdown')]);
      await conn.sendNotification(ExitNotification.type);
      assert.equal(await Promise.race([exited, timeout(10_000, 'exit')]), 0, `server exit code\n${log.slice(-2000)}`);
    } finally {
      conn.dispose();
      if (child.exitCode === null) child.kill();
    }
  });
});
