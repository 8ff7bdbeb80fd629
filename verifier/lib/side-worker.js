// The worker thread of side.js: SHA-256 of the bundle's bytes and the Merkle tree of its leaves.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { TreeBuilder } from './merkle.js';
import { pushLeaves } from './side.js';

const { port, signal } = workerData;
const hash = createHash('sha256');
const tree = new TreeBuilder();
const roots = new Map();

parentPort.on('message', (message) => {
  if (message.digest) hash.update(message.digest);
  else if (message.leaves) pushLeaves(tree, roots, Buffer.from(message.leaves.buffer, message.leaves.byteOffset, message.leaves.length), new Set(message.wanted));
  else if (message.finish) {
    port.postMessage({ digest: hash.digest('hex'), root: tree.root(), roots: [...roots] });
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  }
});
