// The verifier's report: the failures in the order a sequential reader finds them, at most `limit`
// of them kept (all counted), with places held for the checks that finish on other threads.

export class Report {
  constructor(limit) {
    this.entries = []; // failures, and slots (arrays) for failures found later that belong at that place
    this.lines = []; // the line each entry was found at
    this.line = 0; // the line being checked (set by the reader)
    this.kept = 0;
    this.count = 0;
    this.limit = limit;
    this.stats = {};
    this.lineHashes = null;
  }
  fail(check, details) {
    this.count++;
    if (this.kept < this.limit) {
      this.entries.push({ check, ...details });
      this.lines.push(this.line);
      this.kept++;
    }
  }
  /**
   * A place in the report for the checks that wait for the side sums (tree root, file digest): they
   * are reported where the sequential reading would have found them, not at the end.
   */
  slot() {
    const list = [];
    this.entries.push(list);
    this.lines.push(this.line);
    return (check, details) => {
      this.count++;
      list.push({ check, ...details });
    };
  }
  /**
   * The chain-hash mismatches of the side thread (line-hashes.js), each put before what the in-order
   * checks found at its line or later: where a sequential reader checks a transaction's hash first.
   */
  addLineHashes({ failures, count }) {
    this.count += count;
    this.lineHashes = failures;
  }
  get failures() {
    const side = this.lineHashes ?? [];
    const merged = [];
    let k = 0;
    for (let i = 0; i < this.entries.length; i++) {
      for (; k < side.length && side[k].line <= this.lines[i]; k++) merged.push(hashFailure(side[k]));
      const entry = this.entries[i];
      if (Array.isArray(entry)) merged.push(...entry);
      else merged.push(entry);
    }
    for (; k < side.length; k++) merged.push(hashFailure(side[k]));
    return merged.slice(0, this.limit);
  }
  get ok() {
    return this.count === 0;
  }
}

const hashFailure = ({ seq, expected, found }) => ({ check: 'chain.hash', seq, expected, found });
