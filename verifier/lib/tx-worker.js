// A worker thread of the bundle verifier: parses transaction lines and recomputes their chain hash
// (the costly, independent part), and hands back only what the in-order checks need, as ONE flat
// array per batch (see tx-pool.js `unpack`): structured cloning a flat array of strings costs a
// fraction of cloning an object with nested posting objects per transaction.
import { parentPort } from 'node:worker_threads';
import { transactionHash } from './canonical.js';
import { parseTransactionLine } from './tx-line.js';

/** Amounts as BigInt here, off the main thread; a malformed one is left as it is for the checks to report. */
function amountOf(value) {
  try {
    return BigInt(value);
  } catch {
    return value;
  }
}

/** Appends one line's result to `out`: BAD, expected, found, or TX + fields + postings (see tx-pool.js). */
function pack(line, out) {
  const compact = line.startsWith('T\t');
  let t;
  try {
    t = compact ? parseTransactionLine(line) : JSON.parse(line);
  } catch (error) {
    // (the same expected/found as the main thread's reader reports: the findings do not depend on --threads)
    if (compact) out.push(0, 'a transaction line', error.message);
    else out.push(0, 'a JSON object', line.slice(0, 60));
    return;
  }
  // (a record's form is its line's, never what a JSON record says of itself: see bundle.js)
  t.compact = compact;
  let computed = null;
  try {
    computed = transactionHash(t);
  } catch {
    // malformed fields: the in-order checks report them
  }
  // The recomputed hash is sent only when it differs from the stated one (the common case costs a flag).
  const same = computed !== null && computed === t.hash;
  out.push(1, t.type, compact, t.id, t.seq, t.hash, t.prevHash, t.fundLine, t.effectiveDate, same, same ? null : computed);
  // what the journal check (journal.js) reads of the transaction (an appropriation's request hash: only theirs)
  out.push(t.kind, t.regionCode, t.counterpartRegionCode ?? null, t.payeeType ?? null, t.payeeId ?? null, t.documentNo ?? null, t.allocationId ?? null, t.reversesId ?? null);
  if (t.kind === 'APPROPRIATION') out.push(t.idempotencyKey ?? null, t.memo ?? null, t.requestHash ?? null);
  else out.push(null, null, null);
  if (!Array.isArray(t.postings)) {
    out.push(-1, t.postings);
    return;
  }
  out.push(t.postings.length);
  for (const p of t.postings) out.push(p?.accountId, p?.lotId, amountOf(p?.amount), p?.effectiveDate);
}

parentPort.on('message', ({ id, bytes }) => {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = [];
  for (let start = 0, nl = buffer.indexOf(10); nl >= 0; start = nl + 1, nl = buffer.indexOf(10, start)) pack(buffer.toString('utf8', start, nl), out);
  parentPort.postMessage({ id, out });
});
