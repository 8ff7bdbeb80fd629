/**
 * The compact transaction line of bundle format v2 (docs/proof.md "Bundle format v2"): `T`, the
 * transaction's fields in a fixed order, the posting count and five fields per posting, separated
 * by tabs and escaped as in PostgreSQL's COPY text format (`\N` NULL; `\\`, `\t`, `\n`, `\r`).
 * The offline verifier reads it with its own code (verifier/lib/tx-line.js); a test holds the two
 * field lists and escapes together.
 */
export const TRANSACTION_FIELDS = [
  'id', 'seq', 'kind', 'idempotencyKey', 'requestHash', 'fundLine', 'regionCode', 'counterpartRegionCode',
  'effectiveDate', 'recordedAtMicros', 'recordedAt', 'documentNo', 'memo', 'actor', 'reversesId', 'reason',
  'allocationId', 'payeeType', 'payeeId', 'serviceMonth', 'benefitCode', 'beneficiaryVillageCode',
  'proposalId', 'proposedBy', 'approvedBy', 'prevHash', 'hash',
] as const;
export const POSTING_FIELDS = ['id', 'accountId', 'lotId', 'amount', 'effectiveDate'] as const;

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One field: `\N` for NULL (or absent), otherwise the text with \ tab newline CR escaped. */
export function escapeField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text = String(value);
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : text;
}

export type LineRecord = Record<string, unknown> & { postings: readonly Record<string, unknown>[] };

/** The v2 line of a transaction and its postings (in posting id order), with its newline. */
export function transactionLine(t: LineRecord): string {
  let line = 'T';
  for (const name of TRANSACTION_FIELDS) line += '\t' + escapeField(t[name]);
  line += '\t' + t.postings.length;
  for (const p of t.postings) for (const name of POSTING_FIELDS) line += '\t' + escapeField(p[name]);
  return line + '\n';
}
