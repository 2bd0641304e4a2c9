/**
 * The `eciSem.encoderEndpoint` setting: an embedding server used instead of the config's
 * encoder. Checked the same way by the extension (before sending it) and the server (a
 * client such as Neovim sends its own settings). A restricted setting: VS Code does not
 * apply a workspace's value in Restricted Mode, since a workspace must not choose where
 * your texts are sent. The key itself is never a setting: `apiKeyEnv` names the
 * environment variable of the server's process that holds it.
 */

export interface EncoderEndpointSetting {
  url: string[];
  api: 'openai' | 'tei';
  model: string;
  apiKeyEnv?: string;
  concurrency?: number;
  batchSize?: number;
}

const posInt = (v: unknown, max: number): number | undefined =>
  (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max ? v : undefined);

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
  } catch {
    return false;
  }
}

/** The setting as the engine may use it, or null (unset, or not a usable endpoint: then the config's encoder is used). */
export function normalizeEndpoint(raw: unknown): EncoderEndpointSetting | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  const urls = (typeof r.url === 'string' ? [r.url] : Array.isArray(r.url) ? r.url : [])
    .filter((u): u is string => typeof u === 'string' && isHttpUrl(u.trim())).map((u) => u.trim());
  const model = typeof r.model === 'string' ? r.model.trim() : '';
  if (urls.length === 0 || model === '') return null;
  const out: EncoderEndpointSetting = { url: urls, api: r.api === 'tei' ? 'tei' : 'openai', model };
  if (typeof r.apiKeyEnv === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(r.apiKeyEnv)) out.apiKeyEnv = r.apiKeyEnv;
  const concurrency = posInt(r.concurrency, 256);
  if (concurrency !== undefined) out.concurrency = concurrency;
  const batchSize = posInt(r.batchSize, 4096);
  if (batchSize !== undefined) out.batchSize = batchSize;
  return out;
}
