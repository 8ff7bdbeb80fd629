/**
 * Concurrency: many connections spending one lot at once never overspend it, and one request sent
 * many times at once commits exactly once.
 */
import pg from 'pg';
import { tolerateDropTermination } from '../support/database.js';
import { Ledger } from '../../ledger/ledger.js';
import { LedgerError } from '../../ledger/errors.js';
import type { PostResult } from '../../ledger/types.js';
import { createLedgerFixture, disbursement, fundCounty, key, COUNTY, type LedgerFixture } from './support.js';

let fx: LedgerFixture;
let pool: pg.Pool;
let ledger: Ledger;
beforeAll(async () => {
  fx = await createLedgerFixture();
  pool = new pg.Pool({ connectionString: fx.db.url, max: 20 });
  tolerateDropTermination(pool);
  ledger = new Ledger(pool);
});
afterAll(async () => {
  await pool.end();
  await fx.db.drop();
});

test('40 concurrent disbursements of 5 000 fen from one lot of 100 000 fen: exactly 20 succeed, the lot ends at 0', async () => {
  const funded = 100_000n;
  const each = 5_000n;
  const calls = 40;
  const lot = await fundCounty(fx, funded);

  // Make sure the requests really overlap: all 20 connections are open before the first request.
  const warm = await Promise.all(Array.from({ length: 20 }, () => pool.connect()));
  warm.forEach((c) => c.release());

  const results = await Promise.allSettled(
    Array.from({ length: calls }, (_, i) =>
      ledger.disburse(disbursement(fx, { idempotencyKey: key(`race-${i}`), amount: each, lotId: lot, payeeId: `elder-${i}` }), `clerk-${i}`),
    ),
  );
  const fulfilled = results.filter((r): r is PromiseFulfilledResult<PostResult> => r.status === 'fulfilled');
  const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  const expectedSuccesses = Number(funded / each);
  expect(fulfilled).toHaveLength(expectedSuccesses);
  expect(rejected).toHaveLength(calls - expectedSuccesses);
  for (const r of rejected) {
    expect(r.reason).toBeInstanceOf(LedgerError);
    expect(r.reason).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
  }
  expect(fulfilled.every((r) => !r.value.replayed)).toBe(true);
  expect(new Set(fulfilled.map((r) => r.value.transaction.id)).size).toBe(expectedSuccesses);

  const balances = Object.fromEntries((await fx.queries.lotBalances(lot)).map((b) => [b.accountKind, b.balance]));
  expect(balances.AVAILABLE).toBe(0n);
  expect(balances.EXPENDITURE).toBe(each * BigInt(expectedSuccesses));

  const { rows } = await fx.db.pool.query(
    `select count(*) filter (where balance_after < 0 and account_kind <> 'FUNDING_SOURCE')::int as negative,
            count(*) filter (where account_kind = 'AVAILABLE')::int as available_postings,
            count(distinct lot_seq) filter (where account_kind = 'AVAILABLE')::int as distinct_seqs,
            max(lot_seq) filter (where account_kind = 'AVAILABLE')::int as last_seq
     from ledger.posting where lot_id = $1`,
    [lot],
  );
  expect(rows[0].negative).toBe(0);
  // The lot's AVAILABLE running balance is one gapless sequence: receipt + 20 payments.
  expect(rows[0]).toMatchObject({ available_postings: 1 + expectedSuccesses, distinct_seqs: 1 + expectedSuccesses, last_seq: 1 + expectedSuccesses });
  const last = await fx.db.pool.query(
    `select p.balance_after::text from ledger.posting p where p.lot_id = $1 and p.account_kind = 'AVAILABLE' order by p.lot_seq desc limit 1`,
    [lot],
  );
  expect(last.rows[0].balance_after).toBe('0');

  const chain = await fx.db.pool.query('select max(seq)::text as head, count(*)::int as n from ledger.transaction');
  expect(chain.rows[0].head).toBe(String(chain.rows[0].n)); // gapless seqs despite the aborted transactions
  expect(await fx.queries.verify('1', chain.rows[0].head)).toMatchObject({ ok: true, firstBrokenSeq: null });
});

test('the same request sent 10 times at once commits exactly once', async () => {
  await fundCounty(fx, 50_000n);
  const input = disbursement(fx, { amount: 1_234n, payeeId: 'elder-idem' });
  const before = (await fx.queries.balances(COUNTY, 'SENIOR_ALLOWANCE', null, false)).find((b) => b.accountKind === 'EXPENDITURE')!.balance;

  const results = await Promise.all(Array.from({ length: 10 }, () => ledger.disburse(input, 'clerk-1')));
  const ids = new Set(results.map((r) => r.transaction.id));
  expect(ids.size).toBe(1);
  expect(results.filter((r) => !r.replayed)).toHaveLength(1);
  expect(results.filter((r) => r.replayed)).toHaveLength(9);
  for (const r of results) expect(r.transaction).toEqual(results[0]!.transaction);

  const { rows } = await fx.db.pool.query('select count(*)::int as n from ledger.transaction where idempotency_key = $1', [input.idempotencyKey]);
  expect(rows[0].n).toBe(1);
  const after = (await fx.queries.balances(COUNTY, 'SENIOR_ALLOWANCE', null, false)).find((b) => b.accountKind === 'EXPENDITURE')!.balance;
  expect(after - before).toBe(input.amount);
});
