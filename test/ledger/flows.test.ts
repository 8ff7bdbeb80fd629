/** The ledger's transaction kinds end to end: postings, lots, trail, balances, replays and refusals. */
import { createLedgerFixture, disbursement, fundCounty, key, CITY, COUNTY, type LedgerFixture } from './support.js';

let fx: LedgerFixture;
beforeAll(async () => {
  fx = await createLedgerFixture();
});
afterAll(async () => {
  await fx.db.drop();
});

test('appropriation → allocation → receipt → disbursement, traced back to the document', async () => {
  const lot = await fundCounty(fx, 1_000_000n);
  const paid = await fx.ledger.disburse(disbursement(fx, { amount: 12_345n }), 'clerk-1');
  expect(paid.replayed).toBe(false);
  expect(paid.transaction.postings.map((p) => [p.accountKind, p.amount])).toEqual(
    expect.arrayContaining([['AVAILABLE', -12_345n], ['EXPENDITURE', 12_345n]]),
  );
  expect(paid.transaction.postings[0]!.lotId).toBe(lot);

  const trail = await fx.queries.trail(paid.transaction.id);
  expect(trail.map((s) => s.transaction.kind)).toEqual(['DISBURSEMENT', 'ALLOCATION_RECEIVED', 'ALLOCATION', 'APPROPRIATION']);
  expect(trail.at(-1)!.transaction.documentNo).toBe('苏财社〔2026〕1号');
  expect(trail[2]!.transaction.documentNo).toBe('徐财社〔2026〕7号');

  const county = await fx.queries.balances(COUNTY, 'SENIOR_ALLOWANCE', null, false);
  expect(Object.fromEntries(county.map((b) => [b.accountKind, b.balance]))).toMatchObject({ AVAILABLE: 987_655n, EXPENDITURE: 12_345n });
  const city = await fx.queries.balances(CITY, 'SENIOR_ALLOWANCE', null, true);
  expect(Object.fromEntries(city.map((b) => [b.accountKind, b.balance]))).toMatchObject({
    FUNDING_SOURCE: -1_000_000n, AVAILABLE: 987_655n, IN_TRANSIT_DOWN: 0n, EXPENDITURE: 12_345n,
  });
  const before = await fx.queries.balances(CITY, 'SENIOR_ALLOWANCE', '2026-03-03', true);
  expect(Object.fromEntries(before.map((b) => [b.accountKind, b.balance]))).toMatchObject({ IN_TRANSIT_DOWN: 1_000_000n, EXPENDITURE: 0n });

  const verify = await fx.queries.verify(null, null);
  expect(verify).toMatchObject({ ok: true, firstBrokenSeq: null });
});

test('replays return the original; a different payload under the same key conflicts', async () => {
  await fundCounty(fx, 50_000n);
  const input = disbursement(fx, { amount: 500n });
  const first = await fx.ledger.disburse(input, 'clerk-1');
  const again = await fx.ledger.disburse(input, 'clerk-1');
  expect(again).toEqual({ transaction: first.transaction, replayed: true });
  await expect(fx.ledger.disburse({ ...input, amount: 501n }, 'clerk-1')).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
});

test('overspending, double reversal and double receipt are refused and write nothing', async () => {
  const lot = await fundCounty(fx, 1_000n);
  const count = async () => (await fx.db.pool.query('select count(*)::int as n from ledger.posting')).rows[0].n;
  const before = await count();
  await expect(fx.ledger.disburse(disbursement(fx, { amount: 1_001n, lotId: lot }), 'c')).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
  expect(await count()).toBe(before);
  const paid = await fx.ledger.disburse(disbursement(fx, { amount: 1_000n, lotId: lot }), 'c');
  const reversal = await fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-03-11', transactionId: paid.transaction.id, reason: '重复发放' }, 'c');
  expect(reversal.transaction.postings.map((p) => p.amount).sort()).toEqual([-1_000n, 1_000n].sort());
  await expect(
    fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-03-11', transactionId: paid.transaction.id, reason: 'again' }, 'c'),
  ).rejects.toMatchObject({ code: 'ALREADY_REVERSED' });
});

test('an allocation whose receipt was reversed can itself be reversed, so no money is stuck in transit', async () => {
  const lot = await fundCounty(fx, 7_000n, 'OPERATIONS');
  const { rows } = await fx.db.pool.query(
    `select a.id::text as allocation, r.id::text as receipt from ledger.transaction a
     join ledger.transaction r on r.allocation_id = a.id join ledger.lot l on l.created_by_transaction_id = a.id where l.id = $1`,
    [lot],
  );
  const { allocation, receipt } = rows[0];
  await expect(
    fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-03-06', transactionId: allocation, reason: 'wrong county' }, 'c'),
  ).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'transactionId' });
  await fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-03-06', transactionId: receipt, reason: 'not received' }, 'c');
  await fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-03-06', transactionId: allocation, reason: 'wrong county' }, 'c');
  const inTransit = await fx.queries.balances(CITY, 'OPERATIONS', null, true);
  expect(Object.fromEntries(inTransit.map((b) => [b.accountKind, b.balance]))).toMatchObject({ IN_TRANSIT_DOWN: 0n, AVAILABLE: 7_000n });
});

test('the daily totals behind balances equal the postings, and the application role cannot write them', async () => {
  await fundCounty(fx, 3_000n, 'PROJECT_GRANT');
  const mismatch = await fx.db.pool.query(
    `select coalesce(d.region_code, p.region_code) as region from ledger.daily_total d
     full join (select region_code, fund_line, account_kind, effective_date, sum(amount) as amount from ledger.posting
                group by 1, 2, 3, 4) p using (region_code, fund_line, account_kind, effective_date)
     where d.amount is distinct from p.amount`,
  );
  expect(mismatch.rows).toEqual([]);
  const client = await fx.db.pool.connect();
  try {
    await client.query('begin');
    await client.query('set local role sunshine_app');
    await expect(client.query(`update ledger.daily_total set amount = 0`)).rejects.toMatchObject({ code: '42501' });
  } finally {
    await client.query('rollback');
    client.release();
  }
});

test('a second receipt of an allocation is ALREADY_RECEIVED, sent after the first or beside it, and names nothing of the issuer', async () => {
  const app = await fx.ledger.appropriate({ idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount: 5_000n, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕1号' }, 'finance');
  const allocate = () => fx.ledger.allocate({ idempotencyKey: key('alloc'), effectiveDate: '2026-03-02', fromRegionCode: CITY, toRegionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE', amount: 1_000n, documentNo: '徐财社〔2026〕7号', lotId: app.transaction.postings[0]!.lotId }, 'finance');
  const receive = (allocationId: string) => fx.ledger.receiveAllocation({ idempotencyKey: key('recv'), effectiveDate: '2026-03-05', allocationId }, 'county');
  const receipts = async (allocationId: string) => (await fx.db.pool.query(`select count(*)::int as n from ledger.transaction where allocation_id = $1`, [allocationId])).rows[0].n;

  const first = await allocate();
  await receive(first.transaction.id);
  const again = await receive(first.transaction.id).catch((e) => e);
  expect(again).toMatchObject({ code: 'ALREADY_RECEIVED', field: 'allocationId' });
  expect(again.message).not.toMatch(new RegExp(CITY));
  expect(await receipts(first.transaction.id)).toBe(1);

  // beside each other: one group plans them together; the first takes it
  const second = await allocate();
  const answers = await Promise.allSettled([1, 2, 3, 4].map(() => receive(second.transaction.id)));
  expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
  for (const a of answers.filter((x): x is PromiseRejectedResult => x.status === 'rejected')) expect(a.reason).toMatchObject({ code: 'ALREADY_RECEIVED' });
  expect(await receipts(second.transaction.id)).toBe(1);
});
