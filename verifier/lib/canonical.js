// The chain hash of a ledger transaction, re-implemented from the ledger migration
// (ledger.canonical_content / ledger.posting_entry / ledger.transaction_hash) without any of the
// server's code. docs/proof.md documents the encoding; a test checks it against the database.
import { createHash } from 'node:crypto';

export const ZERO_HASH = '0'.repeat(64);

/** PostgreSQL quote_nullable(text): NULL, or '…' with ' and \ doubled and an E prefix when a \ occurs. */
export function quoteNullable(value) {
  if (value === null || value === undefined) return 'NULL';
  const text = String(value);
  const body = text.replace(/'/g, "''").replace(/\\/g, '\\\\');
  return text.includes('\\') ? `E'${body}'` : `'${body}'`;
}

/** One posting: account id, lot id, signed amount in fen, effective date. */
export const postingEntry = (p) => `${p.accountId},${p.lotId},${p.amount},${p.effectiveDate}`;

/** The canonical text of a transaction with its postings (in posting id order). */
export function canonicalContent(t) {
  const q = quoteNullable;
  return [
    'v1', t.id, t.seq, q(t.kind), q(t.idempotencyKey), t.requestHash, q(t.fundLine), q(t.regionCode),
    q(t.counterpartRegionCode), t.effectiveDate, t.recordedAtMicros, q(t.documentNo), q(t.memo), q(t.actor),
    q(t.reversesId), q(t.reason), q(t.allocationId), q(t.payeeType), q(t.payeeId), q(t.serviceMonth),
    q(t.benefitCode), q(t.beneficiaryVillageCode), `[${t.postings.map(postingEntry).join(';')}]`,
  ].join(',');
}

/** SHA-256(prev_hash ‖ UTF-8(canonical text)), hex. */
export function transactionHash(t) {
  return createHash('sha256').update(Buffer.from(t.prevHash, 'hex')).update(canonicalContent(t), 'utf8').digest('hex');
}
