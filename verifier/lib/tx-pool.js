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
      worker.on('message', ({ id, out }) => {
        this.waiting.get(id)(out);
        this.waiting.delete(id);
      });
    }
    this.pending = []; // FIFO of { lineNo, promise }
    this.batch = [];
    this.batchBytes = 0;
    this.batchStart = 0;
  }

  /** `line`: the raw bytes of one transaction line (without its newline). */
  add(line, lineNo) {
    if (!this.batch.length) this.batchStart = lineNo;
    this.batch.push(line);
    this.batchBytes += line.length + 1;
    return this.batch.length >= BATCH ? this.dispatch() : null;
  }

  dispatch() {
    if (!this.batch.length) return;
    const id = ++this.ids;
    const worker = this.workers[this.next++ % this.workers.length];
    const promise = new Promise((resolve) => this.waiting.set(id, resolve));
    // One buffer of newline-terminated lines, handed over (not cloned): no string crosses threads.
    const bytes = new Uint8Array(this.batchBytes);
    let at = 0;
    for (const line of this.batch) {
      bytes.set(line, at);
      at += line.length;
      bytes[at++] = 10;
    }
    worker.postMessage({ id, bytes }, [bytes.buffer]);
    this.pending.push({ lineNo: this.batchStart, promise });
    this.batch = [];
    this.batchBytes = 0;
  }

  /** Checks finished batches in order; all of them when `all`, otherwise until few are in flight. */
  async drain(state, report, all) {
    if (all) this.dispatch();
    while (this.pending.length && (all || this.pending.length > 2 * this.workers.length)) {
      const { lineNo, promise } = this.pending.shift();
      unpack(await promise, lineNo, state, report);
    }
  }

  async close() {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Replays a batch packed by tx-worker.js in file order. Per line: 0, expected, found (a malformed line); or 1, type, compact (a v2
 * line), id, seq, hash, prevHash, fundLine, effectiveDate, same (recomputed hash = hash), recomputed hash (when
 * not the same), kind, regionCode, counterpartRegionCode, payeeType, payeeId, documentNo, allocationId, reversesId,
 * idempotencyKey, memo, requestHash (these three of appropriations only, else null), then the posting count and 4 values a posting (accountId, lotId, amount,
 * effectiveDate), or -1 and the `postings` value as found when it is not an array.
 */
function unpack(out, lineNo, state, report) {
  let i = 0;
  for (let line = lineNo; i < out.length; line++) {
    if (out[i] === 0) {
      report.fail('bundle.format', { line, expected: out[i + 1], found: out[i + 2] });
      i += 3;
      continue;
    }
    const record = { type: out[i + 1], compact: out[i + 2], id: out[i + 3], seq: out[i + 4], hash: out[i + 5], prevHash: out[i + 6], fundLine: out[i + 7], effectiveDate: out[i + 8],
      kind: out[i + 11], regionCode: out[i + 12], counterpartRegionCode: out[i + 13], payeeType: out[i + 14], payeeId: out[i + 15],
      documentNo: out[i + 16], allocationId: out[i + 17], reversesId: out[i + 18], idempotencyKey: out[i + 19], memo: out[i + 20], requestHash: out[i + 21], postings: null };
    const computed = out[i + 9] ? record.hash : out[i + 10];
    const count = out[i + 22];
    i += 23;
    if (count < 0) {
      record.postings = out[i++];
    } else {
      const postings = new Array(count);
      for (let k = 0; k < count; k++, i += 4) postings[k] = { accountId: out[i], lotId: out[i + 1], amount: out[i + 2], effectiveDate: out[i + 3] };
      record.postings = postings;
    }
    state.take(record, line, computed);
  }
}
