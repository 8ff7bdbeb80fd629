/**
 * Chain verification in Node: PostgreSQL sends the stored fields of a range of transactions and
 * their postings (plain column reads, no per-row functions), and Node rebuilds each transaction's
 * canonical text — byte for byte what `ledger.canonical_content` hashes at insert — and its SHA-256
 * with node:crypto. The SQL definition stays the reference (the insert trigger uses it); a test
 * checks the two agree on awkward values (quotes, backslashes, newlines, non-ASCII, nulls).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

const ZERO_HASH = '0'.repeat(64);

/** PostgreSQL's quote_nullable for text: NULL, or a literal with ' and \ doubled (E'…' when it holds a backslash). */
export function quoteNullable(value: string | null): string {
  if (value === null) return 'NULL';
  const doubled = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${doubled.replace(/\\/g, '\\\\')}'` : `'${doubled}'`;
}

/** The stored fields the canonical text covers, as PostgreSQL renders them (see ledger.canonical_content). */
export interface CanonicalFields {
  id: string;
  seq: string;
  kind: string;
  idempotencyKey: string;
  requestHashHex: string;
  fundLine: string;
  regionCode: string;
  counterpartRegionCode: string | null;
  /** YYYY-MM-DD */
  effectiveDate: string;
  /** floor(epoch of recorded_at × 10⁶) */
  recordedAtMicros: string;
  documentNo: string | null;
  memo: string | null;
  actor: string;
  reversesId: string | null;
  reason: string | null;
  allocationId: string | null;
  payeeType: string | null;
  payeeId: string | null;
  serviceMonth: string | null;
  benefitCode: string | null;
  beneficiaryVillageCode: string | null;
}

/** ledger.canonical_content(t, postings): `postings` is the ';'-joined posting entries in posting id order. */
export function canonicalContent(t: CanonicalFields, postings: string): string {
  return [
    'v1', t.id, t.seq, quoteNullable(t.kind), quoteNullable(t.idempotencyKey), t.requestHashHex, quoteNullable(t.fundLine),
    quoteNullable(t.regionCode), quoteNullable(t.counterpartRegionCode), t.effectiveDate, t.recordedAtMicros,
    quoteNullable(t.documentNo), quoteNullable(t.memo), quoteNullable(t.actor), quoteNullable(t.reversesId), quoteNullable(t.reason),
    quoteNullable(t.allocationId), quoteNullable(t.payeeType), quoteNullable(t.payeeId), quoteNullable(t.serviceMonth),
    quoteNullable(t.benefitCode), quoteNullable(t.beneficiaryVillageCode), `[${postings}]`,
  ].join(',');
}

/** ledger.transaction_hash: SHA-256(prev_hash ‖ UTF-8 canonical text), hex. */
export function transactionHash(prevHashHex: string, content: string): string {
  return createHash('sha256').update(Buffer.from(prevHashHex, 'hex')).update(content, 'utf8').digest('hex');
}

/** Columns in the order canonicalContent needs them, then prev_hash and hash (array rows: no per-row objects). */
const CHAIN_COLUMNS = `t.id::text, t.seq::text, t.kind, t.idempotency_key, encode(t.request_hash, 'hex'), t.fund_line, t.region_code,
  t.counterpart_region_code, to_char(t.effective_date, 'YYYY-MM-DD'), floor(extract(epoch from t.recorded_at) * 1000000)::bigint::text,
  t.document_no, t.memo, t.actor, t.reverses_id::text, t.reason, t.allocation_id::text, t.payee_type, t.payee_id, t.service_month,
  t.benefit_code, t.beneficiary_village_code, encode(t.prev_hash, 'hex'), encode(t.hash, 'hex')`;

type ChainRow = (string | null)[];

/**
 * Verifies seqs [from, to] (and the link from from − 1 into it), with the rules of ledger.verify_chain:
 * the first seq whose hash does not recompute, whose prev_hash is not the hash before it, which does
 * not follow the seq before it, or (at seq 1) whose prev_hash is not zero; a range that does not
 * start at `from` is broken at its first seq. Returns that seq (null when none) and how many seqs of
 * [from, to] exist.
 */
export async function verifyRange(db: Queryable, from: bigint, to: bigint): Promise<{ broken: string | null; checked: number }> {
  const lo = (from > 1n ? from - 1n : 1n).toString();
  const hi = to.toString();
  const [headers, postings] = await Promise.all([
    db.query<ChainRow>({ text: `select ${CHAIN_COLUMNS} from ledger.transaction t where t.seq between $1 and $2 order by t.seq`, values: [lo, hi], rowMode: 'array' }),
    db.query<ChainRow>({
      text: `select p.transaction_id::text, p.account_id::text, p.lot_id::text, p.amount::text, to_char(p.effective_date, 'YYYY-MM-DD')
             from ledger.posting p
             where p.transaction_id in (select t.id from ledger.transaction t where t.seq between $1 and $2)
             order by p.transaction_id, p.id`,
      values: [lo, hi],
      rowMode: 'array',
    }),
  ]);
  const entries = new Map<string, string>();
  let current: string | null = null;
  let parts: string[] = [];
  for (const [tx, account, lot, amount, date] of postings.rows) {
    if (tx !== current) {
      if (current !== null) entries.set(current, parts.join(';'));
      current = tx!;
      parts = [];
    }
    parts.push(`${account},${lot},${amount},${date}`);
  }
  if (current !== null) entries.set(current, parts.join(';'));

  let broken: string | null = null;
  let checked = 0;
  let before: { seq: bigint; hash: string } | null = null;
  for (const r of headers.rows) {
    const seq = BigInt(r[1]!);
    const prevHash = r[21]!;
    const hash = r[22]!;
    if (seq >= from) {
      checked++;
      if (broken === null) {
        const content = canonicalContent(
          {
            id: r[0]!, seq: r[1]!, kind: r[2]!, idempotencyKey: r[3]!, requestHashHex: r[4]!, fundLine: r[5]!, regionCode: r[6]!,
            counterpartRegionCode: r[7]!, effectiveDate: r[8]!, recordedAtMicros: r[9]!, documentNo: r[10]!, memo: r[11]!, actor: r[12]!,
            reversesId: r[13]!, reason: r[14]!, allocationId: r[15]!, payeeType: r[16]!, payeeId: r[17]!, serviceMonth: r[18]!,
            benefitCode: r[19]!, beneficiaryVillageCode: r[20]!,
          },
          entries.get(r[0]!) ?? '',
        );
        const bad =
          transactionHash(prevHash, content) !== hash ||
          (before !== null && (seq !== before.seq + 1n || prevHash !== before.hash)) ||
          (before === null && seq === 1n && prevHash !== ZERO_HASH) ||
          (before === null && seq > from);
        if (bad) broken = r[1]!;
      }
    }
    before = { seq, hash };
  }
  return { broken, checked };
}
