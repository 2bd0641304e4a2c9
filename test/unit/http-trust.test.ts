/**
 * Workspace Trust and embedding servers, through the real language server: in restricted
 * mode a config's `http` encoder is not used — the server sends nothing to it, the default
 * model scores, and the config says why on its encoder key. Trusted, the same config does
 * send the texts (so the restricted check can fail).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { normalizeEndpoint } from '../../common/endpoint';
import type { RankingSnapshot } from '../../common/protocol';
import { EmbedServer } from '../helpers/embedServer';
import { messageOf, ROOT, TestClient } from '../helpers/lspClient';
import { tempDir } from '../helpers/lspFixtures';

let server: EmbedServer;
before(async () => { server = await EmbedServer.start({ memo: true }); });
after(async () => { await server.close(); });

function workspace(encoder: unknown = { kind: 'http', api: 'openai', url: server.url, model: 'use-lite-en' }): { dir: string; config: string; text: string } {
  const dir = tempDir('http-trust');
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 't.jsonl'), [
    { query: 'how to list files', positive: 'use ls to list files', negative: 'use cat to print a file' },
    { query: 'how to copy files', positive: 'use cp to copy files', negative: 'use mv to move files' },
    { query: 'how to delete files', positive: 'use rm to delete files', negative: 'use touch to create a file' },
  ].map((r) => JSON.stringify(r)).join('\n') + '\n');
  const text = JSON.stringify({
    encoder,
    sources: [{ name: 'T', files: 'data/t.jsonl' }],
  }, null, 2);
  const config = join(dir, 'eci.config.jsonc');
  writeFileSync(config, text);
  return { dir, config, text };
}

for (const trusted of [false, true]) {
  test(`${trusted ? 'trusted' : 'restricted'}: an http encoder named by the workspace is ${trusted ? 'used' : 'not used, nothing is sent to it'}`, async () => {
    const { dir, config, text } = workspace();
    const sent = server.requests.length;
    const client = await TestClient.start({ folder: dir, cacheDir: tempDir('http-trust-cache'), trusted });
    try {
      client.open(config, text, 'jsonc');
      if (!trusted) {
        const ds = await client.diagnosticsOf(config, (d) => d.some((x) => x.code === 'restricted-mode'));
        const note = ds.find((d) => d.code === 'restricted-mode')!;
        assert.match(messageOf(note), /restricted mode: the workspace's embedding server \(http:\/\/127\.0\.0\.1:\d+\) is not used — a workspace must not choose where your texts are sent/);
      }
      await client.waitForResults(undefined, 60_000);
      const [snap] = await client.request<RankingSnapshot[]>('eci/ranking', {});
      assert.equal(snap!.settings.encoder.kind, trusted ? 'http' : 'default');
      assert.equal(snap!.sources[0]!.size, 3);
      if (trusted) assert.ok(server.requests.length > sent, 'the trusted workspace\'s server got the texts');
      else assert.equal(server.requests.length, sent, 'no request reached the workspace\'s server');
    } finally {
      await client.stop();
    }
  });
}

test('eciSem.encoderEndpoint (a user setting) replaces the config\'s encoder; VS Code is told it is a restricted setting', async () => {
  const { dir, config, text } = workspace({ kind: 'default' });
  const sent = server.requests.length;
  const client = await TestClient.start({
    folder: dir, cacheDir: tempDir('http-trust-cache'), trusted: true,
    settings: { encoderEndpoint: { url: [server.url], api: 'tei', model: 'use-lite-en', batchSize: 2 } },
  });
  try {
    client.open(config, text, 'jsonc');
    await client.waitForResults(undefined, 60_000);
    const [snap] = await client.request<RankingSnapshot[]>('eci/ranking', {});
    assert.equal(snap!.settings.encoder.kind, 'http');
    const mine = server.requests.slice(sent);
    assert.ok(mine.length > 0 && mine.every((r) => r.api === 'tei' && r.texts.length <= 2), 'the setting\'s server, API and batch size were used');
  } finally {
    await client.stop();
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('eciSem.encoderEndpoint'));
  const props = pkg.contributes.configuration.properties ?? Object.assign({}, ...pkg.contributes.configuration.map((c: { properties: object }) => c.properties));
  assert.deepEqual(Object.keys(props['eciSem.encoderEndpoint'].properties).sort(), ['api', 'apiKeyEnv', 'batchSize', 'concurrency', 'model', 'url']);
});

test('eciSem.encoderEndpoint values that are not a usable endpoint are dropped (the config\'s encoder is used)', () => {
  assert.equal(normalizeEndpoint(null), null);
  assert.equal(normalizeEndpoint({ url: 'http://h:1' }), null, 'no model');
  assert.equal(normalizeEndpoint({ url: 'file:///etc/passwd', model: 'm' }), null);
  assert.equal(normalizeEndpoint({ url: 'http://u:secret@h:1', model: 'm' }), null, 'credentials in the URL');
  assert.deepEqual(normalizeEndpoint({ url: ' http://h:1 ', model: 'm', api: 'x', apiKeyEnv: 'sk-123 456', concurrency: 0 }), { url: ['http://h:1'], api: 'openai', model: 'm' });
});

test('trusted: an apiKeyEnv not set in the server\'s environment is underlined on the key, before any run', async () => {
  const { dir, config, text } = workspace({ kind: 'http', api: 'openai', url: server.url, model: 'use-lite-en', apiKeyEnv: 'ECI_TEST_NEVER_SET_KEY' });
  const client = await TestClient.start({ folder: dir, cacheDir: tempDir('http-trust-cache'), trusted: true, settings: { run: 'manual' } });
  try {
    client.open(config, text, 'jsonc');
    const ds = await client.diagnosticsOf(config, (d) => d.some((x) => /ECI_TEST_NEVER_SET_KEY/.test(messageOf(x))));
    const d = ds.find((x) => /ECI_TEST_NEVER_SET_KEY/.test(messageOf(x)))!;
    assert.match(messageOf(d), /the environment variable ECI_TEST_NEVER_SET_KEY is not set where the language server runs/);
    assert.equal(text.split('\n')[d.range.start.line]!.includes('apiKeyEnv'), true, 'on the apiKeyEnv line');
  } finally {
    await client.stop();
  }
});
