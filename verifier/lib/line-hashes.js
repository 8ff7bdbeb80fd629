// The chain hash of every v2 transaction line, recomputed beside the in-order checks (on the side
// thread, from the same bytes as the file digest): the costliest independent part of verifying a
// transaction, so the main thread keeps only what must run in order. Only mismatches are kept,
// each with its line, and bundle.js puts them where a sequential reader would have met them.
// (All of them, not a share: measured on 1M transactions under load 7–9, hashing every line here
// gave main/side thread CPU of 7.4–8.6 / 8.8–9.5 s and the shortest wall clock; every other line,
// 10.3–11 / 6.8–7.3 s; every third, 9.5–12 / 5.7–6.4 s.)
import { transactionHash } from './canonical.js';
import { isCompactLine, parseTransactionLine } from './tx-line.js';

export class LineHashes {
  constructor(limit) {
    this.limit = limit;
    this.rest = null; // the start of a line cut by the end of the previous bytes
    this.lineNo = 0;
    this.failures = []; // { line, seq, expected, found }: the first `limit`
    this.count = 0;
  }

  /** The file's next bytes, in order (the bytes before the end line, as the digest has them). */
  push(bytes) {
    let start = 0;
    if (this.rest) {
      const nl = bytes.indexOf(10);
      if (nl < 0) {
        this.rest = Buffer.concat([this.rest, bytes]);
        return;
      }
      this.take(Buffer.concat([this.rest, bytes.subarray(0, nl)]));
      this.rest = null;
      start = nl + 1;
    }
    for (let nl = bytes.indexOf(10, start); nl >= 0; nl = bytes.indexOf(10, start)) {
      this.take(bytes.subarray(start, nl));
      start = nl + 1;
    }
    if (start < bytes.length) this.rest = Buffer.from(bytes.subarray(start));
  }

  take(line) {
    this.lineNo++;
    if (!isCompactLine(line)) return;
    let t;
    try {
      t = parseTransactionLine(line.toString('utf8'));
    } catch {
      return; // (a malformed line is the main thread's to report)
    }
    let computed = null;
    try {
      computed = transactionHash(t);
    } catch {
      // malformed fields: reported as a mismatch
    }
    if (computed === t.hash) return;
    this.count++;
    if (this.failures.length < this.limit) this.failures.push({ line: this.lineNo, seq: t.seq, expected: String(computed), found: t.hash });
  }

  result() {
    return { failures: this.failures, count: this.count };
  }
}
