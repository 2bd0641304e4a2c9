/**
 * What an embedding server's answer means for the request that got it: done, wait and
 * retry (429/503 with the server's own delay, other 5xx, resets, timeouts, unreadable
 * bodies), split the batch (TEI and proxies refuse batches that are too large), or stop
 * the run with one message saying what to change. Pure: no sockets here, so every rule
 * is testable on its own.
 */

export type Fault =
  /** Worth another try, after `waitMs` when the server said how long (Retry-After). */
  | { kind: 'retry'; reason: string; waitMs?: number; replicaFault: boolean }
  /** The batch is too large for the server: halve it. */
  | { kind: 'split'; reason: string }
  /** The server refuses base64 embeddings: ask for floats from now on. */
  | { kind: 'floats'; reason: string }
  /** Retrying cannot fix this; `hint` says what the user should change. */
  | { kind: 'fatal'; reason: string; hint: string };

/** Longest wait a Retry-After may impose; beyond this the server is treated as down for now. */
export const MAX_RETRY_AFTER_MS = 120_000;

/**
 * The server's requested delay: `retry-after-ms` (milliseconds, as some OpenAI-compatible
 * gateways send), else `retry-after` as seconds or an HTTP date. undefined when absent or
 * unreadable.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) {
    return Math.min(MAX_RETRY_AFTER_MS, Number(ms));
  }
  const ra = headers.get('retry-after');
  if (ra === null || ra.trim() === '') return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs) && secs >= 0) return Math.min(MAX_RETRY_AFTER_MS, secs * 1000);
  const date = Date.parse(ra);
  if (Number.isFinite(date)) return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, date - now));
  return undefined;
}

/**
 * Exponential backoff with jitter: attempt 0 waits about `baseMs`, each next one twice as
 * long, capped at `capMs`; the wait is drawn from [half, all] of that so that replicas
 * recovering together are not hit by every client at the same instant.
 */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const full = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return full / 2 + random() * (full / 2);
}

/** The human part of an error body: OpenAI's {error: {message}}, TEI's {error, error_type}, or the text. */
export function serverMessage(body: string): string {
  let text = body.trim();
  try {
    const j = JSON.parse(text) as unknown;
    if (j && typeof j === 'object') {
      const o = j as Record<string, unknown>;
      const e = o.error;
      if (typeof e === 'string') text = e;
      else if (e && typeof e === 'object' && typeof (e as Record<string, unknown>).message === 'string') text = (e as Record<string, string>).message;
      else if (typeof o.message === 'string') text = o.message;
      else if (typeof o.detail === 'string') text = o.detail;
      else if (Array.isArray(o.detail)) text = JSON.stringify(o.detail);
    }
  } catch {
    // not JSON: keep the text
  }
  text = text.replace(/\s+/g, ' ');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

const BATCH_TOO_LARGE = /batch size|batch_size|max_client_batch_size|too many inputs|payload|too large|request entity|body.*(limit|large)|max.*batch/i;
const INPUT_TOO_LONG = /token|too long|length|context/i;
const ENCODING_FORMAT = /encoding_format|base64/i;

export interface ClassifyContext {
  /** Texts in the batch (a batch of one cannot be split). */
  size: number;
  /** Whether this request asked for base64 embeddings. */
  base64: boolean;
  /** The name of the key's environment variable, for the 401 hint. */
  apiKeyEnv?: string;
  model: string;
  api: 'openai' | 'tei';
}

/** What an HTTP status (and its body) means for the request. */
export function classifyStatus(status: number, headers: Headers, body: string, ctx: ClassifyContext): Fault {
  const msg = serverMessage(body);
  const said = msg ? `: ${msg}` : '';
  if (status === 429 || status === 503) {
    const waitMs = retryAfterMs(headers);
    return { kind: 'retry', reason: `answered ${status}${said}`, ...(waitMs !== undefined ? { waitMs } : {}), replicaFault: false };
  }
  if (status >= 500) return { kind: 'retry', reason: `answered ${status}${said}`, replicaFault: true };
  if (status === 413 || ((status === 422 || status === 400) && BATCH_TOO_LARGE.test(msg) && !/token/i.test(msg))) {
    if (ctx.size > 1) return { kind: 'split', reason: `answered ${status}${said}` };
    return {
      kind: 'fatal', reason: `answered ${status} to a single text${said}`,
      hint: 'the server refuses even one text: raise its payload limit (TEI: --payload-limit) or shorten the texts',
    };
  }
  if ((status === 400 || status === 422) && ctx.base64 && ENCODING_FORMAT.test(msg)) {
    return { kind: 'floats', reason: `answered ${status}${said}` };
  }
  if (status === 401 || status === 403) {
    return {
      kind: 'fatal', reason: `answered ${status}${said}`,
      hint: ctx.apiKeyEnv
        ? `the server refuses the key in the environment variable ${ctx.apiKeyEnv}: check it is the right key for this server`
        : 'the server wants a key: put it in an environment variable and name that variable in encoder.apiKeyEnv',
    };
  }
  if (status === 404) {
    return {
      kind: 'fatal', reason: `answered 404${said}`,
      hint: ctx.api === 'openai'
        ? `check the url (the OpenAI API is served at …/v1/embeddings) and that the server serves the model "${ctx.model}"`
        : 'check the url (TEI serves …/embed) and the api ("tei" or "openai")',
    };
  }
  if ((status === 400 || status === 413 || status === 422) && INPUT_TOO_LONG.test(msg)) {
    return {
      kind: 'fatal', reason: `answered ${status}${said}`,
      hint: ctx.api === 'tei'
        ? 'a text is longer than the model accepts: keep encoder.truncate true (the default) or start TEI with --auto-truncate'
        : 'a text is longer than the model accepts: let the server truncate (vLLM: --max-model-len / truncate_prompt_tokens; TEI: --auto-truncate)',
    };
  }
  return {
    kind: 'fatal', reason: `answered ${status}${said}`,
    hint: `check encoder.api ("${ctx.api}") and encoder.model ("${ctx.model}") against what the server serves`,
  };
}

/** A failure of the request itself (no status): resets, refused connections, DNS, timeouts. */
export function classifyNetworkError(err: unknown, timedOut: boolean, timeoutMs: number): Fault {
  if (timedOut) return { kind: 'retry', reason: `did not answer within ${timeoutMs} ms (encoder.timeoutMs)`, replicaFault: true };
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code;
  const what = code ? `${code}${e.cause?.message && !e.cause.message.includes(code) ? ` ${e.cause.message}` : ''}` : e.cause?.message ?? e.message ?? String(err);
  return { kind: 'retry', reason: `could not be reached (${what})`, replicaFault: true };
}
