/** Writing to a stream with backpressure: wait for 'drain' when the reader is slower than we are. */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export async function drained(out: Writable): Promise<void> {
  if (out.writableNeedDrain && !out.destroyed) await Promise.race([once(out, 'drain'), once(out, 'close')]);
  if (out.destroyed) throw new Error('the output closed before the export was complete');
}
