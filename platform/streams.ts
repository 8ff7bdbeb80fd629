/** Writing to a stream with backpressure: wait for 'drain' when the reader is slower than we are. */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Resolves once `out` can take more (or throws when it closed or failed); the listeners are removed either way. */
export async function drained(out: Writable): Promise<void> {
  if (out.writableNeedDrain && !out.destroyed) {
    const stop = new AbortController();
    const wait = (event: string) =>
      once(out, event, { signal: stop.signal }).catch((error: Error) => {
        if (error.name !== 'AbortError') throw error;
      });
    try {
      await Promise.race([wait('drain'), wait('close')]);
    } finally {
      stop.abort();
    }
  }
  if (out.destroyed) throw new Error('the output closed before the export was complete');
}
