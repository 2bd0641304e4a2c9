/**
 * Writing a report to stdout or a file, chunk by chunk, with backpressure. One
 * `error` listener serves the whole stream (a listener per write would pile up
 * on a million-triple report), and small chunks are joined into writes of
 * about 64 KiB so a per-triple chunk does not cost a system call each.
 */

const FLUSH_AT = 64 * 1024;

export interface ChunkWriter {
  write(chunk: string): Promise<void>;
  /** Flushes what is buffered; for a file, also closes it. Rejects with the stream's error, if any. */
  close(): Promise<void>;
}

export function chunkWriter(out: NodeJS.WritableStream, ownsStream: boolean): ChunkWriter {
  let failure: Error | null = null;
  let waiting: { ok: () => void; fail: (e: Error) => void } | null = null;
  const onError = (err: Error) => {
    failure ??= err;
    waiting?.fail(err);
    waiting = null;
  };
  const onDrain = () => {
    waiting?.ok();
    waiting = null;
  };
  out.on('error', onError);
  out.on('drain', onDrain);
  let buffered: string[] = [];
  let size = 0;

  const flush = async () => {
    if (failure) throw failure;
    if (buffered.length === 0) return;
    const text = buffered.join('');
    buffered = [];
    size = 0;
    if (out.write(text)) return;
    await new Promise<void>((ok, fail) => {
      if (failure) fail(failure);
      else waiting = { ok, fail };
    });
  };

  return {
    async write(chunk) {
      if (failure) throw failure;
      buffered.push(chunk);
      size += chunk.length;
      if (size >= FLUSH_AT) await flush();
    },
    async close() {
      try {
        await flush();
        if (ownsStream) {
          await new Promise<void>((ok, fail) => {
            if (failure) { fail(failure); return; }
            waiting = { ok: () => undefined, fail };
            out.end(() => ok());
          });
        }
        if (failure) throw failure;
      } finally {
        out.off('drain', onDrain);
        // A file stream's late errors are already ours; stdout keeps its own handling.
        if (!ownsStream) out.off('error', onError);
      }
    },
  };
}
