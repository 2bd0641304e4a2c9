/**
 * The client's `eciSem.*` settings, per resource (a config or a workspace
 * folder can override them), cached until `workspace/didChangeConfiguration`
 * clears the cache. Settings are not globals: every use asks for a resource.
 */
import type { Connection } from 'vscode-languageserver';
import { normalizeEndpoint } from '../../../common/endpoint';
import type { ClientSettings } from '../../../common/protocol';

export const DEFAULT_CLIENT_SETTINGS: Readonly<ClientSettings> = Object.freeze({
  encoderPath: '',
  temperature: null,
  sampleSize: null,
  resamples: null,
  scope: 'full' as const,
  thresholds: {},
  maxDiagnosticsPerFile: 500,
  run: 'onType' as const,
});

/** Values from the client, each checked; anything malformed falls back to the default. */
export function normalizeSettings(raw: unknown): ClientSettings {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const d = DEFAULT_CLIENT_SETTINGS;
  const posNum = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const thresholds: Record<string, number> = {};
  if (r.thresholds && typeof r.thresholds === 'object') {
    for (const [k, v] of Object.entries(r.thresholds as Record<string, unknown>)) if (typeof v === 'number') thresholds[k] = v;
  }
  const max = r.maxDiagnosticsPerFile;
  return {
    encoderPath: typeof r.encoderPath === 'string' ? r.encoderPath : d.encoderPath,
    encoderEndpoint: normalizeEndpoint(r.encoderEndpoint),
    temperature: posNum(r.temperature),
    sampleSize: posNum(r.sampleSize),
    resamples: posNum(r.resamples),
    scope: r.scope === 'sample' ? 'sample' : 'full',
    thresholds,
    maxDiagnosticsPerFile: typeof max === 'number' && max >= 0 ? Math.floor(max) : d.maxDiagnosticsPerFile,
    run: r.run === 'onSave' || r.run === 'manual' || r.run === 'onType' ? r.run : d.run,
  };
}

export class SettingsCache {
  private readonly cache = new Map<string, Promise<ClientSettings>>();
  /** Set from the client's capabilities: without workspace/configuration, defaults (plus didChangeConfiguration pushes) apply. */
  supported = false;
  private pushed: ClientSettings | undefined;

  constructor(private readonly connection: Connection) {}

  get(scopeUri: string | undefined): Promise<ClientSettings> {
    if (!this.supported) return Promise.resolve(this.pushed ?? { ...DEFAULT_CLIENT_SETTINGS });
    const key = scopeUri ?? '';
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.ask(scopeUri);
      this.cache.set(key, hit);
    }
    return hit;
  }

  private ask(scopeUri: string | undefined): Promise<ClientSettings> {
    return this.connection.workspace.getConfiguration({ scopeUri, section: 'eciSem' }).then(normalizeSettings, () => ({ ...DEFAULT_CLIENT_SETTINGS }));
  }

  /**
   * For a client that cannot be asked to announce changes (no dynamic
   * registration of didChangeConfiguration, e.g. eglot 1.9): ask again for
   * every resource asked before. True when any answer differs from the cached
   * one (the cache then holds the new answers).
   */
  async reread(): Promise<boolean> {
    if (!this.supported) return false;
    let changed = false;
    for (const [key, old] of [...this.cache.entries()]) {
      const fresh = this.ask(key || undefined);
      const [before, after] = await Promise.all([old, fresh]);
      if (JSON.stringify(before) !== JSON.stringify(after)) changed = true;
      if (this.cache.get(key) === old) this.cache.set(key, fresh);
    }
    return changed;
  }

  /** didChangeConfiguration: forget everything; clients that push settings send them here. */
  clear(pushed?: unknown): void {
    this.cache.clear();
    const section = pushed && typeof pushed === 'object' ? (pushed as Record<string, unknown>).eciSem : undefined;
    if (section !== undefined) this.pushed = normalizeSettings(section);
  }
}
