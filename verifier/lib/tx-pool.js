// Worker threads of the bundle verifier: transaction lines are parsed and hashed in batches by
// tx-worker.js, and their results handed to the in-order checks in file order.
import { Worker } from 'node:worker_threads';

const BATCH = 1000;

/**
 * Transaction lines (nearly all of a bundle) are parsed and hashed by worker threads, in batches,
 * and their results checked here in file order; every other line is handled here, after the
 * transactions before it.
 */
export class TransactionPool {
  constructor(size) {
    this.workers = Array.from({ length: size }, () => new Worker(new URL('./tx-worker.js', import.meta.url)));
    this.next = 0;
    this.waiting = new Map();
    this.ids = 0;
    for (const worker of this.workers) {
      worker.on('message', ({ id, results }) => {
        this.waiting.get(id)(results);
        this.waiting.delete(id);
      });
    }
    this.pending = []; // FIFO of { lineNo, promise }
    this.batch = [];
    this.batchStart = 0;
  }

  add(line, lineNo) {
    if (!this.batch.length) this.batchStart = lineNo;
    this.batch.push(line);
    return this.batch.length >= BATCH ? this.dispatch() : null;
  }

  dispatch() {
    if (!this.batch.length) return;
    const id = ++this.ids;
    const worker = this.workers[this.next++ % this.workers.length];
    const promise = new Promise((resolve) => this.waiting.set(id, resolve));
    worker.postMessage({ id, lines: this.batch });
    this.pending.push({ lineNo: this.batchStart, promise });
    this.batch = [];
  }

  /** Checks finished batches in order; all of them when `all`, otherwise until few are in flight. */
  async drain(state, report, all) {
    if (all) this.dispatch();
    while (this.pending.length && (all || this.pending.length > 2 * this.workers.length)) {
      const { lineNo, promise } = this.pending.shift();
      const results = await promise;
      results.forEach((r, i) => {
        if (r.bad !== undefined) report.fail('bundle.format', { line: lineNo + i, expected: 'a JSON object', found: r.bad });
        else state.take(r.record, lineNo + i, r.computed);
      });
    }
  }

  async close() {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
