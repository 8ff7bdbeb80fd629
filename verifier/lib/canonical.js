// The chain hash of a ledger transaction, re-implemented from the ledger migration
// (ledger.canonical_content / ledger.posting_entry / ledger.transaction_hash) without any of the
// server's code. docs/proof.md documents the encoding; a test checks it against the database.
import { createHash, hash as oneShot } from 'node:crypto';

export const ZERO_HASH = '0'.repeat(64);

/** PostgreSQL quote_nullable(text): NULL, or '…' with ' and \ doubled and an E prefix when a \ occurs. */
export function quoteNullable(value) {
  if (value === null || value === undefined) return 'NULL';
  const text = typeof value === 'string' ? value : String(value);
  const backslash = text.indexOf('\\') >= 0;
  if (!backslash && text.indexOf("'") < 0) return "'" + text + "'";
  const body = text.replaceAll("'", "''").replaceAll('\\', '\\\\');
  return backslash ? "E'" + body + "'" : "'" + body + "'";
}

/** One posting: account id, lot id, signed amount in fen, effective date. */
export const postingEntry = (p) => p.accountId + ',' + p.lotId + ',' + p.amount + ',' + p.effectiveDate;

/**
 * The canonical text of a transaction with its postings (in posting id order): 'v1,…' for an
 * ordinary transaction; for one that comes from an approved proposal, 'v2,' + the same fields +
 * proposal id, proposer and approver (so both people are inside the hash).
 */
export function canonicalContent(t) {
  const v1 = canonicalV1(t);
  if (t.proposalId === null || t.proposalId === undefined) return v1;
  const q = quoteNullable;
  return 'v2,' + v1.slice(3) + ',' + q(t.proposalId) + ',' + q(t.proposedBy) + ',' + q(t.approvedBy);
}

function canonicalV1(t) {
  const q = quoteNullable;
  let postings = '';
  for (let i = 0; i < t.postings.length; i++) postings += (i ? ';' : '') + postingEntry(t.postings[i]);
  return 'v1,' + t.id + ',' + t.seq + ',' + q(t.kind) + ',' + q(t.idempotencyKey) + ',' + t.requestHash + ',' + q(t.fundLine) + ',' +
    q(t.regionCode) + ',' + q(t.counterpartRegionCode) + ',' + t.effectiveDate + ',' + t.recordedAtMicros + ',' + q(t.documentNo) + ',' +
    q(t.memo) + ',' + q(t.actor) + ',' + q(t.reversesId) + ',' + q(t.reason) + ',' + q(t.allocationId) + ',' + q(t.payeeType) + ',' +
    q(t.payeeId) + ',' + q(t.serviceMonth) + ',' + q(t.benefitCode) + ',' + q(t.beneficiaryVillageCode) + ',[' + postings + ']';
}

// One input buffer reused for every transaction: no allocation and no separate UTF-8 length scan.
let scratch = Buffer.allocUnsafe(1 << 16);

/** SHA-256(prev_hash ‖ UTF-8(canonical text)), hex. */
export function transactionHash(t) {
  const content = canonicalContent(t);
  if (!oneShot) return createHash('sha256').update(Buffer.from(t.prevHash, 'hex')).update(content, 'utf8').digest('hex');
  // Every UTF-16 unit is at most 3 UTF-8 bytes, so this size always holds the whole text.
  if (scratch.length < 32 + 3 * content.length) scratch = Buffer.allocUnsafe(32 + 3 * content.length);
  scratch.fill(0, 0, 32); // (a malformed prevHash must not leave the previous transaction's bytes)
  scratch.write(t.prevHash, 0, 32, 'hex');
  const length = scratch.write(content, 32, 'utf8');
  return oneShot('sha256', scratch.subarray(0, 32 + length), 'hex');
}
