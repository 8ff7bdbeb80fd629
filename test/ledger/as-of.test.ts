/**
 * Issue 9, "money spent before it arrived": no balance, as of ANY date, goes below zero (per account
 * and lot), enforced by PostgreSQL under concurrency; and sums near the documented maximum amount fit.
 */
import pg from 'pg';
import { tolerateDropTermination } from '../support/database.js';
import { Ledger } from '../../ledger/ledger.js';
import { MAX_FEN } from '../../ledger/money.js';
import type { PostResult } from '../../ledger/types.js';
import { createLedgerFixture, disbursement, key, CITY, COUNTY, type LedgerFixture } from './support.js';

let fx: LedgerFixture;
beforeAll(async () => {
  fx = await createLedgerFixture();
});
afterAll(async () => {
  await fx.db.drop();
});

const appropriate = (effectiveDate: string, amount: bigint, fundLine = 'OPERATIONS', regionCode = CITY) =>
  fx.ledger.appropriate(
    { idempotencyKey: key('app'), effectiveDate, regionCode, fundLine, amount, fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: '徐财〔2026〕9号' },
    'finance',
  );
const allocate = (effectiveDate: string, amount: bigint, lotId: string, fundLine = 'OPERATIONS') =>
  fx.ledger.allocate(
    { idempotencyKey: key('alloc'), effectiveDate, fromRegionCode: CITY, toRegionCode: COUNTY, fundLine, amount, lotId, documentNo: '徐财〔2026〕10号' },
    'finance',
  );
const receive = (effectiveDate: string, allocation: PostResult) =>
  fx.ledger.receiveAllocation({ idempotencyKey: key('recv'), effectiveDate, allocationId: allocation.transaction.id }, 'finance');
const lotOf = (r: PostResult, kind = 'AVAILABLE') => r.transaction.postings.find((p) => p.accountKind === kind)!.lotId;

/** Balances per account kind as of every day of the range, over the whole city: none below zero. */
async function everyDayNonNegative(from: string, to: string): Promise<void> {
  for (let d = new Date(`${from}T00:00:00Z`); d.toISOString().slice(0, 10) <= to; d.setUTCDate(d.getUTCDate() + 1)) {
    const day = d.toISOString().slice(0, 10);
    const { rows } = await fx.db.pool.query(
      `select p.account_id, p.lot_id, p.account_kind, sum(p.amount) as total from ledger.posting p where p.effective_date <= $1
       group by 1, 2, 3 having (p.account_kind = 'FUNDING_SOURCE' and sum(p.amount) > 0) or (p.account_kind <> 'FUNDING_SOURCE' and sum(p.amount) < 0)`,
      [day],
    );
    expect({ day, wrongSign: rows }).toEqual({ day, wrongSign: [] });
  }
}

test('a payment dated before the receipt of its money is refused, naming the date; one dated on or after it is taken', async () => {
  const app = await appropriate('2026-10-20', 10_000n);
  const alloc = await allocate('2026-10-21', 10_000n, lotOf(app));
  const receipt = await receive('2026-10-29', alloc);
  const lot = lotOf(receipt);
  const pay = (effectiveDate: string) =>
    fx.ledger.disburse(disbursement(fx, { idempotencyKey: key('pay'), effectiveDate, fundLine: 'OPERATIONS', amount: 500n, lotId: lot, serviceMonth: '2026-10' }), 'clerk');
  await expect(pay('2026-10-28')).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS', message: expect.stringContaining('2026-10-28') });
  // Unnamed lot: the planner picks the lot by today's balance, the database refuses it as of the date.
  await expect(
    fx.ledger.disburse(disbursement(fx, { idempotencyKey: key('pay'), effectiveDate: '2026-10-28', fundLine: 'OPERATIONS', amount: 500n, serviceMonth: '2026-10' }), 'clerk'),
  ).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
  await pay('2026-10-29');
  await pay('2026-11-02');
  const asOf = (day: string) => fx.queries.balances(COUNTY, 'OPERATIONS', day, false);
  expect(Object.fromEntries((await asOf('2026-10-28')).map((b) => [b.accountKind, b.balance])).AVAILABLE ?? 0n).toBe(0n);
  expect(Object.fromEntries((await asOf('2026-10-29')).map((b) => [b.accountKind, b.balance])).AVAILABLE).toBe(9_500n);
  await everyDayNonNegative('2026-10-15', '2026-11-05');
});

test('an allocation dated the day before its appropriation is refused', async () => {
  const app = await appropriate('2026-06-10', 7_000n);
  await expect(allocate('2026-06-09', 1_000n, lotOf(app))).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS', message: expect.stringContaining('2026-06-09') });
  await allocate('2026-06-10', 1_000n, lotOf(app));
});

test('a payment dated 2026-08-01 from a lot allocated 2026-09-01 and received 2026-10-15 is refused', async () => {
  const app = await appropriate('2026-07-01', 50_000n);
  const alloc = await allocate('2026-09-01', 50_000n, lotOf(app));
  const lot = lotOf(await receive('2026-10-15', alloc));
  await expect(
    fx.ledger.disburse(disbursement(fx, { idempotencyKey: key('pay'), effectiveDate: '2026-08-01', fundLine: 'OPERATIONS', amount: 100n, lotId: lot, serviceMonth: '2026-08' }), 'clerk'),
  ).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
  // A payment between a spend and the money coming back may not take what is there today: 400 arrive
  // on 07-03, 400 leave on 07-05 and come back (a reversal) on 07-25.
  const more = await appropriate('2026-07-01', 1_000n, 'PROJECT_GRANT');
  const child = lotOf(await receive('2026-07-03', await allocate('2026-07-02', 400n, lotOf(more), 'PROJECT_GRANT')));
  const payChild = (effectiveDate: string, amount: bigint) =>
    fx.ledger.disburse(disbursement(fx, { idempotencyKey: key('pay'), effectiveDate, fundLine: 'PROJECT_GRANT', amount, lotId: child, serviceMonth: '2026-07' }), 'clerk');
  const spent = await payChild('2026-07-05', 400n);
  await fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-07-25', transactionId: spent.transaction.id, reason: 'bank returned it' }, 'finance');
  await expect(payChild('2026-07-10', 100n)).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS', message: expect.stringContaining('insufficient funds on 2026-07-10') });
  await expect(payChild('2026-07-04', 1n)).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS', message: expect.stringContaining('2026-07-05') });
  await payChild('2026-07-25', 400n);
  await everyDayNonNegative('2026-06-25', '2026-07-31');
});

test('a reversal dated before the transaction it reverses is refused (FUNDING_SOURCE cannot go above zero either)', async () => {
  const app = await appropriate('2026-05-10', 3_000n, 'HARDSHIP_SUPPORT');
  await expect(
    fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-05-09', transactionId: app.transaction.id, reason: 'wrong document' }, 'finance'),
  ).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'effectiveDate', message: expect.stringContaining('2026-05-09 is before 2026-05-10') });
  await fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-05-11', transactionId: app.transaction.id, reason: 'wrong document' }, 'finance');
});

test('a reversal of a return dated before the return (before the allocation, even) is refused: it put money into the county\'s lot on a day it had none', async () => {
  const app = await appropriate('2026-01-01', 5_000n, 'FACILITY_SUBSIDY');
  const alloc = await allocate('2026-01-02', 1_000n, lotOf(app), 'FACILITY_SUBSIDY');
  await receive('2026-01-05', alloc);
  const countyLot = lotOf(alloc, 'IN_TRANSIT_DOWN');
  const returned = await fx.ledger.returnFunds({ idempotencyKey: key('ret'), effectiveDate: '2026-03-01', lotId: countyLot, amount: 1_000n }, 'finance');
  for (const effectiveDate of ['2026-01-01', '2026-02-28']) {
    await expect(fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate, transactionId: returned.transaction.id, reason: 'returned by mistake' }, 'finance'))
      .rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'effectiveDate' });
  }
  // and so nothing can be paid from the county's lot on 2026-01-01, before its money arrived
  await expect(fx.ledger.disburse(disbursement(fx, { fundLine: 'FACILITY_SUBSIDY', amount: 1_000n, lotId: countyLot, effectiveDate: '2026-01-01', serviceMonth: '2026-01' }), 'clerk'))
    .rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
  await fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-03-01', transactionId: returned.transaction.id, reason: 'returned by mistake' }, 'finance');
  await everyDayNonNegative('2025-12-30', '2026-03-02');
});

test('direct SQL as the application role cannot date a reversal before its original either (SL013)', async () => {
  // The reversal of a return dated before the return: its postings pass every as-of check (the
  // city's lot had the money that day, the county's leg moves away from zero); its header must not.
  const app = await appropriate('2026-07-01', 5_000n, 'FACILITY_SUBSIDY');
  const alloc = await allocate('2026-07-02', 1_000n, lotOf(app), 'FACILITY_SUBSIDY');
  await receive('2026-07-05', alloc);
  const returned = await fx.ledger.returnFunds({ idempotencyKey: key('ret'), effectiveDate: '2026-08-01', lotId: lotOf(alloc, 'IN_TRANSIT_DOWN'), amount: 1_000n }, 'finance');
  const client = await fx.db.pool.connect();
  try {
    await client.query('begin; set local role sunshine_app');
    const tx = (await client.query(`select nextval('ledger.transaction_id_seq') as id`)).rows[0].id;
    await client.query(
      `insert into ledger.posting (transaction_id, account_id, lot_id, amount, effective_date)
       select $1, p.account_id, p.lot_id, -p.amount, '2026-07-01' from ledger.posting p where p.transaction_id = $2 order by p.lot_id, p.id`,
      [tx, returned.transaction.id],
    );
    await expect(
      client.query(
        `insert into ledger.transaction (id, kind, idempotency_key, request_hash, fund_line, region_code, counterpart_region_code, effective_date, actor, reverses_id, reason)
         values ($1, 'REVERSAL', 'sql-rev', '\\x00', 'FACILITY_SUBSIDY', $2, $3, '2026-07-01', 'sql', $4, 'x')`,
        [tx, returned.transaction.regionCode, returned.transaction.counterpartRegionCode, returned.transaction.id],
      ),
    ).rejects.toMatchObject({ code: 'SL013' });
  } finally {
    await client.query('rollback');
    client.release();
  }
});

test('direct SQL as the application role cannot back-date a spend either (SL003)', async () => {
  const app = await appropriate('2026-04-10', 2_000n, 'SENIOR_ALLOWANCE');
  const lot = lotOf(app);
  const client = await fx.db.pool.connect();
  try {
    await client.query('begin; set local role sunshine_app');
    const { rows } = await client.query(
      `select (select id from ledger.account where region_code = $1 and fund_line = 'SENIOR_ALLOWANCE' and kind = 'AVAILABLE') as available,
              nextval('ledger.transaction_id_seq') as tx`,
      [CITY],
    );
    await client.query(`insert into ledger.account (region_code, fund_line, kind, payee_type, payee_id) values ($1, 'SENIOR_ALLOWANCE', 'EXPENDITURE', 'PERSON', 'sql-payee') on conflict do nothing`, [CITY]);
    const payee = (await client.query(`select id from ledger.account where payee_id = 'sql-payee'`)).rows[0].id;
    await expect(
      client.query(
        `insert into ledger.posting (transaction_id, account_id, lot_id, amount, effective_date) values ($1, $2, $4, -500, '2026-04-01'), ($1, $3, $4, 500, '2026-04-01')`,
        [rows[0].tx, rows[0].available, payee, lot],
      ),
    ).rejects.toMatchObject({ code: 'SL003' });
  } finally {
    await client.query('rollback');
    client.release();
  }
});

test('two connections at once, one payment dated before the money it needs: that one is refused, the other taken; then the lot is empty from its date on', async () => {
  const app = await appropriate('2026-03-01', 2_000n, 'FACILITY_SUBSIDY');
  const first = await allocate('2026-03-02', 1_000n, lotOf(app), 'FACILITY_SUBSIDY');
  const lotA = lotOf(await receive('2026-03-05', first));
  // A second arrival into the same lot: the reversal of a payment, dated 03-20.
  const early = await fx.ledger.disburse(
    disbursement(fx, { idempotencyKey: key('pay'), effectiveDate: '2026-03-06', fundLine: 'FACILITY_SUBSIDY', amount: 1_000n, lotId: lotA, serviceMonth: '2026-03' }), 'clerk');
  await fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-03-20', transactionId: early.transaction.id, reason: 'paid twice' }, 'finance');
  // Now: +1 000 on 03-05, −1 000 on 03-06, +1 000 on 03-20 → 1 000 today, 0 from 03-06 to 03-19.
  const pools = [0, 1].map(() => {
    const pool = new pg.Pool({ connectionString: fx.db.url, max: 2 });
    tolerateDropTermination(pool);
    return pool;
  });
  try {
    const results = await Promise.allSettled(
      pools.map((pool, i) =>
        new Ledger(pool).disburse(
          disbursement(fx, { idempotencyKey: key(`late-${i}`), effectiveDate: i === 0 ? '2026-03-21' : '2026-03-05', fundLine: 'FACILITY_SUBSIDY', amount: 1_000n, lotId: lotA, serviceMonth: '2026-03' }),
          'clerk',
        ),
      ),
    );
    // The one dated 03-05 needs money on 03-05 (1 000, then −1 000 on 03-06 → −1 000): always refused.
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'INSUFFICIENT_FUNDS' } });
    expect(results[0]!.status).toBe('fulfilled');
    // From 03-21 on the lot is empty: nothing dated after it can be paid, however many try at once.
    const race = await Promise.allSettled(
      pools.map((pool, i) =>
        new Ledger(pool).disburse(
          disbursement(fx, { idempotencyKey: key(`race-${i}`), effectiveDate: '2026-03-25', fundLine: 'FACILITY_SUBSIDY', amount: 1n, lotId: lotA, serviceMonth: '2026-03' }),
          'clerk',
        ),
      ),
    );
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(0); // the lot is empty from 03-21 on
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
  await everyDayNonNegative('2026-03-01', '2026-03-31');
});

test('two concurrent back-dated payments from different connections: the database lets only what fits on the date through', async () => {
  // A county's own lot: +3 000 on 02-01, −3 000 on 02-02, +3 000 back on 02-20, −1 000 on 02-21.
  const a = await appropriate('2026-02-01', 3_000n, 'PROJECT_GRANT', COUNTY);
  const lot = lotOf(a);
  const pay = await fx.ledger.disburse(
    disbursement(fx, { idempotencyKey: key('pay'), effectiveDate: '2026-02-02', fundLine: 'PROJECT_GRANT', amount: 3_000n, lotId: lot, serviceMonth: '2026-02' }), 'clerk');
  await fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-02-20', transactionId: pay.transaction.id, reason: 'returned by the bank' }, 'finance');
  await fx.ledger.disburse(
    disbursement(fx, { idempotencyKey: key('pay'), effectiveDate: '2026-02-21', fundLine: 'PROJECT_GRANT', amount: 1_000n, lotId: lot, serviceMonth: '2026-02' }), 'clerk');
  // Balance: 3 000 (02-01), 0 (02-02…02-19), 3 000 (02-20), 2 000 (02-21…). Four payments of 1 500
  // dated 02-22 or 02-25, at once from four pools: each fits alone (2 000), only one fits with another.
  const pools = [0, 1, 2, 3].map(() => {
    const pool = new pg.Pool({ connectionString: fx.db.url, max: 2 });
    tolerateDropTermination(pool);
    return pool;
  });
  try {
    const results = await Promise.allSettled(
      pools.map((pool, i) =>
        new Ledger(pool).disburse(
          disbursement(fx, { idempotencyKey: key(`race-${i}`), effectiveDate: i % 2 ? '2026-02-25' : '2026-02-22', fundLine: 'PROJECT_GRANT', amount: 1_500n, lotId: lot, serviceMonth: '2026-02' }),
          'clerk',
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) expect(r).toMatchObject({ reason: { code: 'INSUFFICIENT_FUNDS' } });
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
  await everyDayNonNegative('2026-01-30', '2026-02-28');
});

test('appropriations of the documented maximum amount, several on one day at one region: every stored sum fits', async () => {
  const day = '2026-12-01';
  await appropriate(day, MAX_FEN, 'SENIOR_ALLOWANCE', COUNTY);
  await appropriate(day, MAX_FEN, 'SENIOR_ALLOWANCE', COUNTY);
  const balances = Object.fromEntries((await fx.queries.balances(COUNTY, 'SENIOR_ALLOWANCE', day, false)).map((b) => [b.accountKind, b.balance]));
  expect(balances.AVAILABLE! >= 2n * MAX_FEN).toBe(true);
  expect(balances.FUNDING_SOURCE! <= -2n * MAX_FEN).toBe(true);
  await expect(appropriate(day, MAX_FEN + 1n, 'SENIOR_ALLOWANCE', COUNTY)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
});
