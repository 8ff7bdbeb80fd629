// A worker thread of the bundle verifier: parses transaction lines and recomputes their chain hash
// (the costly, independent part), and hands back only what the in-order checks need.
import { parentPort } from 'node:worker_threads';
import { transactionHash } from './canonical.js';

/** Amounts as BigInt here, off the main thread; a malformed one is left as it is for the checks to report. */
function amountOf(value) {
  try {
    return BigInt(value);
  } catch {
    return value;
  }
}

parentPort.on('message', ({ id, lines }) => {
  const results = lines.map((line) => {
    let t;
    try {
      t = JSON.parse(line);
    } catch {
      return { bad: line.slice(0, 60) };
    }
    let computed = null;
    try {
      computed = transactionHash(t);
    } catch {
      // malformed fields: the in-order checks report them
    }
    const postings = Array.isArray(t.postings)
      ? t.postings.map((p) => ({ accountId: p?.accountId, lotId: p?.lotId, amount: amountOf(p?.amount), effectiveDate: p?.effectiveDate }))
      : t.postings;
    return { record: { type: t.type, id: t.id, seq: t.seq, hash: t.hash, prevHash: t.prevHash, fundLine: t.fundLine, effectiveDate: t.effectiveDate, postings }, computed };
  });
  parentPort.postMessage({ id, results });
});
