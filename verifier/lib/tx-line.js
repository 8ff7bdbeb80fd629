// The compact transaction line of bundle format v2 (docs/proof.md "Bundle format v2"): one
// transaction with its postings as tab-separated fields in a fixed order, escaped the way
// PostgreSQL's COPY text format escapes them. Splitting such a line costs about half of parsing
// the same transaction as a JSON object, and a bundle is nearly all transaction lines.

/** The transaction's fields after the leading `T`, in line order. */
export const TRANSACTION_FIELDS = [
  'id', 'seq', 'kind', 'idempotencyKey', 'requestHash', 'fundLine', 'regionCode', 'counterpartRegionCode',
  'effectiveDate', 'recordedAtMicros', 'recordedAt', 'documentNo', 'memo', 'actor', 'reversesId', 'reason',
  'allocationId', 'payeeType', 'payeeId', 'serviceMonth', 'benefitCode', 'beneficiaryVillageCode',
  'proposalId', 'proposedBy', 'approvedBy', 'prevHash', 'hash',
];
/** Each posting's fields, after the posting count, in posting id order. */
export const POSTING_FIELDS = ['id', 'accountId', 'lotId', 'amount', 'effectiveDate'];

const NULL = '\\N';
const FIXED = 1 + TRANSACTION_FIELDS.length + 1; // `T`, the fields, the posting count

/** `\N` is NULL; `\\`, `\t`, `\n`, `\r` stand for a backslash, tab, newline, carriage return. */
function unescape(field) {
  if (field === NULL) return null;
  if (field.indexOf('\\') < 0) return field;
  return field.replace(/\\(.?)/gs, (escape, c) => {
    switch (c) {
      case '\\': return '\\';
      case 't': return '\t';
      case 'n': return '\n';
      case 'r': return '\r';
      default: throw new Error(`an unknown escape "${escape}"`);
    }
  });
}

/** A field of text as the exporter writes it (for writers of test bundles and auditors' tools). */
export function escapeField(value) {
  if (value === null || value === undefined) return NULL;
  const text = String(value);
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]) : text;
}

/** The v2 line of a transaction record (without its newline). */
export function formatTransactionLine(t) {
  const fields = ['T'];
  for (const name of TRANSACTION_FIELDS) fields.push(escapeField(t[name]));
  fields.push(String(t.postings.length));
  for (const p of t.postings) for (const name of POSTING_FIELDS) fields.push(escapeField(p[name]));
  return fields.join('\t');
}

/**
 * The transaction record of a v2 line: the same fields as a v1 `transaction` record, absent ones
 * as null, and `compact: true`. Throws an Error naming what is wrong with a malformed line.
 */
export function parseTransactionLine(text) {
  const f = text.split('\t');
  if (f[0] !== 'T') throw new Error('a line that is neither JSON nor a transaction line (T)');
  const count = f.length >= FIXED ? Number(f[FIXED - 1]) : NaN;
  if (!Number.isInteger(count) || count < 0 || f.length !== FIXED + count * POSTING_FIELDS.length) {
    throw new Error(`${f.length} fields, a transaction line has ${FIXED} + 5 per posting (posting count "${f[FIXED - 1]}")`);
  }
  const u = unescape;
  // (an object literal in TRANSACTION_FIELDS order: one shape for every record, fast to read later)
  const t = {
    type: 'transaction', compact: true, id: u(f[1]), seq: u(f[2]), kind: u(f[3]), idempotencyKey: u(f[4]), requestHash: u(f[5]),
    fundLine: u(f[6]), regionCode: u(f[7]), counterpartRegionCode: u(f[8]), effectiveDate: u(f[9]), recordedAtMicros: u(f[10]),
    recordedAt: u(f[11]), documentNo: u(f[12]), memo: u(f[13]), actor: u(f[14]), reversesId: u(f[15]), reason: u(f[16]),
    allocationId: u(f[17]), payeeType: u(f[18]), payeeId: u(f[19]), serviceMonth: u(f[20]), benefitCode: u(f[21]),
    beneficiaryVillageCode: u(f[22]), proposalId: u(f[23]), proposedBy: u(f[24]), approvedBy: u(f[25]), prevHash: u(f[26]), hash: u(f[27]),
    postings: null,
  };
  const postings = new Array(count);
  for (let k = 0, i = FIXED; k < count; k++, i += 5) {
    postings[k] = { id: unescape(f[i]), accountId: unescape(f[i + 1]), lotId: unescape(f[i + 2]), amount: unescape(f[i + 3]), effectiveDate: unescape(f[i + 4]) };
  }
  t.postings = postings;
  return t;
}

/** Whether a line (raw bytes) is a v2 transaction line: it starts with `T` and a tab. */
export const isCompactLine = (bytes) => bytes.length > 1 && bytes[0] === 0x54 && bytes[1] === 0x09;
