/** Chain verification: the hash chain recomputed by the database, in chunks. */
import { badInput } from '../errors.js';
import type { Queryable } from './records.js';

/** verifyLedger works through the chain in chunks of this many seqs, this many at a time. */
const VERIFY_CHUNK = 50_000n;
const VERIFY_PARALLEL = 4;

export interface VerifyResult {
  fromSeq: string;
  toSeq: string;
  checked: number;
  ok: boolean;
  firstBrokenSeq: string | null;
  headSeq: string | null;
  headHash: string | null;
}

/** Recomputes the hash chain over [fromSeq, toSeq] (defaults: the whole chain). */
export async function verify(db: Queryable, fromSeq: string | null, toSeq: string | null): Promise<VerifyResult> {
  const head = await db.query(
    `select t.seq::text as seq, encode(t.hash, 'hex') as hash from ledger.transaction t order by t.seq desc limit 1`,
  );
  const headSeq: string | null = head.rows[0]?.seq ?? null;
  if (headSeq === null && fromSeq === null && toSeq === null) {
    return { fromSeq: '1', toSeq: '0', checked: 0, ok: true, firstBrokenSeq: null, headSeq: null, headHash: null };
  }
  const from = fromSeq ?? '1';
  const to = toSeq ?? headSeq ?? '0';
  for (const [value, field] of [[from, 'fromSeq'], [to, 'toSeq']] as const) {
    if (!/^[0-9]{1,18}$/.test(value)) throw badInput(`${field} must be a sequence number`, field);
  }
  if (BigInt(from) < 1n) throw badInput('fromSeq starts at 1', 'fromSeq');
  if (BigInt(to) < BigInt(from)) throw badInput('toSeq is before fromSeq', 'toSeq');
  // Chunks of VERIFY_CHUNK seqs (each also checks the link into it), VERIFY_PARALLEL at a time so
  // that every core works without taking the whole pool; the first broken seq is the smallest any
  // chunk reports.
  // Only up to the chain head: past it there is nothing to check (a toSeq of 10^18 built 2·10^13
  // chunks here before any query and took the server down).
  const last = headSeq === null ? 0n : BigInt(to) < BigInt(headSeq) ? BigInt(to) : BigInt(headSeq);
  const chunks: [bigint, bigint][] = [];
  for (let a = BigInt(from); a <= last; a += VERIFY_CHUNK) {
    chunks.push([a, a + VERIFY_CHUNK - 1n < last ? a + VERIFY_CHUNK - 1n : last]);
  }
  const answers: { broken: string | null; checked: number }[] = new Array(chunks.length);
  let next = 0;
  await Promise.all(
    // On one client (not a pool) the chunks go one after the other.
    Array.from({ length: Math.min('release' in db ? 1 : VERIFY_PARALLEL, chunks.length) }, async () => {
      while (next < chunks.length) {
        const i = next++;
        const [a, b] = chunks[i]!;
        const { rows } = await db.query(
          `select ledger.verify_chain($1, $2)::text as broken,
                  (select count(*)::int from ledger.transaction where seq between $1 and $2) as checked`,
          [a.toString(), b.toString()],
        );
        answers[i] = rows[0] as { broken: string | null; checked: number };
      }
    }),
  );
  const brokenSeqs = answers.map((r) => r.broken).filter((b): b is string => b !== null).map(BigInt);
  const broken = brokenSeqs.length ? brokenSeqs.reduce((m, b) => (b < m ? b : m)).toString() : null;
  const checked = answers.reduce((sum, r) => sum + r.checked, 0);
  const expected = headSeq === null ? 0n : (BigInt(to) < BigInt(headSeq) ? BigInt(to) : BigInt(headSeq)) - BigInt(from) + 1n;
  const missing = headSeq !== null && BigInt(checked) < expected;
  return {
    fromSeq: from,
    toSeq: to,
    checked,
    ok: broken === null && !missing,
    firstBrokenSeq: broken,
    headSeq,
    headHash: head.rows[0]?.hash ?? null,
  };
}
