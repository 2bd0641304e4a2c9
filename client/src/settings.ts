/**
 * `eciSem.*` settings → the typed `ClientSettings` the server pulls with
 * `workspace/configuration`. Normalising here means the server never sees a
 * half-typed object from a hand-edited settings.json, and "unset" is always `null`
 * (the config file or the built-in default then wins).
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { normalizeEndpoint } from '../../common/endpoint';
import type { ClientSettings } from '../../common/protocol';

/** The threshold keys the engine knows (server/src/core/settings.ts `Thresholds`). */
export const THRESHOLD_KEYS = [
  'duplicateCosine', 'nearDuplicateJaccard', 'falseNegativeT', 'tooEasyL', 'lexicalOnlyR',
  'redundantGainRatio', 'redundantCosine', 'lowDiversity', 'manyFalseNegativesShare', 'stableAgreement',
] as const;

export const RUN_MODES = ['onType', 'onSave', 'manual'] as const;
export const DEFAULT_MAX_DIAGNOSTICS = 200;

/** The part of `vscode.WorkspaceConfiguration` we read; a plain object works in checks without VS Code. */
export interface SettingsSource {
  get<T>(key: string): T | undefined;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * `~` and `${workspaceFolder}` are expanded, and a relative path is taken relative to
 * the workspace folder the setting applies to, because the server's working
 * directory is not something the user can see or choose.
 */
export function resolveEncoderPath(raw: string, folder: string | undefined): string {
  let p = raw.trim();
  if (p === '') return '';
  if (folder !== undefined) p = p.replace(/\$\{workspaceFolder\}/g, folder);
  if (p === '~' || p.startsWith('~/')) p = join(homedir(), p.slice(1));
  if (isAbsolute(p)) return p;
  return folder !== undefined ? resolve(folder, p) : p;
}

/**
 * In Restricted Mode VS Code already drops workspace-level values of
 * eciSem.encoderPath (a restricted setting), but a user-level relative path or
 * one with `${workspaceFolder}` would still resolve into the untrusted
 * workspace: such a path is not sent, and the server uses the bundled encoder.
 */
export function encoderPathFor(raw: string, folder: string | undefined, trusted: boolean): string {
  const trimmed = raw.trim();
  if (trusted || trimmed === '') return resolveEncoderPath(trimmed, folder);
  if (trimmed.includes('${workspaceFolder}')) return '';
  const home = trimmed === '~' || trimmed.startsWith('~/');
  return home || isAbsolute(trimmed) ? resolveEncoderPath(trimmed, undefined) : '';
}

export function readClientSettings(config: SettingsSource, folder: string | undefined, trusted = true): ClientSettings {
  const temperature = config.get<unknown>('temperature');
  const sampleSize = config.get<unknown>('sampleSize');
  const resamples = config.get<unknown>('resamples');
  const maxDiagnostics = config.get<unknown>('maxDiagnosticsPerFile');
  const run = config.get<unknown>('run');

  // Only thresholds the user set are sent: a value here overrides the config file's.
  const thresholds: Record<string, number> = {};
  const rawThresholds = config.get<unknown>('thresholds');
  if (rawThresholds !== null && typeof rawThresholds === 'object') {
    const obj = rawThresholds as Record<string, unknown>;
    for (const key of THRESHOLD_KEYS) {
      const v = obj[key];
      if (finite(v)) thresholds[key] = v;
    }
  }

  return {
    encoderPath: encoderPathFor(String(config.get<unknown>('encoderPath') ?? ''), folder, trusted),
    encoderEndpoint: normalizeEndpoint(config.get<unknown>('encoderEndpoint')),
    temperature: finite(temperature) && temperature > 0 ? temperature : null,
    sampleSize: finite(sampleSize) && sampleSize >= 2 ? Math.floor(sampleSize) : null,
    resamples: finite(resamples) && resamples >= 0 ? Math.floor(resamples) : null,
    scope: config.get<unknown>('scope') === 'sample' ? 'sample' : 'full',
    thresholds,
    maxDiagnosticsPerFile: finite(maxDiagnostics) && maxDiagnostics >= 0 ? Math.floor(maxDiagnostics) : DEFAULT_MAX_DIAGNOSTICS,
    run: (RUN_MODES as readonly unknown[]).includes(run) ? (run as ClientSettings['run']) : 'onType',
  };
}
