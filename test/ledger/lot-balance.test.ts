/**
 * ledger.lot_balance — the running balance of each (account, lot) in one row, which the posting
 * trigger, the hold trigger and the group writer read instead of the posting history — always
 * equals the last posting of that (account, lot), after single writes, a batch that posts to one
 * lot many times in one statement, a reversal and a refused overspend; and only the ledger's own
 * trigger can change it.
 */
import { createLedgerFixture, disbursement, fundCounty, key, type LedgerFixture } from './support.js';

let fx: LedgerFixture;
let lot: string;
beforeAll(async () => {
  fx = await createLedgerFixture();
  lot = await fundCounty(fx, 1_000_000n);
});
afterAll(async () => {
  await fx.db.drop();
});

/** (account, lot) pairs whose lot_balance row differs from their last posting, or lacks one. */
async function mismatches(): Promise<unknown[]> {
  const { rows } = await fx.db.pool.query(
    `with last as (
       select distinct on (account_id, lot_id) account_id, lot_id, lot_seq, balance_after
       from ledger.posting order by account_id, lot_id, lot_seq desc)
     select coalesce(l.account_id, b.account_id)::text as account, coalesce(l.lot_id, b.lot_id)::text as lot,
            l.lot_seq as posting_seq, b.lot_seq as stored_seq, l.balance_after::text as posting_balance, b.balance_after::text as stored_balance
     from last l full join ledger.lot_balance b on b.account_id = l.account_id and b.lot_id = l.lot_id
     where l.account_id is null or b.account_id is null or l.lot_seq <> b.lot_seq or l.balance_after <> b.balance_after`,
  );
  return rows;
}

async function rowCount(): Promise<number> {
  const { rows } = await fx.db.pool.query(`select count(*)::int as n from ledger.lot_balance`);
  return rows[0].n;
}

test('equals the last posting of every (account, lot) after single writes, a many-line batch and a reversal', async () => {
  const first = await fx.ledger.disburse(disbursement(fx, { amount: 2_500n, lotId: lot, payeeId: 'elder-a' }), 'clerk-1');
  // One statement inserts postings to the county's AVAILABLE account in this lot 40 times: each row
  // must see the one before it.
  await fx.ledger.disburseBatch(
    Array.from({ length: 40 }, (_, i) => disbursement(fx, { amount: BigInt(100 + i), lotId: lot, payeeId: `elder-${i % 7}` })),
    'clerk-1',
  );
  await fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-03-11', transactionId: first.transaction.id, reason: '重复发放 duplicate' }, 'finance-1');
  expect(await rowCount()).toBeGreaterThan(8);
  expect(await mismatches()).toEqual([]);
});

test('a refused overspend leaves it as it was', async () => {
  const before = (await fx.db.pool.query(`select jsonb_agg(b order by account_id, lot_id)::text as s from ledger.lot_balance b`)).rows[0].s;
  await expect(fx.ledger.disburse(disbursement(fx, { amount: 10_000_000n, lotId: lot }), 'clerk-1')).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
  const after = (await fx.db.pool.query(`select jsonb_agg(b order by account_id, lot_id)::text as s from ledger.lot_balance b`)).rows[0].s;
  expect(after).toBe(before);
  expect(await mismatches()).toEqual([]);
});

test.each([
  ['update', `update ledger.lot_balance set balance_after = balance_after + 1`],
  ['insert', `insert into ledger.lot_balance (account_id, lot_id, lot_seq, balance_after) select account_id, lot_id + 0, 99, 1 from ledger.lot_balance limit 1`],
  ['delete', `delete from ledger.lot_balance`],
])('the application role cannot %s it', async (_op, sql) => {
  const client = await fx.db.pool.connect();
  try {
    await client.query('begin');
    await client.query('set local role sunshine_app');
    await expect(client.query(sql)).rejects.toMatchObject({ code: '42501' });
  } finally {
    await client.query('rollback');
    client.release();
  }
  expect(await mismatches()).toEqual([]);
});
