/**
 * A minimal editor for the benchmarks: starts the language server (dist/server.js, what
 * `eci-sem lsp --stdio` runs) as its own process over stdio, and keeps a timestamped log
 * of what it sends — eci/status, eci/resultsChanged (with its `provisional` / `stability`
 * flags) and $/progress — so a bench can wait for "the next full result" and read how
 * long each phase took. Talks the protocol only; imports nothing from server/src.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Status = { state: string; scope?: string; phase?: string; done?: number; total?: number; seconds?: number; message?: string };
export interface Event {
  /** performance.now() when it arrived. */
  t: number;
  kind: 'status' | 'results' | 'progress';
  status?: Status;
  results?: { scopes: string[]; provisional?: true; stability?: true };
  progress?: { kind: string; message?: string; percentage?: number };
}

/** A resultsChanged that announces a full result: not the provisional ranking, not a stability check. */
export const isFullResult = (e: Event) => e.kind === 'results' && !e.results!.provisional && !e.results!.stability;
export const isProvisional = (e: Event) => e.kind === 'results' && !!e.results!.provisional;
export const isStability = (e: Event) => e.kind === 'results' && !!e.results!.stability;

export interface BenchServer {
  conn: MessageConnection;
  child: ChildProcess;
  events: Event[];
  status: Status;
  stderr(): string;
  exited(): string | null;
  request<T>(method: string, params?: unknown): Promise<T>;
  notify(method: string, params?: unknown): Promise<void>;
  /** The first event after index `from` that satisfies `pred`, or null after `ms`. */
  waitEvent(from: number, pred: (e: Event) => boolean, ms: number): Promise<Event | null>;
  /** Shuts the server down (cancel, shutdown, exit; killed if it stays). */
  close(): Promise<{ cancel: string; shutdown: string; exit: string | null }>;
}

export async function startServer(serverJs: string, ws: string, cacheDir: string): Promise<BenchServer> {
  const child = spawn(process.execPath, [serverJs, '--stdio'], { cwd: ws, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  let exited: string | null = null;
  const gone = new Promise<never>((_, fail) => child.on('exit', (code, sig) => {
    exited = `exit code ${code}${sig ? `, signal ${sig}` : ''}`;
    fail(new Error(`the server ended (${exited})`));
  }));
  gone.catch(() => undefined);
  const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const events: Event[] = [];
  const server: BenchServer = {
    conn, child, events, status: { state: 'idle' },
    stderr: () => stderr,
    exited: () => exited,
    request: <T>(method: string, params?: unknown) => Promise.race([conn.sendRequest(method, params) as Promise<T>, gone]),
    notify: (method, params) => conn.sendNotification(method, params),
    waitEvent: async (from, pred, ms) => {
      const end = performance.now() + ms;
      for (;;) {
        for (let i = from; i < events.length; i++) if (pred(events[i])) return events[i];
        if (performance.now() > end || exited) return null;
        await sleep(20);
      }
    },
    close: async () => {
      const cancel = await server.request('eci/cancel', {}).then(() => 'ok', (e: Error) => e.message);
      await sleep(300);
      const shutdown = await server.request('shutdown').then(() => 'ok', (e: Error) => e.message);
      await conn.sendNotification('exit').catch(() => undefined);
      await sleep(300);
      if (child.exitCode === null) child.kill();
      conn.dispose();
      return { cancel, shutdown, exit: exited };
    },
  };
  conn.onRequest(() => null); // registerCapability, window/workDoneProgress/create, …: accept
  conn.onNotification('eci/status', (s: Status) => { server.status = s; events.push({ t: performance.now(), kind: 'status', status: s }); });
  conn.onNotification('eci/resultsChanged', (p: Event['results']) => { events.push({ t: performance.now(), kind: 'results', results: p }); });
  conn.onNotification('$/progress', (p: { value: Event['progress'] }) => { events.push({ t: performance.now(), kind: 'progress', progress: p.value }); });
  conn.onNotification(() => undefined);
  conn.listen();
  const root = pathToFileURL(ws).href;
  await server.request('initialize', {
    processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: 'bench' }],
    capabilities: { textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, codeLens: {} }, window: { workDoneProgress: true } },
    initializationOptions: { trusted: true, cacheDir },
  });
  await server.notify('initialized', {});
  return server;
}

/** "embedding 1200/5000 triples (830 new texts)": the largest count of new texts the run's progress named. */
export function newTextsOf(events: Event[], from: number, to = events.length): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const m = /\((\d+) new texts\)/.exec(events[i].progress?.message ?? '');
    if (m) n = Math.max(n, Number(m[1]));
  }
  return n;
}
