// The running sums of a bundle that need no other state: the SHA-256 of its bytes (for the end
// line), the Merkle tree over its leaves (RFC 6962 root, and the root of every prefix size an
// earlier or saved checkpoint names) and, when asked (`hashLines`), the chain hash of every v2
// transaction line (line-hashes.js). With worker threads they run on one thread of their own, fed
// as the bundle is read, so the main thread goes on to the transactions; `result()` waits for them.
import { createHash } from 'node:crypto';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { TreeBuilder } from './merkle.js';
import { LineHashes } from './line-hashes.js';

/** In-process sums (no worker threads). */
class InlineSide {
  constructor({ hashLines, limit }) {
    this.hash = createHash('sha256');
    this.tree = new TreeBuilder();
    this.roots = new Map();
    this.lines = hashLines ? new LineHashes(limit) : null;
  }
  digest(bytes) {
    this.hash.update(bytes);
    this.lines?.push(bytes);
  }
  /** `hashes`: 32-byte chain hashes in seq order; `wanted`: the sizes whose root is needed. */
  leaves(hashes, wanted) {
    pushLeaves(this.tree, this.roots, hashes, wanted);
  }
  result() {
    return { digest: this.hash.digest('hex'), root: this.tree.root(), roots: this.roots, lineHashes: this.lines?.result() ?? null };
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
  constructor(options) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.signal = new Int32Array(new SharedArrayBuffer(4));
    this.worker = new Worker(new URL('./side-worker.js', import.meta.url), { workerData: { port: port2, signal: this.signal, options }, transferList: [port2] });
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
    return { digest: message.digest, root: Buffer.from(message.root), roots: new Map(message.roots.map(([size, root]) => [size, Buffer.from(root)])), lineHashes: message.lineHashes };
  }
  close() {
    return this.worker.terminate();
  }
}

/** `options`: { hashLines, limit }: also recompute the chain hash of v2 transaction lines, keeping `limit` mismatches. */
export const createSide = (threads, options) => (threads > 0 ? new WorkerSide(options) : new InlineSide(options));
