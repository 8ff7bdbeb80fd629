// The worker thread of side.js: SHA-256 of the bundle's bytes and the Merkle tree of its leaves.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { TreeBuilder } from './merkle.js';
import { pushLeaves } from './side.js';
import { LineHashes } from './line-hashes.js';

const { port, signal, backlog, options } = workerData;
const hash = createHash('sha256');
const lines = options.hashLines ? new LineHashes(options.limit) : null;
const tree = new TreeBuilder();
const roots = new Map();

let failed = null; // the main thread blocks on `signal` at the end: an error must still wake it

parentPort.on('message', (message) => {
  try {
    if (message.finish) port.postMessage(failed ? { error: failed } : { digest: hash.digest('hex'), root: tree.root(), roots: [...roots], lineHashes: lines?.result() ?? null });
    else if (failed) { /* after a failure the rest is not hashed, only taken off the backlog */ }
    else if (message.digest) {
      hash.update(message.digest);
      lines?.push(Buffer.from(message.digest.buffer, message.digest.byteOffset, message.digest.length));
    }
    else if (message.leaves) pushLeaves(tree, roots, Buffer.from(message.leaves.buffer, message.leaves.byteOffset, message.leaves.length), new Set(message.wanted));
  } catch (error) {
    failed = String(error?.stack ?? error);
    if (message.finish) port.postMessage({ error: failed });
  }
  // Handled (or skipped after a failure): off the backlog, and the reader waiting on it is woken.
  const bytes = message.digest?.length ?? message.leaves?.length ?? 0;
  if (bytes) {
    Atomics.sub(backlog, 0, bytes);
    Atomics.notify(backlog, 0);
  }
  if (message.finish) {
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  }
});
