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

/**
 * At most this many bytes are handed to the side thread and not yet hashed: the main thread reads
 * as fast as the disk gives, the side thread hashes slower on a busy machine, and without a bound
 * the copies of a bundle of many gigabytes would wait in memory.
 */
const MAX_BACKLOG_BYTES = 64 << 20;
/** A side thread that has taken nothing off the backlog for this long has stopped. */
const STALL_MS = 60_000;

/** The same sums on a worker thread (side-worker.js); messages are handled in the order sent. */
class WorkerSide {
  constructor(options) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.signal = new Int32Array(new SharedArrayBuffer(4));
    // Bytes sent and not yet handled: the main thread adds, the worker subtracts and notifies.
    this.backlog = new Int32Array(new SharedArrayBuffer(4));
    this.maxBacklogBytes = options.maxBacklogBytes ?? MAX_BACKLOG_BYTES;
    this.stats = { largestBacklog: 0, waits: 0 };
    this.worker = new Worker(new URL('./side-worker.js', import.meta.url), {
      workerData: { port: port2, signal: this.signal, backlog: this.backlog, options }, transferList: [port2],
    });
  }
  digest(bytes) {
    const copy = ownCopy(bytes); // its own ArrayBuffer, handed over without a second copy
    this.send({ digest: copy }, copy);
  }
  leaves(hashes, wanted) {
    const copy = ownCopy(hashes);
    this.send({ leaves: copy, wanted: [...wanted] }, copy);
  }
  /** Waits (blocking: the reader has nothing else to do) while the backlog is over its bound, then sends. */
  send(message, copy) {
    let pending = Atomics.load(this.backlog, 0);
    if (pending > this.maxBacklogBytes) {
      this.stats.waits++;
      let since = Date.now();
      while (pending > this.maxBacklogBytes) {
        Atomics.wait(this.backlog, 0, pending, 1000);
        const now = Atomics.load(this.backlog, 0);
        if (now !== pending) since = Date.now();
        else if (Date.now() - since > STALL_MS) throw new Error(`the side thread stopped: ${pending} bytes unhashed for ${STALL_MS / 1000} s`);
        pending = now;
      }
    }
    const after = Atomics.add(this.backlog, 0, copy.length) + copy.length;
    if (after > this.stats.largestBacklog) this.stats.largestBacklog = after;
    this.worker.postMessage(message, [copy.buffer]);
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

/**
 * `options`: { hashLines, limit, maxBacklogBytes }: also recompute the chain hash of v2 transaction
 * lines, keeping `limit` mismatches; hand the side thread at most `maxBacklogBytes` ahead of it.
 */
export const createSide = (threads, options) => (threads > 0 ? new WorkerSide(options) : new InlineSide(options));
