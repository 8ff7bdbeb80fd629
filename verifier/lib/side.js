// The two running sums of a bundle that need no other state: the SHA-256 of its bytes (for the end
// line) and the Merkle tree over its leaves (RFC 6962 root, and the root of every prefix size an
// earlier or saved checkpoint names). With worker threads they run on one thread of their own, fed
// as the bundle is read, so the main thread goes on to the transactions; `result()` waits for them.
import { createHash } from 'node:crypto';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { TreeBuilder } from './merkle.js';

/** In-process sums (no worker threads). */
class InlineSide {
  constructor() {
    this.hash = createHash('sha256');
    this.tree = new TreeBuilder();
    this.roots = new Map();
  }
  digest(bytes) {
    this.hash.update(bytes);
  }
  /** `hashes`: 32-byte chain hashes in seq order; `wanted`: the sizes whose root is needed. */
  leaves(hashes, wanted) {
    pushLeaves(this.tree, this.roots, hashes, wanted);
  }
  result() {
    return { digest: this.hash.digest('hex'), root: this.tree.root(), roots: this.roots };
  }
  close() {}
}

export function pushLeaves(tree, roots, hashes, wanted) {
  for (let i = 0; i < hashes.length; i += 32) {
    tree.push(hashes.subarray(i, i + 32));
    if (wanted.has(tree.size)) roots.set(tree.size, tree.root());
  }
}

/** A copy in an ArrayBuffer of its own (set() is a memcpy; new Uint8Array(view) copies element by element). */
function ownCopy(bytes) {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

/** The same sums on a worker thread (side-worker.js); messages are handled in the order sent. */
class WorkerSide {
  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.signal = new Int32Array(new SharedArrayBuffer(4));
    this.worker = new Worker(new URL('./side-worker.js', import.meta.url), { workerData: { port: port2, signal: this.signal }, transferList: [port2] });
  }
  digest(bytes) {
    const copy = ownCopy(bytes); // its own ArrayBuffer, handed over without a second copy
    this.worker.postMessage({ digest: copy }, [copy.buffer]);
  }
  leaves(hashes, wanted) {
    const copy = ownCopy(hashes);
    this.worker.postMessage({ leaves: copy, wanted: [...wanted] }, [copy.buffer]);
  }
  /** Blocks until the worker has handled every message before this one. */
  result() {
    this.worker.postMessage({ finish: true });
    Atomics.wait(this.signal, 0, 0);
    const { message } = receiveMessageOnPort(this.port);
    if (message.error) throw new Error(`the side thread failed: ${message.error}`);
    return { digest: message.digest, root: Buffer.from(message.root), roots: new Map(message.roots.map(([size, root]) => [size, Buffer.from(root)])) };
  }
  close() {
    return this.worker.terminate();
  }
}

export const createSide = (threads) => (threads > 0 ? new WorkerSide() : new InlineSide());
